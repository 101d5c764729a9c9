// Package speech prepares the texts callers hear for a Mandarin speech
// synthesizer and regenerates the IVR's prompt files with espeak-ng and sox.
package speech

import "strings"

// Digits as read one by one on the phone: 1 is 幺 so that it is not taken
// for 七, as in 幺幺零 (110) and 幺二三四五 (12345).
var phoneDigits = [10]string{"零", "幺", "二", "三", "四", "五", "六", "七", "八", "九"}

// Digits as read alone (请按1 → 请按一).
var plainDigits = [10]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// Normalize rewrites the Arabic numerals of text as Chinese characters, the
// way a hotline reads them: runs of three or more digits (12345, 110, phone
// and work order numbers) digit by digit with 幺 for 1; a single digit as
// itself (按1 → 按一); two digits as a number (15 → 十五), unless they start
// with 0 (05 → 零五). Full-width digits count as digits. Other text is kept.
func Normalize(text string) string {
	if !strings.ContainsFunc(text, isDigit) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) * 2)
	rs := []rune(text)
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && isDigit(rs[j]) {
			j++
		}
		run := rs[i:j]
		switch {
		case len(run) == 1:
			b.WriteString(plainDigits[digit(run[0])])
		case len(run) == 2 && digit(run[0]) != 0:
			tens, ones := digit(run[0]), digit(run[1])
			if tens > 1 {
				b.WriteString(plainDigits[tens])
			}
			b.WriteString("十")
			if ones > 0 {
				b.WriteString(plainDigits[ones])
			}
		default:
			for _, r := range run {
				b.WriteString(phoneDigits[digit(r)])
			}
		}
		i = j
	}
	return b.String()
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

func digit(r rune) int {
	if r >= '０' {
		return int(r - '０')
	}
	return int(r - '0')
}

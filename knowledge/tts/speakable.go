package tts

import (
	"regexp"
	"strings"

	"liandong/knowledge/speech"
)

var percentRE = regexp.MustCompile(`([0-9０-９]+)[%％]`)

// symbols espeak-ng's Mandarin voice would read in English ("slash",
// "asterisk"), and what a hotline says instead.
var symbols = strings.NewReplacer(
	"/", "、", "／", "、",
	"+", "加", "＋", "加",
	"#", "井号", "＃", "井号",
	"*", "星号", "＊", "星号",
	"~", "至", "～", "至",
	"&", "和", "＆", "和",
	"%", "", "％", "",
)

// Speakable prepares text for a Mandarin synthesizer: numbers as
// speech.Normalize reads them (12345 digit by digit), 30% as 百分之三十,
// and the symbols the voice would read in English as Chinese words.
// Latin words (APP) are left to the engine.
func Speakable(text string) string {
	text = strings.TrimSpace(text)
	if strings.ContainsFunc(text, isPercent) {
		text = percentRE.ReplaceAllString(text, "百分之$1")
	}
	text = speech.Normalize(text)
	if strings.ContainsFunc(text, isSymbol) {
		text = symbols.Replace(text)
	}
	return text
}

func isPercent(r rune) bool { return r == '%' || r == '％' }

func isSymbol(r rune) bool {
	switch r {
	case '/', '／', '+', '＋', '#', '＃', '*', '＊', '~', '～', '&', '＆', '%', '％':
		return true
	}
	return false
}

package media

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Tone indications as Asterisk's indications.conf defines them for the
// countries the hotline meets. Keys are zone, then tone name.
var indications = map[string]map[string]string{
	"cn": {
		"dial":        "450",
		"busy":        "450/350,0/350",
		"ring":        "450/1000,0/4000",
		"congestion":  "450/700,0/700",
		"callwaiting": "450/400,0/4000",
		"dialrecall":  "450",
		"record":      "950/400,0/10000",
		"info":        "450/100,0/100,450/100,0/100,450/100,0/100,450/400,0/400",
		"stutter":     "450+425",
	},
	// fr is here because Asterisk's own tests play tone:ring;tonezone=fr
	// (a 440 Hz ring) to exercise TONE_DETECT. "callwait", not
	// "callwaiting", is indications.conf's spelling for this zone.
	"fr": {
		"dial":       "440",
		"busy":       "440/500,0/500",
		"ring":       "440/1500,0/3500",
		"congestion": "440/250,0/250",
		"callwait":   "440/300,0/10000",
		"dialrecall": "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
		"record":     "1400/500,0/15000",
		"info":       "!950/330,!1400/330,!1800/330",
		"stutter":    "!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,440",
	},
	"us": {
		"dial":        "350+440",
		"busy":        "480+620/500,0/500",
		"ring":        "440+480/2000,0/4000",
		"congestion":  "480+620/250,0/250",
		"callwaiting": "440/300,0/10000",
		"dialrecall":  "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
		"record":      "1400/500,0/15000",
		"info":        "!950/330,!1400/330,!1800/330,0",
		"stutter":     "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
	},
}

// DefaultToneZone is the zone used when a tone: URI names none (Asterisk's
// indications.conf default is "us"; a Chinese deployment sets country=cn).
const DefaultToneZone = "us"

// ToneZones lists the zones known to Tone.
func ToneZones() []string { return []string{"cn", "fr", "us"} }

// LookupIndication returns the tone string of an indication (ring, busy,
// congestion, dial, info, ...) in a zone.
func LookupIndication(zone, name string) (string, bool) {
	z, ok := indications[zone]
	if !ok {
		return "", false
	}
	s, ok := z[name]
	return s, ok
}

// ToneAmplitude is the peak amplitude of each frequency of a generated tone
// (about -10 dBm0 for a single frequency).
const ToneAmplitude = 7000

// tonePart is one comma-separated item of a tone string.
type tonePart struct {
	f1, f2  float64 // Hz; 0 = none
	mod     bool    // f1*f2: f1 amplitude-modulated by f2
	samples int     // 0 = forever
	once    bool    // '!' prefix: not part of the repeat
}

// Tone is a Source generating an Asterisk tone string, e.g. "450/1000,0/4000"
// (450 Hz for 1 s, silence for 4 s, repeated): items are
// [!]freq[+freq2|*freq2][/ms], a '!' item is played once only, the repeat
// starts at the first item without '!', an item without duration lasts
// forever. 'M' prefixes (MIDI notes) are not supported.
type Tone struct {
	parts  []tonePart
	rate   int
	rep    int // index of the first repeated part, -1 = none
	i      int // current part
	pos    int // sample within the part
	phase  int64
	finite bool
	total  int
}

var _ Source = (*Tone)(nil)

// NewTone parses a tone string and returns a Source at rate.
func NewTone(spec string, rate int) (*Tone, error) {
	t := &Tone{rate: rate, rep: -1}
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("parse tone %q: empty: %w", spec, ErrBadTone)
	}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		p := tonePart{}
		if strings.HasPrefix(item, "!") {
			p.once = true
			item = item[1:]
		} else if t.rep < 0 {
			t.rep = len(t.parts)
		}
		freqs, dur, hasDur := strings.Cut(item, "/")
		if hasDur {
			ms, err := strconv.Atoi(dur)
			if err != nil || ms < 0 || ms > 3600000 {
				return nil, fmt.Errorf("parse tone %q: duration %q: %w", spec, dur, ErrBadTone)
			}
			p.samples = ms * rate / 1000
		}
		sep := "+"
		if strings.Contains(freqs, "*") {
			sep, p.mod = "*", true
		}
		a, b, two := strings.Cut(freqs, sep)
		var err error
		if p.f1, err = parseFreq(a); err != nil {
			return nil, fmt.Errorf("parse tone %q: %w", spec, err)
		}
		if two {
			if p.f2, err = parseFreq(b); err != nil {
				return nil, fmt.Errorf("parse tone %q: %w", spec, err)
			}
		}
		t.parts = append(t.parts, p)
	}
	// Finite when nothing repeats and every part ends.
	t.finite = t.rep < 0
	for _, p := range t.parts {
		if p.samples == 0 {
			t.finite = false
		}
		t.total += p.samples
	}
	return t, nil
}

func parseFreq(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 20000 || math.IsNaN(f) {
		return 0, fmt.Errorf("frequency %q: %w", s, ErrBadTone)
	}
	return f, nil
}

// ParseToneURI resolves the body of a tone: URI: an indication name with an
// optional ";tonezone=ZONE" (as ARI accepts), or a raw tone string.
func ParseToneURI(body, defaultZone string, rate int) (*Tone, error) {
	name, opts, _ := strings.Cut(body, ";")
	zone := defaultZone
	if zone == "" {
		zone = DefaultToneZone
	}
	for opt := range strings.SplitSeq(opts, ";") {
		if k, v, ok := strings.Cut(opt, "="); ok && strings.TrimSpace(k) == "tonezone" {
			zone = strings.TrimSpace(v)
		}
	}
	if spec, ok := LookupIndication(zone, name); ok {
		return NewTone(spec, rate)
	}
	if _, known := indications[zone]; !known && isIndicationName(name) {
		return nil, fmt.Errorf("parse tone %q: unknown tone zone %q: %w", body, zone, ErrBadTone)
	}
	return NewTone(name, rate)
}

func isIndicationName(s string) bool {
	_, ok := indications[DefaultToneZone][s]
	return ok
}

// Rate implements Source.
func (t *Tone) Rate() int { return t.rate }

// Duration implements Source.
func (t *Tone) Duration() (time.Duration, bool) {
	if !t.finite {
		return 0, false
	}
	return samplesToDur(t.total, t.rate), true
}

// ReadFrame implements Source.
func (t *Tone) ReadFrame(dst []int16) error {
	if t.i >= len(t.parts) {
		return io.EOF
	}
	for k := 0; k < len(dst); {
		if t.i >= len(t.parts) {
			clear(dst[k:])
			return nil
		}
		p := &t.parts[t.i]
		run := len(dst) - k
		if p.samples > 0 {
			run = min(run, p.samples-t.pos)
		}
		p.synth(dst[k:k+run], t.phase, t.rate)
		k += run
		t.phase += int64(run)
		t.pos += run
		if p.samples > 0 && t.pos >= p.samples {
			t.pos = 0
			t.i++
			if t.i >= len(t.parts) && t.rep >= 0 {
				t.i = t.rep
			}
		}
	}
	return nil
}

// synth writes the part's samples n0, n0+1, ... into dst. Plain sums of
// sines use the two-term recurrence sin(w(n+1)) = 2cos(w)sin(wn) -
// sin(w(n-1)), seeded exactly at every call, so a frame costs a few sin
// calls instead of one per sample.
func (p *tonePart) synth(dst []int16, n0 int64, rate int) {
	if p.f1 == 0 && p.f2 == 0 {
		clear(dst)
		return
	}
	if p.mod {
		for i := range dst {
			dst[i] = p.sample(n0+int64(i), rate)
		}
		return
	}
	var o1, o2 osc
	o1.start(p.f1, n0, rate)
	o2.start(p.f2, n0, rate)
	for i := range dst {
		dst[i] = int16((o1.next() + o2.next()) * ToneAmplitude)
	}
}

// osc is a sine oscillator by recurrence; a zero frequency stays silent.
type osc struct{ c, s1, s0 float64 }

func (o *osc) start(f float64, n0 int64, rate int) {
	if f == 0 {
		*o = osc{}
		return
	}
	w := 2 * math.Pi * f / float64(rate)
	// Reduce the phase to one cycle before taking sines, for precision.
	cyc := float64(rate) / f
	ph := math.Mod(float64(n0), cyc) * w
	o.c = 2 * math.Cos(w)
	o.s1 = math.Sin(ph - w) // sample n0-1
	o.s0 = math.Sin(ph)     // sample n0
}

// next returns the current sample and advances.
func (o *osc) next() float64 {
	v := o.s0
	o.s0, o.s1 = o.c*o.s0-o.s1, o.s0
	return v
}

func (p *tonePart) sample(n int64, rate int) int16 {
	if p.f1 == 0 && p.f2 == 0 {
		return 0
	}
	x := float64(n) / float64(rate)
	var v float64
	switch {
	case p.mod:
		v = math.Sin(2*math.Pi*p.f1*x) * (1 + 0.9*math.Sin(2*math.Pi*p.f2*x)) / 1.9
	default:
		v = math.Sin(2 * math.Pi * p.f1 * x)
		if p.f2 != 0 {
			v += math.Sin(2 * math.Pi * p.f2 * x)
		}
	}
	return int16(v * ToneAmplitude)
}

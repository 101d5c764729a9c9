package pbxsim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TONE_DETECT is res_tonedetect's dialplan function (Asterisk 22):
//
//	Set(TONE_DETECT(freq[,duration_ms[,options]])=)   start or reconfigure
//	Set(TONE_DETECT(0,,x)=)                            remove (x)
//	${TONE_DETECT(rx)} / ${TONE_DETECT(tx)}            hits so far per direction
//
// Each time the DSP reports the tone (once per tone lasting duration_ms) the
// direction's count goes up; once it reaches n (option n(), default 1) every
// hit publishes ChannelToneDetected and, with g()/h(), sends the channel to
// a dialplan location. Written through ARI POST /variable or dialplan Set;
// a write that the function rejects is a 400 "Failed to execute function",
// a read without a detector a 500, as ast_ari_channels_set/get_channel_var.

// ToneDetector is optionally implemented by MediaControls: TONE_DETECT's
// frequency detection on a channel's audio. Called under the server's lock:
// must return at once.
type ToneDetector interface {
	// ToneDetect starts or reconfigures (cfg non-nil) or stops (nil)
	// detection on the channel, also before it is up.
	ToneDetect(channelID string, cfg *ToneDetectConfig)
	// ToneHits returns, and forgets, the detections since the last call, in order.
	ToneHits(channelID string) []ToneHit
}

// ToneDetectConfig is what the DSP looks for (ast_dsp_set_freqmode).
type ToneDetectConfig struct {
	Freq     int           // Hz, > 0
	Duration time.Duration // minimum length of the tone
	DB       int           // how far above the rest of the signal
	// RX: in what the channel says (frames read from it); TX: in what it
	// hears (frames written to it).
	RX, TX bool
}

// ToneHit is one detection; TX tells the direction.
type ToneHit struct{ TX bool }

// res_tonedetect's defaults.
const (
	toneDurationDefault = 500 * time.Millisecond
	toneDBDefault       = 16
	tonePoll            = 20 * time.Millisecond
)

// errToneDetect is a TONE_DETECT write or read the function rejects.
var errToneDetect = errors.New("tone detect")

// toneArgs is a parsed TONE_DETECT write.
type toneArgs struct {
	remove         bool
	freq           int
	dur            time.Duration
	db, hits       int
	gotoRX, gotoTX string // g() and h() as written
	rx, tx         bool
}

// toneState is a channel's detector (res_tonedetect's datastore).
type toneState struct {
	args             toneArgs
	gotoRX, gotoTX   string // resolved "context,exten,priority"
	rxCount, txCount int
}

// parseToneDetect parses the argument of TONE_DETECT(...) for a write, as
// detect_write: the errors are the ones that make it return -1.
func parseToneDetect(data string) (toneArgs, error) {
	a := toneArgs{dur: toneDurationDefault, db: toneDBDefault, hits: 1}
	args := splitFuncArgs(data, 3)
	freqs, dur, opts := args[0], args[1], args[2]
	flags, optArgs := parseFuncOptions(opts, "dghn")
	if flags['x'] {
		a.remove = true
		return a, nil
	}
	f1, rest, _ := strings.Cut(freqs, "+")
	f2, f3, _ := strings.Cut(rest, "+")
	switch {
	case freqs == "":
		return a, fmt.Errorf("%w: no frequency specified", errToneDetect)
	case f3 != "":
		return a, fmt.Errorf("%w: only up to 2 frequencies may be specified: %s", errToneDetect, freqs)
	}
	n, err := strToInt(f1)
	switch {
	case err != nil:
		return a, fmt.Errorf("%w: frequency must be an integer: %s", errToneDetect, f1)
	case n < 0:
		return a, fmt.Errorf("%w: no negative frequencies: %d", errToneDetect, n)
	case f2 != "":
		return a, fmt.Errorf("%w: only 1 frequency is supported", errToneDetect)
	}
	a.freq = n
	if dur != "" {
		ms, err := strToInt(dur)
		if err != nil || ms < 1 {
			return a, fmt.Errorf("%w: invalid duration: %s", errToneDetect, dur)
		}
		a.dur = time.Duration(ms) * time.Millisecond
	}
	if v := optArgs['n']; flags['n'] && v != "" {
		if a.hits, err = strToInt(v); err != nil || a.hits < 1 {
			return a, fmt.Errorf("%w: invalid number hits required: %s", errToneDetect, v)
		}
	}
	if v := optArgs['d']; flags['d'] && v != "" {
		if a.db, err = strToInt(v); err != nil || a.db < 1 {
			return a, fmt.Errorf("%w: invalid decibel level: %s", errToneDetect, v)
		}
	}
	if flags['g'] {
		a.gotoRX = optArgs['g']
	}
	if flags['h'] {
		a.gotoTX = optArgs['h']
	}
	// detect_write's direction rules, quirks included: no options means
	// rx only; t alone tx only; r (also with t) rx only; other options both.
	a.rx, a.tx = true, true
	if opts == "" || flags['t'] {
		a.rx, a.tx = false, true
	}
	if opts == "" || flags['r'] {
		a.rx, a.tx = true, false
	}
	return a, nil
}

// strToInt is ast_str_to_int: leading blanks allowed, nothing after the number.
func strToInt(s string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), 10, 32)
	return int(n), err
}

// splitFuncArgs splits a function's arguments on commas outside parentheses,
// brackets and quotes (AST_STANDARD_APP_ARGS), into exactly n; the last takes
// the rest.
func splitFuncArgs(data string, n int) []string {
	out := make([]string, 0, n)
	depth, quote, start := 0, false, 0
	for i := 0; i < len(data) && len(out) < n-1; i++ {
		switch c := data[i]; {
		case c == '\\':
			i++
		case c == '"':
			quote = !quote
		case quote:
		case c == '(' || c == '[':
			depth++
		case (c == ')' || c == ']') && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, data[start:i])
			start = i + 1
		}
	}
	out = append(out, data[min(start, len(data)):])
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

// parseFuncOptions parses option letters, those in withArg taking "(arg)"
// (ast_app_parse_options; parentheses may nest).
func parseFuncOptions(opts, withArg string) (map[byte]bool, map[byte]string) {
	flags, args := map[byte]bool{}, map[byte]string{}
	for i := 0; i < len(opts); i++ {
		c := opts[i]
		flags[c] = true
		if !strings.ContainsRune(withArg, rune(c)) || i+1 >= len(opts) || opts[i+1] != '(' {
			continue
		}
		depth, j := 0, i+1
		for ; j < len(opts); j++ {
			if opts[j] == '(' {
				depth++
			} else if opts[j] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		args[c] = opts[i+2 : min(j, len(opts))]
		i = j
	}
	return flags, args
}

// resolveGoto is goto_parser: "[[context,]exten,]priority", missing parts
// from where the channel is now.
func resolveGoto(ch *channel, loc string) string {
	parts := strings.Split(loc, ",")
	ctx, exten, prio := "", "", ""
	switch len(parts) {
	case 1:
		prio = parts[0]
	case 2:
		exten, prio = parts[0], parts[1]
	default:
		ctx, exten, prio = parts[0], parts[1], parts[2]
	}
	if exten == "" {
		exten = ch.dp.Exten
	}
	if ctx == "" {
		ctx = ch.dp.Context
	}
	return ctx + "," + exten + "," + prio
}

// toneDetectFunc reports whether name is a TONE_DETECT(...) call and its argument.
func toneDetectFunc(name string) (string, bool) {
	const fn = "TONE_DETECT("
	if len(name) < len(fn)+1 || !strings.EqualFold(name[:len(fn)], fn) || name[len(name)-1] != ')' {
		return "", false
	}
	return name[len(fn) : len(name)-1], true
}

// toneDetectWrite applies TONE_DETECT(data)= to ch (s.mu held).
func (s *Server) toneDetectWrite(ch *channel, data string) error {
	a, err := parseToneDetect(data)
	if err != nil {
		return err
	}
	td, _ := s.controls().(ToneDetector)
	if a.remove {
		if ch.tone == nil {
			return fmt.Errorf("%w: cannot remove TONE_DETECT from %s: not currently enabled", errToneDetect, ch.name)
		}
		ch.tone = nil
		if td != nil {
			td.ToneDetect(ch.id, nil)
		}
		return nil
	}
	st := ch.tone
	if st == nil {
		st = &toneState{}
	}
	st.args = a
	st.gotoRX, st.gotoTX = "", ""
	if a.gotoRX != "" {
		st.gotoRX = resolveGoto(ch, a.gotoRX)
	}
	if a.gotoTX != "" {
		st.gotoTX = resolveGoto(ch, a.gotoTX)
	}
	first := ch.tone == nil
	ch.tone = st
	if td == nil {
		return nil // no audio: nothing is ever detected
	}
	if a.freq > 0 {
		td.ToneDetect(ch.id, &ToneDetectConfig{Freq: a.freq, Duration: a.dur, DB: a.db, RX: a.rx, TX: a.tx})
	} else {
		td.ToneDetect(ch.id, nil) // signal detection only (a, b, c, p): not emulated
	}
	if first {
		s.pollTone(ch, td, st)
	}
	return nil
}

// toneDetectRead answers ${TONE_DETECT(rx|tx)}: the direction's count; an
// error without a detector. detect_read looks for a 't' first, then an 'r'.
func (ch *channel) toneDetectRead(data string) (string, error) {
	st := ch.tone
	switch {
	case st == nil:
		return "", fmt.Errorf("%w: TONE_DETECT not enabled on %s", errToneDetect, ch.name)
	case strings.Contains(data, "t"):
		return strconv.Itoa(st.txCount), nil
	case strings.Contains(data, "r"):
		return strconv.Itoa(st.rxCount), nil
	}
	return "", nil
}

// pollTone publishes the media's detections every tonePoll while st is the
// channel's detector and the channel lives.
func (s *Server) pollTone(ch *channel, td ToneDetector, st *toneState) {
	s.after(tonePoll, func() {
		if ch.gone || ch.tone != st {
			return
		}
		for _, h := range td.ToneHits(ch.id) {
			if s.toneHit(ch, st, h.TX) {
				break // the channel went elsewhere
			}
		}
		s.pollTone(ch, td, st)
	})
}

// toneHit counts a detection, as detect_callback: from the n-th on, each one
// publishes ChannelToneDetected, then takes g() (a hit in what the channel
// says) or else h(). It reports whether the channel was sent elsewhere.
func (s *Server) toneHit(ch *channel, st *toneState, tx bool) bool {
	now := &st.rxCount
	if tx {
		now = &st.txCount
	}
	*now++
	if *now < st.args.hits {
		return false
	}
	ev := evChannel{s.base("ChannelToneDetected"), ch.model()}
	s.chanEvent(ch, &ev)
	loc := st.gotoTX
	if !tx && st.gotoRX != "" {
		loc = st.gotoRX
	}
	return loc != "" && s.asyncGoto(ch, loc)
}

// asyncGoto is ast_async_parseable_goto to "context,exten,priority": a
// channel in Stasis leaves the application and continues there, as after
// /continue; one running dialplan applications has the current one ended
// (or the next one not started) and goes on there.
func (s *Server) asyncGoto(ch *channel, loc string) bool {
	parts := strings.SplitN(loc, ",", 3)
	prio, err := strconv.Atoi(strings.TrimSpace(parts[2]))
	if err != nil || prio < 1 {
		return false
	}
	if ch.stasis == nil {
		if !ch.dialplan {
			return false
		}
		select {
		case ch.jumps() <- &GotoError{Context: parts[0], Exten: parts[1], Priority: prio}:
		default: // one is already pending
		}
		return true
	}
	dialplan := ch.dialplan
	s.leaveStasis(ch, stasisExit{ctx: parts[0], exten: parts[1], prio: prio})
	if !dialplan {
		s.runDialplan(ch, parts[0], parts[1], prio)
	}
	return true
}

// jumps is the channel's async goto queue (s.mu held), made on first use.
func (ch *channel) jumps() chan *GotoError {
	if ch.jump == nil {
		ch.jump = make(chan *GotoError, 1)
	}
	return ch.jump
}

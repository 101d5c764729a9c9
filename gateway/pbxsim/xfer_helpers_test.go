package pbxsim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
)

// xferLab is a server with an app socket and helpers to build calls and bridges.
type xferLab struct {
	t  *testing.T
	s  *pbxsim.Server
	ec *evClient
}

func newXferLab(t *testing.T, s *pbxsim.Server) *xferLab {
	return &xferLab{t: t, s: s, ec: dialEvents(t, s, "app=liandong", true)}
}

// call places a call from endpoint from into ctx/to and waits for its StasisStart.
func (l *xferLab) call(from, ctx, to, number string) string {
	l.t.Helper()
	id, err := l.s.Call(context.Background(), pbxsim.CallSpec{From: from, To: to, Context: ctx, CallerNumber: number})
	if err != nil {
		l.t.Fatal(err)
	}
	l.until(func(ev map[string]any) bool { return ev["type"] == "StasisStart" && chanID(ev) == id })
	return id
}

// answered calls and answers.
func (l *xferLab) answered(from, ctx, to, number string) string {
	l.t.Helper()
	id := l.call(from, ctx, to, number)
	l.ari(204, "POST", "/ari/channels/"+id+"/answer")
	return id
}

// bridge creates bridge id with the channels in it.
func (l *xferLab) bridge(id string, chans ...string) {
	l.t.Helper()
	l.ari(200, "POST", "/ari/bridges/"+id)
	l.ari(204, "POST", "/ari/bridges/"+id+"/addChannel?channel="+strings.Join(chans, ","))
	for _, c := range chans {
		l.until(func(ev map[string]any) bool { return ev["type"] == "ChannelEnteredBridge" && chanID(ev) == c })
	}
}

// ari does an ARI request and checks its status; it returns the body.
func (l *xferLab) ari(status int, method, path string) string {
	l.t.Helper()
	st, _, body := do(l.t, l.s, method, path, "", true)
	if st != status {
		l.t.Fatalf("%s %s = %d %s, want %d", method, path, st, body, status)
	}
	return body
}

// until collects events until pred holds for one (included) and returns them.
func (l *xferLab) until(pred func(map[string]any) bool) []map[string]any {
	l.t.Helper()
	var out []map[string]any
	for {
		ev := l.ec.next(3 * time.Second)
		out = append(out, ev)
		if pred(ev) {
			return out
		}
	}
}

func chanID(ev map[string]any) string {
	ch, _ := ev["channel"].(map[string]any)
	id, _ := ch["id"].(string)
	return id
}

func chanName(ev map[string]any) string {
	ch, _ := ev["channel"].(map[string]any)
	n, _ := ch["name"].(string)
	return n
}

// sub is a step expected in order: an event type and the channel it is about
// (an id, or a name prefix ending in "*"; "" = any).
type sub struct{ typ, ch string }

func (w sub) match(ev map[string]any) bool {
	if ev["type"] != w.typ {
		return false
	}
	switch {
	case w.ch == "":
		return true
	case strings.HasSuffix(w.ch, "*"):
		return strings.HasPrefix(chanName(ev), strings.TrimSuffix(w.ch, "*"))
	}
	return chanID(ev) == w.ch
}

// inOrder checks that want appears in evs as an ordered subsequence.
func inOrder(t *testing.T, evs []map[string]any, want ...sub) {
	t.Helper()
	i := 0
	for _, ev := range evs {
		if i < len(want) && want[i].match(ev) {
			i++
		}
	}
	if i < len(want) {
		var got []string
		for _, ev := range evs {
			got = append(got, fmt.Sprintf("%v(%s)", ev["type"], chanName(ev)))
		}
		t.Fatalf("missing %v (step %d) in order; got %s", want[i], i, strings.Join(got, " "))
	}
}

// find returns the first event of type typ.
func find(t *testing.T, evs []map[string]any, typ string) map[string]any {
	t.Helper()
	for _, ev := range evs {
		if ev["type"] == typ {
			return ev
		}
	}
	t.Fatalf("no %s event", typ)
	return nil
}

func count(evs []map[string]any, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev["type"] == typ {
			n++
		}
	}
	return n
}

// field walks a dotted path through nested JSON objects.
func fieldOf(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

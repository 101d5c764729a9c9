package ivr

import (
	"context"
	"testing"
)

// instantCall answers at once: every prompt ends immediately, keys come
// from a fixed script, the queue serves at once.
type instantCall struct {
	keys []byte
	i    int
}

func (c *instantCall) ID() string           { return "bench" }
func (c *instantCall) Line() string         { return "12345" }
func (c *instantCall) CallerNumber() string { return "13812345678" }
func (c *instantCall) next() byte {
	if c.i >= len(c.keys) {
		return 0
	}
	c.i++
	return c.keys[c.i-1]
}
func (c *instantCall) Play(_ context.Context, p Prompt) (byte, error) {
	if p.BargeIn {
		return c.next(), nil
	}
	return 0, nil
}
func (c *instantCall) ReadDigit(context.Context) (byte, error) {
	if d := c.next(); d != 0 {
		return d, nil
	}
	return 0, ErrHangup
}
func (c *instantCall) Enqueue(context.Context, QueueRequest) (QueueOutcome, error) {
	return QueueServed, nil
}
func (c *instantCall) Transfer(context.Context, TransferRequest) error { return nil }
func (c *instantCall) Hangup(context.Context, string) error            { return nil }

// BenchmarkRunAgentAndSurvey is one caller's whole IVR work: screen, main
// menu, 0, agent check, queue, survey, hangup (no telephony time).
func BenchmarkRunAgentAndSurvey(b *testing.B) {
	set, err := LoadFile("../configs/ivr.yaml")
	if err != nil {
		b.Fatal(err)
	}
	flow, _ := set.ForLine("12345")
	eng := NewEngine(Deps{Agents: fakeAgents{"12345": 1}, Harassment: fakeHarass{}, Reporter: &discardReporter{}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c := &instantCall{keys: []byte{'0', '5', '1'}} // 0 in the menu, 5 ignored by to_agent, 1 in the survey
		if res := eng.Run(ctx, flow, c); res.End != EndHangup {
			b.Fatalf("end %+v", res)
		}
	}
}

type discardReporter struct{ n int }

func (r *discardReporter) Report(context.Context, Step) { r.n++ }

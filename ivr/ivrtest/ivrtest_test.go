package ivrtest

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"liandong/ivr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMemCallConformance(t *testing.T) {
	Conformance(t, func(t *testing.T) (ivr.Call, Remote, ivr.Prompt) {
		c := NewMemCall("c1", "12345", "13812345678", 600*time.Millisecond)
		return c, c, ivr.Prompt{Sounds: []string{"sound:a", "sound:b"}}
	})
}

// The default flow runs end to end on a MemCall in real time.
func TestMemCallRunsDefaultFlow(t *testing.T) {
	set, err := ivr.LoadFile("../../configs/ivr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	flow, _ := set.ForLine("12345")
	c := NewMemCall("c1", "12345", "13812345678", time.Millisecond)
	c.Press("9")
	res := ivr.NewEngine(ivr.Deps{}).Run(t.Context(), flow, c)
	tr := c.Transfers()
	if res.End != ivr.EndTransferred || len(tr) != 1 || tr[0].Target != "110" || tr[0].Context["caller"] != "13812345678" {
		t.Fatalf("result %+v, transfers %+v", res, tr)
	}
}

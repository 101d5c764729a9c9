package knowledge

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestQDump(t *testing.T) {
	if os.Getenv("KB_Q") == "" {
		t.Skip()
	}
	ix := sampleIndex(t)
	for _, q := range strings.Split(os.Getenv("KB_Q"), "|") {
		qq := ix.prepare(q)
		top := ix.rank(&qq, 3)
		sg := ix.signals(&qq, top)
		fmt.Printf("%s\n  %+v conf %.2f\n", q, sg, ix.calib.confidence(sg))
		for _, f := range qq.feats {
			fmt.Printf(" %s(%.2f,%d)", f.f.key, f.w, f.id)
		}
		fmt.Println()
		for _, c := range top {
			fmt.Printf("  %s %.3f %v\n", ix.entries[c.e].ID, c.score/qq.total, ix.why(&qq, c.e))
		}
	}
}

package calllog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestOneNodeCluster runs the Log against Redis in cluster mode (one node
// owning every slot). Cluster mode refuses a script whose keys span slots
// (CROSSSLOT) even on one node, so this proves the hash-tag layout.
func TestOneNodeCluster(t *testing.T) {
	s := redistestStart(t, "--cluster-enabled", "yes")
	ctx := context.Background()
	admin := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer admin.Close()
	if err := admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("add slots: %v", err)
	}
	waitFor(t, "cluster state ok", func() bool {
		info, err := admin.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	})
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{s.Addr}, DialTimeout: 300 * time.Millisecond, MaxRedirects: 2})
	defer rdb.Close()
	opt, _ := testOptions(t, t.TempDir())
	l := openLog(t, rdb, opt)
	want := map[string]uint64{}
	for i := range 20 {
		hot := []string{"12345", "110"}[i%2]
		c := l.Call(hot, fmt.Sprintf("k-%d", i))
		for _, e := range callScript(i) {
			if err := c.Emit(e.t, e.p); err != nil {
				t.Fatal(err)
			}
		}
		if hot == "12345" {
			want[c.ID()] = c.Seq()
		}
	}
	if err := l.PutWorkOrder("12345", 1, sampleOrder()); err != nil {
		t.Fatal(err)
	}
	flush(t, l)
	if st := l.Stats(); st.Rejected != 0 {
		t.Fatalf("rejected in cluster mode: %+v", st)
	}
	checkExactlyOnceInOrder(t, readStream(t, rdb, StreamKey(DefaultPrefix, "12345")), want)
	rec, err := ReadRecord(ctx, rdb, DefaultPrefix, "12345", "k-4")
	if err != nil {
		t.Fatal(err)
	}
	checkRecord(t, rec, 4, len(callScript(4)))
	if _, rev, err := ReadWorkOrder(ctx, rdb, DefaultPrefix, "12345", sampleOrder().OrderNo); err != nil || rev != 1 {
		t.Errorf("work order in cluster: rev %d, %v", rev, err)
	}
	// The caller index and the feedback script stay in the hotline's slot.
	if v, err := LatestOrder(ctx, rdb, DefaultPrefix, []string{"12345"}, "13812345678"); err != nil || v.Order.OrderNo != sampleOrder().OrderNo {
		t.Errorf("latest order in cluster: %+v, %v", v, err)
	}
	fb := Feedback{ID: "f1", Order: sampleOrder().OrderNo, Status: "done", TimeMS: 1764400000000, Operator: "u7"}
	if n, err := ApplyFeedback(ctx, rdb, DefaultPrefix, "12345", fb); err != nil || n != FeedbackApplied {
		t.Errorf("feedback in cluster: %d, %v", n, err)
	}
}

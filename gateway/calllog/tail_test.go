package calllog

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// tailWorld writes entries with fixed ids, as the gateway and the ticketing
// side would, so the output is stable.
func tailWorld(t *testing.T) *redis.Client {
	t.Helper()
	s := redistestStart(t)
	rdb := newClient(t, s.Addr)
	ctx := context.Background()
	add := func(key, id string, vals ...any) {
		t.Helper()
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: id, Values: vals}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	ev := StreamKey(DefaultPrefix, "12345")
	add(ev, "1764300000000-0", "id", "01A", "hotline", "12345", "call", "c-42", "seq", "1", "ts", "1764300000000", "type", "call.started",
		"data", `{"caller":"13812345678","channel":"pstn","line":"12345"}`)
	add(ev, "1764300001000-0", "id", "01B", "hotline", "12345", "call", "c-42", "seq", "2", "ts", "1764300001000", "type", "ivr.choice",
		"data", `{"choice":"2","label":"回拨 13812345678 查询","menu":"main"}`)
	add(ev, "1764300009000-0", "id", "01C", "hotline", "12345", "call", "c-42", "seq", "3", "ts", "1764300009000", "type", "agent.answered",
		"data", `{"agent":"a18","queue":"general"}`)
	wo, _ := json.Marshal(sampleOrder())
	add(WorkOrderStreamKey(DefaultPrefix, "12345"), "1764300005000-0", "id", "01D", "hotline", "12345", "order", "GD20261128000123",
		"seq", "1", "ts", "1764300005000", "type", "workorder.created", "data", string(wo))
	add(FeedbackStreamKey(DefaultPrefix, "12345"), "1764300007000-0", "order", "GD20261128000123", "status", "in_progress",
		"ts", "1764300007000", "operator", "u7", "text", "已联系来电人 13812345678，现场核实中")
	return rdb
}

func TestTailGolden(t *testing.T) {
	rdb := tailWorld(t)
	loc := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		name string
		opt  TailOptions
	}{
		{"tail-masked", TailOptions{Hotlines: []string{"12345"}, Kinds: []string{"events", "workorders", "feedback"}, Location: loc}},
		{"tail-full", TailOptions{Hotlines: []string{"12345"}, Kinds: []string{"events", "workorders", "feedback"}, Location: loc, FullNumbers: true}},
		{"tail-from", TailOptions{Hotlines: []string{"12345"}, From: "1764300000000-0", Last: 1, Location: loc}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := RunTail(context.Background(), &b, rdb, c.opt); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".golden", b.String())
			if !c.opt.FullNumbers && strings.Contains(b.String(), "12345678") {
				t.Errorf("a full number leaked:\n%s", b.String())
			}
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (UPDATE_GOLDEN=1 to create): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestTailFollowEndsOnContext(t *testing.T) {
	rdb := tailWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &logBuf{}
	done := make(chan error, 1)
	go func() {
		done <- RunTail(ctx, out, rdb, TailOptions{Hotlines: []string{"12345"}, Kinds: []string{"events", "dead"}, Last: -1, Follow: true, Block: 50 * time.Millisecond})
	}()
	time.Sleep(100 * time.Millisecond) // let it reach XREAD
	if err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: FeedbackDeadKey(DefaultPrefix, "12345"),
		Values: []any{"entry", "1-0", "reason", "calllog: unknown work order", "at", "1764300010000", "fields", "{}"}}).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "followed entry", func() bool { return strings.Contains(out.String(), "12345/dead") })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("tail did not end with its context")
	}
	if strings.Contains(out.String(), "call.started") {
		t.Errorf("Last -1 printed the backlog:\n%s", out.String())
	}
}

func TestTailBadOptions(t *testing.T) {
	rdb := tailWorld(t)
	for _, opt := range []TailOptions{
		{},
		{Hotlines: []string{"12345"}, Kinds: []string{"calls"}},
		{Hotlines: []string{"12345"}, From: "yesterday"},
	} {
		if err := RunTail(context.Background(), &strings.Builder{}, rdb, opt); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: err %v, want ErrInvalidOptions", opt, err)
		}
	}
}

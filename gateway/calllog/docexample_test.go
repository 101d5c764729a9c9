package calllog

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// doc:begin
// worker is one ticketing-side worker of a consumer group: it claims what
// crashed workers left pending, reads new entries, and acknowledges each
// entry once handle has stored it (handle must be idempotent: de-duplicate
// on the event id).
func worker(ctx context.Context, rdb redis.UniversalClient, stream, group, name string, minIdle time.Duration,
	handle func(id, call, seq, typ string, data map[string]string) error) error {
	err := rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err()
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		return err
	}
	process := func(msgs []redis.XMessage) {
		for _, msg := range msgs {
			str := func(k string) string { s, _ := msg.Values[k].(string); return s }
			var data map[string]string
			if err := json.Unmarshal([]byte(str("data")), &data); err != nil {
				log.Printf("entry %s: bad data: %v", msg.ID, err)
			}
			if err := handle(str("id"), str("call"), str("seq"), str("type"), data); err != nil {
				continue // not acknowledged: the next XAUTOCLAIM pass retries it
			}
			rdb.XAck(ctx, stream, group, msg.ID)
		}
	}
	var lastClaim time.Time
	for ctx.Err() == nil {
		if time.Since(lastClaim) >= minIdle/2 {
			// Entries delivered (to any worker) and not acknowledged for minIdle.
			for start := "0-0"; ; {
				msgs, next, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: stream, Group: group,
					Consumer: name, MinIdle: minIdle, Start: start, Count: 100}).Result()
				if err != nil {
					break
				}
				process(msgs)
				if start = next; start == "0-0" {
					break
				}
			}
			lastClaim = time.Now()
		}
		res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: name,
			Streams: []string{stream, ">"}, Count: 100, Block: min(5*time.Second, minIdle/2)}).Result()
		if errors.Is(err, redis.Nil) {
			continue // nothing new
		}
		if err != nil {
			if ctx.Err() == nil {
				time.Sleep(time.Second) // Redis unreachable: retry
			}
			continue
		}
		process(res[0].Messages)
	}
	return ctx.Err()
}

// doc:end

// The worked example of docs/redis-schema.md is this code, and it works: a
// worker that dies before acknowledging loses nothing, another one claims
// its entries.
func TestDocsConsumerExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/redis-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("docexample_test.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	code := s[strings.Index(s, "// doc:begin\n")+len("// doc:begin\n") : strings.Index(s, "\n// doc:end")]
	if !strings.Contains(string(doc), "```go\n"+code+"```") {
		t.Error("docs/redis-schema.md's go-redis worker differs from worker() in docexample_test.go")
	}

	s2 := redistestStart(t)
	rdb := newClient(t, s2.Addr)
	opt, _ := testOptions(t, t.TempDir())
	l := openLog(t, rdb, opt)
	c := l.Call("12345", "c-1")
	for _, e := range callScript(1) {
		if err := c.Emit(e.t, e.p); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, l)
	stream := StreamKey(DefaultPrefix, "12345")
	log.SetOutput(t.Output())

	// worker-1 takes everything and dies before acknowledging anything.
	ctx1, kill := context.WithCancel(context.Background())
	var mu sync.Mutex
	seen := map[string]int{}
	done1 := make(chan error, 1)
	go func() {
		done1 <- worker(ctx1, rdb, stream, "ticketing", "worker-1", time.Hour, func(id, call, seq, typ string, data map[string]string) error {
			kill()
			return errors.New("crashed")
		})
	}()
	<-done1
	// worker-2 claims after minIdle and handles each entry once.
	ctx2, stop := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	go func() {
		done2 <- worker(ctx2, rdb, stream, "ticketing", "worker-2", 100*time.Millisecond, func(id, call, seq, typ string, data map[string]string) error {
			mu.Lock()
			defer mu.Unlock()
			seen[id]++
			if typ == string(CallStarted) && data["caller"] == "" {
				t.Errorf("call.started without caller: %v", data)
			}
			return nil
		})
	}()
	want := len(callScript(1))
	waitFor(t, "all entries handled by worker-2", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == want
	})
	waitFor(t, "nothing pending", func() bool {
		p, err := rdb.XPending(context.Background(), stream, "ticketing").Result()
		return err == nil && p.Count == 0
	})
	stop()
	<-done2
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s handled %d times", id, n)
		}
	}
}

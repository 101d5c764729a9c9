package ari

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

func allTranscriptEvents(b *testing.B) [][]byte {
	var all [][]byte
	for _, name := range transcriptFiles(b) {
		all = append(all, transcriptEvents(b, name)...)
	}
	return all
}

// BenchmarkDecode: type and routing ids first, then ari/v5 for known types,
// over every recorded event.
func BenchmarkDecode(b *testing.B) {
	all := allTranscriptEvents(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(all[i%len(all)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeRoute: what a node's dispatcher (shared by all its calls)
// does per message, with 1,000 live owners: type and routing ids, route,
// queue. The ari/v5 decode is paid later on each owner's goroutine
// (BenchmarkDecode is the full cost); the sweeper here only drains.
func BenchmarkDecodeRoute(b *testing.B) {
	n := newNode(NodeConfig{Name: "b", URL: "http://x/ari", Username: "u", App: "liandong"}, Options{}.withDefaults(), newMailbox())
	const owners = 1000
	subs := make([]*Subscription, owners)
	msgs := make([][]byte, owners)
	for i := range subs {
		subs[i] = n.Subscribe()
		id := "ch-" + strconv.Itoa(i)
		subs[i].WatchChannel(id)
		msgs[i] = []byte(varset(id, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { // a consumer per queue would be the gateway; one sweeping goroutine is enough here
		defer close(done)
		for ctx.Err() == nil {
			for _, s := range subs {
				for {
					if _, ok := s.pop(); !ok {
						break
					}
				}
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := n.handle(&Event{Raw: msgs[i%owners], Received: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	cancel()
	<-done
	for _, s := range subs {
		s.Close()
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p)]
}

// BenchmarkEventLatency: from the fake Asterisk writing an event on a real
// WebSocket to the owner's Next returning it.
func BenchmarkEventLatency(b *testing.B) {
	f := newFakeARI(b)
	c := openClient(b, f, testOptions())
	nextOf(b, c.Events(), TypeResync)
	f.waitConn(b)
	sub := c.Nodes()[0].Subscribe()
	defer sub.Close()
	sub.WatchChannel("lat")
	msg := []byte(varset("lat", 1))
	lat := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := f.send(msg); err != nil {
			b.Fatal(err)
		}
		for {
			ev, err := sub.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if ev.Type == "ChannelVarset" {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds()), "p50_µs")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99_µs")
}

// BenchmarkBurstWriteLatency: how long the fake Asterisk waits to write each
// event of a continuous burst while the owner consumes nothing. Asterisk
// drops the socket past 100 ms.
func BenchmarkBurstWriteLatency(b *testing.B) {
	f := newFakeARI(b)
	f.writeTimeout = 5 * time.Second
	c := openClient(b, f, testOptions())
	nextOf(b, c.Events(), TypeResync)
	f.waitConn(b)
	sub := c.Nodes()[0].Subscribe()
	defer sub.Close()
	sub.WatchChannel("burst")
	msg := []byte(varset("burst", 1))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := f.send(msg); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99_write_µs")
	b.ReportMetric(float64(percentile(lat, 1).Microseconds()), "max_write_µs")
}

// BenchmarkRESTRoundTrip: one answer on loopback, through the request helper
// (context, deadline, auth, status handling).
func BenchmarkRESTRoundTrip(b *testing.B) {
	f := newFakeARI(b)
	f.handle("POST", "/ari/channels/c1/answer", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	n := newNode(f.cfg(), testOptions().withDefaults(), newMailbox())
	defer n.http.CloseIdleConnections()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := n.Answer(ctx, "c1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRESTRoundTripParallel: many calls answering at once.
func BenchmarkRESTRoundTripParallel(b *testing.B) {
	f := newFakeARI(b)
	f.handle("POST", "/ari/channels/c1/answer", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	n := newNode(f.cfg(), testOptions().withDefaults(), newMailbox())
	defer n.http.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := n.Answer(ctx, "c1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSubscription: the memory a call's queue costs (open, watch a
// channel and a playback, queue and take 8 events, close), events excluded:
// a decoded event is ~2.8 KB while it waits (BenchmarkDecode).
func BenchmarkSubscription(b *testing.B) {
	n := newNode(NodeConfig{Name: "b", URL: "http://x/ari", Username: "u", App: "liandong"}, Options{}.withDefaults(), newMailbox())
	evs := make([]*Event, 8)
	for k := range evs {
		evs[k] = &Event{Type: "ChannelVarset", ChannelID: "c"}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s := n.Subscribe()
		s.WatchChannel("c")
		s.WatchPlayback("p")
		for _, ev := range evs {
			n.route(ev)
		}
		for range evs {
			s.TryNext()
		}
		s.Close()
	}
}

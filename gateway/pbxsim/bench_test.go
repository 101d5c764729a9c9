package pbxsim_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// BenchmarkBridgedPair sets up b.N two-party calls (two inbound channels in Stasis,
// answered, in one mixing bridge) and keeps them all up: the emulator's per-call cost
// with media off. channels/op-held reports how many channels were held at the end.
func BenchmarkBridgedPair(b *testing.B) {
	s := pbxsimtest.Start(b, pbxsim.Options{WriteTimeout: time.Second})
	ec := dialEventsB(b, s)
	h := s.Handler()
	rest := func(method, path string) int {
		req := httptest.NewRequest(method, path, nil)
		req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var ids [2]string
		for k := range ids {
			id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
			if err != nil {
				b.Fatal(err)
			}
			ids[k] = id
		}
		for range 2 {
			<-ec
		}
		for _, id := range ids {
			if c := rest("POST", "/ari/channels/"+id+"/answer"); c != 204 {
				b.Fatalf("answer = %d", c)
			}
		}
		br := "br-" + ids[0]
		if c := rest("POST", "/ari/bridges?type=mixing&bridgeId="+br); c != 200 {
			b.Fatalf("bridge = %d", c)
		}
		if c := rest("POST", "/ari/bridges/"+br+"/addChannel?channel="+ids[0]+","+ids[1]); c != 204 {
			b.Fatalf("addChannel = %d", c)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(2*b.N), "channels-held")
	b.ReportMetric(float64(int64(ms.HeapAlloc)-int64(before))/float64(2*b.N), "heap-B/channel")
}

// dialEventsB drains an event socket and signals each StasisStart.
func dialEventsB(b *testing.B, s *pbxsim.Server) <-chan struct{} {
	b.Helper()
	c, err := dialRaw(s)
	if err != nil {
		b.Fatal(err)
	}
	out := make(chan struct{}, 1<<16)
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var ev struct{ Type string }
			if json.Unmarshal(data, &ev) == nil && ev.Type == "StasisStart" {
				out <- struct{}{}
			}
		}
	}()
	b.Cleanup(func() { _ = c.CloseNow() })
	return out
}

package pbxsim_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// TestConcurrentCalls drives many calls at once through answer, play, bridge, originate
// and hangup from parallel goroutines; with -race it checks the locking.
func TestConcurrentCalls(t *testing.T) {
	s := pbxsimtest.Start(t, pbxsim.Options{Endpoints: append(pbxsim.LabEndpoints(), pbxsim.Endpoint{
		Tech: "PJSIP", Resource: "fast", Context: "from-agents", Behaviour: pbxsim.Behaviour{Mode: pbxsim.ModeAnswer},
	})})
	ec := dialEvents(t, s, "app=liandong", true)
	const n = 20
	started := make(map[string]bool)
	var mu sync.Mutex
	go func() {
		for ev := range ec.evs {
			if ev["type"] == "StasisStart" {
				mu.Lock()
				started[ev["channel"].(map[string]any)["id"].(string)] = true
				mu.Unlock()
			}
		}
	}()
	waitStarted := func(id string) {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			ok := started[id]
			mu.Unlock()
			if ok {
				return
			}
		}
		t.Errorf("no StasisStart for %s", id)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: fmt.Sprintf("1380000%04d", i)})
			if err != nil {
				t.Error(err)
				return
			}
			waitStarted(id)
			br := fmt.Sprintf("b%d", i)
			for _, step := range []struct{ method, path string }{
				{"POST", "/ari/channels/" + id + "/answer"},
				{"POST", "/ari/bridges?bridgeId=" + br},
				{"POST", "/ari/bridges/" + br + "/addChannel?channel=" + id},
				{"POST", "/ari/channels/" + id + "/play?media=sound:hello-world"},
				{"POST", "/ari/channels?endpoint=PJSIP/fast&app=liandong&channelId=a" + id},
			} {
				if st, _, body := do(t, s, step.method, step.path, "", true); st >= 300 {
					t.Errorf("%s %s = %d %s", step.method, step.path, st, body)
				}
			}
			waitStarted("a" + id)
			if st, _, body := do(t, s, "POST", "/ari/bridges/"+br+"/addChannel?channel=a"+id, "", true); st != 204 {
				t.Errorf("add agent = %d %s", st, body)
			}
			_ = s.SendDTMF(id, "1", 0)
			if i%2 == 0 {
				_ = s.HangupRemote(id)
			} else {
				do(t, s, "DELETE", "/ari/channels/"+id, "", true)
			}
			do(t, s, "DELETE", "/ari/bridges/"+br, "", true)
			do(t, s, "DELETE", "/ari/channels/a"+id, "", true)
		}()
	}
	wg.Wait()
	if ids := s.ChannelIDs(); len(ids) != 0 {
		t.Errorf("channels left: %v", ids)
	}
}

func FuzzWAVDuration(f *testing.F) {
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"))
	f.Add([]byte("RIFF"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := t.TempDir() + "/f.wav"
		if err := writeFile(p, data); err != nil {
			t.Skip()
		}
		d, err := pbxsim.WAVDuration(p)
		if err == nil && d < 0 {
			t.Fatalf("negative duration %v", d)
		}
	})
}

func writeFile(p string, data []byte) error {
	return osWriteFile(p, bytes.Clone(data))
}

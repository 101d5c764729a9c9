package simmedia_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/rtp"
	"go.uber.org/goleak"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
	"liandong/gateway/pbxsim/pbxsimtest"
	"liandong/gateway/pbxsim/simmedia"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type rig struct {
	t *testing.T
	s *pbxsim.Server
	m *simmedia.Media

	evMu   sync.Mutex
	events []map[string]any // what the app received, in order
}

// waitEvent waits up to d for the n-th (from 1) event of typ whose channel or
// recording or playback matches id ("" any), and returns it, or nil.
func (r *rig) waitEvent(typ, id string, n int, d time.Duration) map[string]any {
	r.t.Helper()
	for end := time.Now().Add(d); ; {
		r.evMu.Lock()
		k := 0
		for _, ev := range r.events {
			if ev["type"] != typ {
				continue
			}
			ch, _ := ev["channel"].(map[string]any)
			rec, _ := ev["recording"].(map[string]any)
			pb, _ := ev["playback"].(map[string]any)
			if id == "" || (ch != nil && ch["id"] == id) || (rec != nil && rec["name"] == id) || (pb != nil && pb["id"] == id) {
				if k++; k == n {
					r.evMu.Unlock()
					return ev
				}
			}
		}
		r.evMu.Unlock()
		if time.Now().After(end) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// start runs the emulator with real media and an ARI app connected.
func start(t *testing.T) *rig {
	t.Helper()
	return startWith(t, pbxsim.Options{})
}

// startWith is start with opts (e.g. a Dialplan) for pbxsimtest.Start.
func startWith(t *testing.T, opts pbxsim.Options) *rig {
	t.Helper()
	m := simmedia.Enable(&opts, simmedia.Config{HeardLimit: 2 * time.Second})
	s := pbxsimtest.Start(t, opts)
	ctx, cancel := context.WithCancel(context.Background())
	h := http.Header{}
	h.Set("Authorization", "Basic bGlhbmRvbmc6bGlhbmRvbmc=") // liandong:liandong
	c, _, err := websocket.Dial(ctx, "ws://"+s.Addr()+"/ari/events?app="+pbxsimtest.App, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	r := &rig{t: t, s: s, m: m}
	go func() {
		defer close(done)
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var ev map[string]any
			if json.Unmarshal(data, &ev) == nil {
				r.evMu.Lock()
				r.events = append(r.events, ev)
				r.evMu.Unlock()
			}
		}
	}()
	// Registered before pbxsimtest's Close runs (cleanups run last-in first-out).
	t.Cleanup(func() { cancel(); _ = c.CloseNow(); <-done })
	return r
}

func (r *rig) do(method, path string) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.s.URL()+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (r *rig) must(method, path string) string {
	r.t.Helper()
	st, body := r.do(method, path)
	if st >= 300 {
		r.t.Fatalf("%s %s = %d %s", method, path, st, body)
	}
	return body
}

// caller places a call to 12345 and answers it in the app.
func (r *rig) caller() string {
	r.t.Helper()
	id, err := r.s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		r.t.Fatal(err)
	}
	for range 100 { // the dialplan reaches Stasis asynchronously
		if st, _ := r.do("POST", "/ari/channels/"+id+"/answer"); st < 300 {
			return id
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.t.Fatalf("channel %s never reached Stasis", id)
	return ""
}

// heard is the last d of what id heard.
func (r *rig) heard(id string, d time.Duration) ([]int16, int) {
	r.t.Helper()
	pcm, rate, err := r.s.Heard(id)
	if err != nil {
		r.t.Fatal(err)
	}
	n := int(int64(rate) * int64(d) / int64(time.Second))
	if len(pcm) < n {
		r.t.Fatalf("heard %d samples, want at least %d", len(pcm), n)
	}
	return pcm[len(pcm)-n:], rate
}

// level is the power of freq in samples relative to their energy (0..1).
func level(pcm []int16, rate int, freq float64) float64 {
	e := media.Energy(pcm)
	if e == 0 {
		return 0
	}
	return media.Goertzel(pcm, rate, freq) / (2 * e)
}

const settle = 400 * time.Millisecond

func TestToneToChannelIsHeard(t *testing.T) {
	r := start(t)
	a := r.caller()
	time.Sleep(settle)
	if pcm, _ := r.heard(a, 200*time.Millisecond); media.Energy(pcm) != 0 {
		t.Errorf("a channel with nothing playing heard energy %v, want silence", media.Energy(pcm))
	}
	r.must("POST", "/ari/channels/"+a+"/play?media=tone:1000")
	time.Sleep(settle)
	pcm, rate := r.heard(a, 200*time.Millisecond)
	if f, purity := media.DominantFrequency(pcm, rate, 300, 3400, 10); math.Abs(f-1000) > 10 || purity < 0.8 {
		t.Errorf("heard %v Hz (purity %.2f), want 1000 Hz", f, purity)
	}
	// The control API gives the same audio as a WAV file.
	st, body := r.do("GET", "/sim/channels/"+a+"/heard")
	if st != 200 || !strings.HasPrefix(body, "RIFF") {
		t.Fatalf("GET heard = %d %.20q", st, body)
	}
	wav, err := media.ParseWAV([]byte(body))
	if err != nil || wav.Rate != 8000 || len(wav.Samples) < 4000 {
		t.Fatalf("heard wav: %v rate %d samples %d", err, wav.Rate, len(wav.Samples))
	}
}

func TestMixingBridge(t *testing.T) {
	tests := []struct {
		name   string
		tones  []string    // what each member says ("" nothing)
		hears  [][]float64 // frequencies each member must hear
		silent [][]float64 // frequencies it must not hear (its own)
	}{
		{"two forward", []string{"tone:697", ""},
			[][]float64{nil, {697}}, [][]float64{{697}, nil}},
		{"three mix-minus", []string{"tone:697", "tone:1209", ""},
			[][]float64{{1209}, {697}, {697, 1209}}, [][]float64{{697}, {1209}, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t)
			r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
			ids := make([]string, len(tc.tones))
			for i := range ids {
				ids[i] = r.caller()
				r.must("POST", "/ari/bridges/b1/addChannel?channel="+ids[i])
			}
			for i, u := range tc.tones {
				if u != "" {
					if err := r.s.Speak(ids[i], u); err != nil {
						t.Fatal(err)
					}
				}
			}
			time.Sleep(settle)
			for i, id := range ids {
				pcm, rate := r.heard(id, 200*time.Millisecond)
				for _, f := range tc.hears[i] {
					if l := level(pcm, rate, f); l < 0.2 {
						t.Errorf("member %d: %v Hz at level %.3f, want heard", i, f, l)
					}
				}
				for _, f := range tc.silent[i] {
					if l := level(pcm, rate, f); l > 0.01 {
						t.Errorf("member %d hears itself: %v Hz at level %.3f", i, f, l)
					}
				}
			}
		})
	}
}

func TestHoldingBridgeMOH(t *testing.T) {
	r := start(t)
	r.must("POST", "/ari/bridges?type=holding&bridgeId=h1")
	a := r.caller()
	r.must("POST", "/ari/bridges/h1/addChannel?channel="+a)
	time.Sleep(settle + 300*time.Millisecond)
	pcm, rate := r.heard(a, 600*time.Millisecond)
	if media.Energy(pcm) == 0 {
		t.Fatal("holding bridge participant heard silence, want music on hold")
	}
	if f, _ := media.DominantFrequency(pcm, rate, 300, 1000, 10); f < 430 || f > 890 {
		t.Errorf("MOH dominant frequency %v, want one of the generated tune's", f)
	}
	// Leaving the bridge: silence again.
	r.must("POST", "/ari/bridges/h1/removeChannel?channel="+a)
	time.Sleep(settle)
	if pcm, _ := r.heard(a, 200*time.Millisecond); media.Energy(pcm) != 0 {
		t.Error("out of the bridge, the channel still hears music")
	}
}

func TestExternalMediaRTPRoundTrip(t *testing.T) {
	r := start(t)
	far, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	body := r.must("POST", "/ari/channels/externalMedia?app=liandong&format=ulaw&channelId=em1&external_host="+far.LocalAddr().String())
	var em struct {
		Channelvars map[string]string `json:"channelvars"`
	}
	if err := json.Unmarshal([]byte(body), &em); err != nil {
		t.Fatal(err)
	}
	local, err := net.ResolveUDPAddr("udp", em.Channelvars["UNICASTRTP_LOCAL_ADDRESS"]+":"+em.Channelvars["UNICASTRTP_LOCAL_PORT"])
	if err != nil {
		t.Fatal(err)
	}
	a := r.caller()
	r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+a+",em1")
	if err := r.s.Speak(a, "tone:1000"); err != nil {
		t.Fatal(err)
	}
	// The far end sends a 697 Hz tone as ulaw RTP, 20 ms a packet, and collects what comes.
	tone, _ := media.NewTone("697", 8000)
	frame := make([]int16, 160)
	hdr := rtp.Header{Version: 2, PayloadType: 0, SSRC: 7}
	var got []int16
	buf := make([]byte, 1500)
	deadline := time.Now().Add(800 * time.Millisecond)
	for time.Now().Before(deadline) {
		_ = tone.ReadFrame(frame)
		pkt := rtp.Packet{Header: hdr, Payload: media.Ulaw.Encode(nil, frame)}
		b, _ := pkt.Marshal()
		if _, err := far.WriteTo(b, local); err != nil {
			t.Fatal(err)
		}
		hdr.SequenceNumber++
		hdr.Timestamp += 160
		_ = far.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		for {
			n, _, err := far.ReadFrom(buf)
			if err != nil {
				break
			}
			var in rtp.Packet
			if in.Unmarshal(buf[:n]) == nil && in.PayloadType == 0 {
				got = media.Ulaw.Decode(got, in.Payload)
			}
		}
	}
	if len(got) < 1600 {
		t.Fatalf("far end received %d samples of RTP, want at least 200 ms", len(got))
	}
	if f, p := media.DominantFrequency(got[len(got)-1600:], 8000, 300, 3400, 10); math.Abs(f-1000) > 10 || p < 0.5 {
		t.Errorf("far end heard %v Hz (purity %.2f), want 1000 Hz", f, p)
	}
	pcm, rate := r.heard(a, 200*time.Millisecond)
	if l := level(pcm, rate, 697); l < 0.2 {
		t.Errorf("caller heard the RTP tone at level %.3f, want 697 Hz", l)
	}
}

func TestHangupReleasesLeg(t *testing.T) {
	r := start(t)
	a := r.caller()
	b := r.caller()
	r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+a+","+b)
	if got := r.m.Pacer().Stats().Legs; got != 2 {
		t.Fatalf("legs = %d, want 2", got)
	}
	time.Sleep(100 * time.Millisecond) // a few frames heard
	r.must("DELETE", "/ari/channels/"+a)
	if got := r.m.Pacer().Stats().Legs; got != 1 {
		t.Errorf("legs after hangup = %d, want 1", got)
	}
	if pcm, rate, err := r.s.Heard(a); err != nil || rate != 8000 || len(pcm) == 0 {
		t.Errorf("Heard after hangup: %d samples at %d, %v; want what it heard", len(pcm), rate, err)
	}
	if _, _, err := r.s.Heard("nosuch"); !errors.Is(err, pbxsim.ErrChannelNotFound) {
		t.Errorf("Heard of an unknown channel: %v, want ErrChannelNotFound", err)
	}
	if st, _ := r.do("GET", "/sim/channels/nosuch/heard"); st != 404 {
		t.Errorf("GET heard of an unknown channel = %d, want 404", st)
	}
	if st, _ := r.do("POST", "/sim/channels/"+a+"/speak"); st != 404 {
		t.Errorf("speak after hangup = %d, want 404", st)
	}
	if st, _ := r.do("POST", "/sim/channels/"+b+"/speak"); st != 400 {
		t.Errorf("speak with no uri = %d, want 400", st)
	}
}

func TestWithoutMedia(t *testing.T) {
	s := pbxsimtest.Start(t)
	if _, _, err := s.Heard("x"); !errors.Is(err, pbxsim.ErrNoMedia) {
		t.Errorf("Heard without media: %v, want ErrNoMedia", err)
	}
}

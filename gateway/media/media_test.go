package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"liandong/gateway/media"
	"liandong/knowledge/speech"
	"liandong/knowledge/tts"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// toneEngine renders a 440 Hz tone of 100 ms per character, 8 kHz mono.
type toneEngine struct{}

func (toneEngine) Name() string  { return "tone" }
func (toneEngine) Voice() string { return "a4" }
func (toneEngine) Synthesize(_ context.Context, text string) ([]byte, error) {
	n := 800 * len([]rune(text))
	data := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(int16(8000*math.Sin(2*math.Pi*440*float64(i)/8000))))
	}
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(data)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], 8000)
	binary.LittleEndian.PutUint32(h[28:], 16000)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(data)))
	return append(h, data...), nil
}

type fixture struct {
	cache *tts.Cache
	srv   *httptest.Server
	uris  media.HTTPURIs
}

func setup(t *testing.T, eng tts.Engine, o media.Options) *fixture {
	t.Helper()
	c, err := tts.New(eng, tts.Options{Dir: t.TempDir(), MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	o.Store = c
	mux := http.NewServeMux()
	mux.Handle(media.Path, media.NewHandler(o))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	uris, err := media.NewHTTPURIs(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{c, srv, uris}
}

// url renders text and returns the URL Asterisk would fetch.
func (f *fixture) url(t *testing.T, text string) (string, tts.Item) {
	t.Helper()
	it, err := f.cache.Render(t.Context(), text)
	if err != nil {
		t.Fatal(err)
	}
	uri := f.uris.URI(it)
	u, ok := strings.CutPrefix(uri, "sound:")
	if !ok || !strings.HasSuffix(u, ".wav") || !strings.Contains(u, it.Hash) {
		t.Fatalf("uri %q", uri)
	}
	return u, it
}

func fetch(t *testing.T, method, url string, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestServeWav(t *testing.T) {
	f := setup(t, toneEngine{}, media.Options{})
	url, it := f.url(t, "您好，请拨打12345")
	want, _ := os.ReadFile(it.Path)

	resp, body := fetch(t, http.MethodGet, url, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/x-wav" ||
		resp.Header.Get("Content-Length") != strconv.Itoa(len(want)) || !bytes.Equal(body, want) {
		t.Fatalf("GET: %d %v, %d bytes", resp.StatusCode, resp.Header, len(body))
	}
	if fm, err := tts.ParseWAV(body); err != nil || !fm.Telephone() || fm.Duration() != it.Duration {
		t.Fatalf("served wav %+v, %v", fm, err)
	}
	if resp.Header.Get("ETag") != `"`+it.Hash+`"` || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("cache headers %v", resp.Header)
	}

	resp, body = fetch(t, http.MethodHead, url, nil)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(want)) ||
		resp.Header.Get("Content-Type") != "audio/x-wav" {
		t.Fatalf("HEAD: %d %v, %d bytes", resp.StatusCode, resp.Header, len(body))
	}

	// res_http_media_cache revalidates an expired entry with HEAD and If-None-Match.
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		resp, _ = fetch(t, m, url, http.Header{"If-None-Match": {`"` + it.Hash + `"`}})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s revalidation: %d", m, resp.StatusCode)
		}
	}

	// A changed text is a new URL; the old one still serves the old audio.
	url2, _ := f.url(t, "您好，请拨打12345。")
	if url2 == url {
		t.Fatal("changed text kept its URL")
	}
}

func TestServeErrors(t *testing.T) {
	f := setup(t, toneEngine{}, media.Options{})
	url, it := f.url(t, "答复")
	base := f.srv.URL + media.Path
	tests := []struct {
		name, method, url string
		status            int
	}{
		{"unknown hash", "GET", base + "0123456789abcdef0123456789abcdef.wav", 404},
		{"no extension", "GET", base + it.Hash, 404},
		{"other extension", "GET", base + it.Hash + ".mp3", 404},
		{"upper case", "GET", base + strings.ToUpper(it.Hash) + ".wav", 404},
		{"traversal", "GET", base + "..%2f..%2fetc%2fpasswd.wav", 404},
		{"empty", "GET", base, 404},
		{"post", "POST", url, 405},
		{"delete", "DELETE", url, 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := fetch(t, tc.method, tc.url, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s = %d, want %d", tc.method, tc.url, resp.StatusCode, tc.status)
			}
		})
	}
	// A file gone from disk (evicted, removed by hand) is 404, not 500.
	os.Remove(it.Path)
	if resp, _ := fetch(t, "GET", url, nil); resp.StatusCode != 404 {
		t.Errorf("removed file: %d", resp.StatusCode)
	}
}

func TestAllow(t *testing.T) {
	closed := setup(t, toneEngine{}, media.Options{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	url, _ := closed.url(t, "答复")
	if resp, _ := fetch(t, "GET", url, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("loopback not in allow list: %d", resp.StatusCode)
	}
	open := setup(t, toneEngine{}, media.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	url, _ = open.url(t, "答复")
	if resp, _ := fetch(t, "GET", url, nil); resp.StatusCode != 200 {
		t.Errorf("loopback allowed: %d", resp.StatusCode)
	}
}

// The real engine's output, fetched as Asterisk would, decodes with sox.
func TestServeEspeakDecodes(t *testing.T) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	f := setup(t, tts.NewEspeak(speech.Options{}, ""), media.Options{})
	url, it := f.url(t, "您可以通过电子社保卡查询个人参保和缴费记录。")
	_, body := fetch(t, "GET", url, nil)
	file := t.TempDir() + "/got.wav"
	os.WriteFile(file, body, 0o644)
	out, err := exec.CommandContext(t.Context(), "sox", "--i", file).CombinedOutput()
	if err != nil {
		t.Fatalf("sox --i: %v: %s", err, out)
	}
	for _, want := range []string{"Channels       : 1", "Sample Rate    : 8000", "16-bit", "Signed Integer PCM"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("sox --i lacks %q:\n%s", want, out)
		}
	}
	if it.Duration < time.Second {
		t.Errorf("duration %v", it.Duration)
	}
}

func TestURIs(t *testing.T) {
	it := tts.Item{Hash: "0123456789abcdef0123456789abcdef"}
	tests := []struct {
		public, want string
	}{
		{"http://10.0.0.5:8080", "sound:http://10.0.0.5:8080/media/tts/0123456789abcdef0123456789abcdef.wav"},
		{"http://gw.example:8080/", "sound:http://gw.example:8080/media/tts/0123456789abcdef0123456789abcdef.wav"},
		{"https://gw.example/liandong/", "sound:https://gw.example/liandong/media/tts/0123456789abcdef0123456789abcdef.wav"},
	}
	for _, tc := range tests {
		u, err := media.NewHTTPURIs(tc.public)
		if err != nil || u.URI(it) != tc.want {
			t.Errorf("NewHTTPURIs(%q).URI = %q, %v; want %q", tc.public, u.URI(it), err, tc.want)
		}
	}
	for _, bad := range []string{"", "gw:8080", "ftp://gw/", "http://", "http://gw/?x=1"} {
		if _, err := media.NewHTTPURIs(bad); err == nil {
			t.Errorf("NewHTTPURIs(%q) accepted", bad)
		}
	}
	s, err := media.NewSoundsURIs("/liandong/tts/")
	if err != nil || s.URI(it) != "sound:liandong/tts/0123456789abcdef0123456789abcdef" {
		t.Errorf("sounds uri %q, %v", s.URI(it), err)
	}
	for _, bad := range []string{"", "/", "../etc", "a b", "c:\\x"} {
		if _, err := media.NewSoundsURIs(bad); err == nil {
			t.Errorf("NewSoundsURIs(%q) accepted", bad)
		}
	}
}

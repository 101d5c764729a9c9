package tts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeEngine returns a tone whose length grows with the text; gate, when
// set, holds every synthesis until closed or ctx ends.
type fakeEngine struct {
	calls atomic.Int64
	gate  chan struct{}
	rate  int
	fail  error
	mu    sync.Mutex
	texts []string
}

func (f *fakeEngine) Name() string  { return "fake" }
func (f *fakeEngine) Voice() string { return "v1" }
func (f *fakeEngine) Synthesize(ctx context.Context, text string) ([]byte, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.texts = append(f.texts, text)
	f.mu.Unlock()
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.fail != nil {
		return nil, f.fail
	}
	rate := f.rate
	if rate == 0 {
		rate = 8000
	}
	return sineWAV(rate, 1, time.Duration(len([]rune(text)))*100*time.Millisecond), nil
}

func newCache(t *testing.T, eng Engine, o Options) *Cache {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	c, err := New(eng, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCacheHitMiss(t *testing.T) {
	eng := &fakeEngine{}
	c := newCache(t, eng, Options{})
	ctx := t.Context()
	a, err := c.Render(ctx, "请拨打12345")
	if err != nil {
		t.Fatal(err)
	}
	if a.Path != filepath.Join(c.Dir(), a.Hash+".wav") || a.Hash != c.HashOf("请拨打12345") {
		t.Fatalf("item %+v", a)
	}
	// Digits are read one by one: the engine got the normalised text, and the
	// same words written in characters are the same rendering.
	if eng.texts[0] != "请拨打幺二三四五" {
		t.Errorf("engine got %q", eng.texts[0])
	}
	if a.Duration != 800*time.Millisecond {
		t.Errorf("duration %v", a.Duration)
	}
	b, err := c.Render(ctx, "  请拨打幺二三四五 ")
	if err != nil || b != a {
		t.Fatalf("second render %+v, %v; want %+v", b, err, a)
	}
	changed, err := c.Render(ctx, "请拨打12345。")
	if err != nil || changed.Hash == a.Hash {
		t.Fatalf("changed text: %+v, %v", changed, err)
	}
	st := c.Stats()
	if st.Hits != 1 || st.Misses != 2 || eng.calls.Load() != 2 || st.Items != 2 {
		t.Errorf("stats %+v, engine calls %d", st, eng.calls.Load())
	}
	if got, ok := c.Lookup(a.Hash); !ok || got != a {
		t.Errorf("Lookup = %+v, %v", got, ok)
	}
	if _, ok := c.Lookup("0123456789abcdef0123456789abcdef"); ok {
		t.Error("Lookup of unknown hash found something")
	}
}

func TestCacheBadText(t *testing.T) {
	c := newCache(t, &fakeEngine{}, Options{})
	tests := []struct {
		text string
		want error
	}{
		{"", ErrEmptyText},
		{"  \n", ErrEmptyText},
		{strings.Repeat("长", MaxTextRunes+1), ErrTextTooLong},
	}
	for _, tc := range tests {
		if _, err := c.Render(t.Context(), tc.text); !errors.Is(err, tc.want) {
			t.Errorf("Render(%d runes) = %v, want %v", len(tc.text), err, tc.want)
		}
	}
}

func TestCacheEviction(t *testing.T) {
	eng := &fakeEngine{}
	one := int64(len(sineWAV(8000, 1, 200*time.Millisecond))) // a 2-rune text
	c := newCache(t, eng, Options{MaxBytes: 3 * one})
	ctx := t.Context()
	items := map[string]Item{}
	for _, s := range []string{"甲乙", "丙丁", "戊己"} {
		it, err := c.Render(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		items[s] = it
	}
	c.Lookup(items["甲乙"].Hash) // 甲乙 is now the most recently used
	if _, err := c.Render(ctx, "庚辛"); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if st.Evictions != 1 || st.Items != 3 || st.Bytes != 3*one {
		t.Fatalf("stats %+v", st)
	}
	if _, ok := c.Lookup(items["丙丁"].Hash); ok {
		t.Error("least recently used item kept")
	}
	if _, err := os.Stat(items["丙丁"].Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("evicted file still there: %v", err)
	}
	for _, s := range []string{"甲乙", "戊己"} {
		if _, ok := c.Lookup(items[s].Hash); !ok {
			t.Errorf("%s evicted", s)
		}
	}
	// An item larger than the whole cache is still served.
	big, err := c.Render(ctx, strings.Repeat("大", 20))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(big.Hash); !ok {
		t.Error("item just made was evicted")
	}
}

func TestCacheReopen(t *testing.T) {
	dir := t.TempDir()
	eng := &fakeEngine{}
	c := newCache(t, eng, Options{Dir: dir})
	a, err := c.Render(t.Context(), "您好")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	os.WriteFile(filepath.Join(dir, ".render-123.wav"), []byte("partial"), 0o644)
	os.WriteFile(filepath.Join(dir, "0123456789abcdef0123456789abcdef.wav"), []byte("not a wav"), 0o644)
	c2 := newCache(t, eng, Options{Dir: dir})
	if got, ok := c2.Lookup(a.Hash); !ok || got != a {
		t.Fatalf("after reopen: %+v, %v; want %+v", got, ok, a)
	}
	if _, err := c2.Render(t.Context(), "您好"); err != nil || eng.calls.Load() != 1 {
		t.Fatalf("render after reopen: %v, %d engine calls", err, eng.calls.Load())
	}
	if st := c2.Stats(); st.Items != 1 {
		t.Errorf("items %d, want the bad files dropped", st.Items)
	}
	if _, err := os.Stat(filepath.Join(dir, ".render-123.wav")); err == nil {
		t.Error("stray temp file left")
	}
}

func TestCacheCoalesces(t *testing.T) {
	eng := &fakeEngine{gate: make(chan struct{})}
	c := newCache(t, eng, Options{})
	const n = 20
	var wg sync.WaitGroup
	hashes := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it, err := c.Render(t.Context(), "社保缴费记录怎么查")
			hashes[i], errs[i] = it.Hash, err
		}()
	}
	for c.Stats().Coalesced+c.Stats().Misses < n {
		time.Sleep(time.Millisecond)
	}
	close(eng.gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || hashes[i] != hashes[0] {
			t.Fatalf("render %d: %s, %v", i, hashes[i], errs[i])
		}
	}
	if got := eng.calls.Load(); got != 1 {
		t.Errorf("engine ran %d times for one text", got)
	}
	if st := c.Stats(); st.Misses != 1 || st.Coalesced != n-1 {
		t.Errorf("stats %+v", st)
	}
}

// A caller waits no longer than its context; the rendering goes on and the
// next caller gets it from the cache.
func TestCacheDeadline(t *testing.T) {
	eng := &fakeEngine{gate: make(chan struct{})}
	c := newCache(t, eng, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Render(ctx, "很长的答复")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("caller waited %v", d)
	}
	close(eng.gate)
	it, err := c.Render(t.Context(), "很长的答复")
	if err != nil || eng.calls.Load() != 1 {
		t.Fatalf("after: %+v, %v, %d calls", it, err, eng.calls.Load())
	}
}

func TestCacheRenderTimeoutAndErrors(t *testing.T) {
	eng := &fakeEngine{gate: make(chan struct{})} // never opened
	c := newCache(t, eng, Options{Timeout: 30 * time.Millisecond})
	if _, err := c.Render(t.Context(), "卡住"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the render's deadline", err)
	}
	bad := newCache(t, &fakeEngine{fail: fmt.Errorf("boom: %w", ErrEngine)}, Options{})
	if _, err := bad.Render(t.Context(), "好"); !errors.Is(err, ErrEngine) || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	if st := bad.Stats(); st.Errors != 1 || st.Items != 0 {
		t.Errorf("stats %+v: failures are not cached", st)
	}
}

func TestCacheCloseStopsRenders(t *testing.T) {
	eng := &fakeEngine{gate: make(chan struct{})}
	c, err := New(eng, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { _, err := c.Render(context.Background(), "关闭"); done <- err }()
	for eng.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Close()
	if err := <-done; err == nil {
		t.Fatal("render survived Close")
	}
	if _, err := c.Render(t.Context(), "关闭"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// An engine's 16 kHz output is converted to what Asterisk plays.
func TestCacheConverts(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox not installed")
	}
	c := newCache(t, &fakeEngine{rate: 16000}, Options{})
	it, err := c.Render(t.Context(), "转换采样率")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(it.Path)
	f, err := ParseWAV(b)
	if err != nil || !f.Telephone() {
		t.Fatalf("converted: %+v, %v", f, err)
	}
	if it.Duration < 400*time.Millisecond || it.Duration > 600*time.Millisecond {
		t.Errorf("duration %v, want about 500ms", it.Duration)
	}
}

func TestPrerender(t *testing.T) {
	eng := &fakeEngine{}
	c := newCache(t, eng, Options{})
	res, err := Prerender(t.Context(), c, []string{"一", "二", "一", "", "三"}, 2)
	if err != nil || res.Texts != 3 || res.Rendered != 3 || eng.calls.Load() != 3 {
		t.Fatalf("prerender %+v, %v, %d calls", res, err, eng.calls.Load())
	}
	bad := newCache(t, &fakeEngine{fail: ErrEngine}, Options{})
	res, err = Prerender(t.Context(), bad, []string{"一", "二"}, 1)
	if !errors.Is(err, ErrEngine) || res.Failed != 2 {
		t.Fatalf("prerender failing engine: %+v, %v", res, err)
	}
}

package tts

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"liandong/knowledge/speech"
)

// Options configure a Cache.
type Options struct {
	// Dir holds the rendered files, <hash>.wav (created if missing). Point
	// it into Asterisk's sounds directory for the shared-directory mode.
	Dir string
	// MaxBytes bounds the files kept (default 256 MiB); the least recently
	// used are removed first.
	MaxBytes int64
	// Timeout bounds one rendering (default 20 s). A caller waits at most
	// until its own context ends; the rendering goes on and is cached.
	Timeout time.Duration
	// Sox converts engine output that is not 8 kHz mono 16-bit (default "sox").
	Sox string
	// Logger (default: discard).
	Logger *slog.Logger
}

// Stats counts what the cache did since it was made.
type Stats struct {
	Hits, Misses, Coalesced, Evictions, Errors int64
	Items                                      int
	Bytes                                      int64
}

// Cache renders texts through an Engine once and keeps the files: it is
// the TTS the gateway uses. Safe for concurrent use.
type Cache struct {
	eng Engine
	o   Options
	log *slog.Logger

	ctx    context.Context // renders run under it; Close cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	items    map[string]*list.Element // of *entry
	lru      list.List                // front: most recently used
	size     int64
	inflight map[string]*flight

	hits, misses, coalesced, evictions, errs atomic.Int64
}

type entry struct{ it Item }

type flight struct {
	done chan struct{}
	it   Item
	err  error
}

var _ TTS = (*Cache)(nil)

// New opens (or creates) the cache directory, takes in the files already
// there (oldest first out) and returns the cache. Close it to stop
// renderings in flight.
func New(eng Engine, o Options) (*Cache, error) {
	if eng == nil {
		return nil, errors.New("tts cache: no engine")
	}
	if o.Dir == "" {
		return nil, errors.New("tts cache: no directory")
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 256 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("tts cache: %w", err)
	}
	c := &Cache{eng: eng, o: o, log: o.Logger, items: map[string]*list.Element{}, inflight: map[string]*flight{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if err := c.scan(); err != nil {
		c.cancel()
		return nil, err
	}
	return c, nil
}

// scan takes in <hash>.wav files left by an earlier run, by modification
// time, and removes stray temporary files.
func (c *Cache) scan() error {
	des, err := os.ReadDir(c.o.Dir)
	if err != nil {
		return fmt.Errorf("tts cache: scan %s: %w", c.o.Dir, err)
	}
	type found struct {
		it  Item
		mod time.Time
	}
	var fs []found
	for _, de := range des {
		name := de.Name()
		path := filepath.Join(c.o.Dir, name)
		if strings.HasPrefix(name, ".render-") {
			os.Remove(path)
			continue
		}
		hash, ok := strings.CutSuffix(name, ".wav")
		if !ok || !ValidHash(hash) || !de.Type().IsRegular() {
			continue
		}
		f, size, err := statWAV(path)
		if err != nil {
			os.Remove(path)
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue
		}
		fs = append(fs, found{Item{Hash: hash, Path: path, Size: size, Duration: f.Duration()}, info.ModTime()})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].mod.Before(fs[j].mod) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range fs {
		c.addLocked(f.it)
	}
	c.evictLocked("")
	return nil
}

// HashOf is the hash Render gives text.
func (c *Cache) HashOf(text string) string {
	return Hash(c.eng.Name(), c.eng.Voice(), Speakable(text))
}

// Render returns the rendered item of text (made Speakable), from the
// cache or made now.
// Concurrent renders of one text share one synthesis. The caller waits
// until the item is ready or ctx ends; the synthesis itself is bounded by
// Options.Timeout and, once started, finishes for the next caller.
func (c *Cache) Render(ctx context.Context, text string) (Item, error) {
	text = Speakable(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Item{}, ErrEmptyText
	case n > MaxTextRunes:
		return Item{}, fmt.Errorf("tts render: %d characters, max %d: %w", n, MaxTextRunes, ErrTextTooLong)
	}
	hash := Hash(c.eng.Name(), c.eng.Voice(), text)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return Item{}, ErrClosed
	}
	if el, ok := c.items[hash]; ok {
		c.lru.MoveToFront(el)
		it := el.Value.(*entry).it
		c.mu.Unlock()
		c.hits.Add(1)
		return it, nil
	}
	f, ok := c.inflight[hash]
	if ok {
		c.coalesced.Add(1)
	} else {
		c.misses.Add(1)
		f = &flight{done: make(chan struct{})}
		c.inflight[hash] = f
		c.wg.Add(1)
		go c.render(hash, text, f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.it, f.err
	case <-ctx.Done():
		return Item{}, fmt.Errorf("tts render: %w", context.Cause(ctx))
	}
}

// render runs one synthesis under the cache's context, owned by the cache.
func (c *Cache) render(hash, text string, f *flight) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.o.Timeout)
	defer cancel()
	start := time.Now()
	it, err := c.make(ctx, hash, text)
	c.mu.Lock()
	delete(c.inflight, hash)
	if err == nil {
		if c.closed {
			os.Remove(it.Path)
			err = ErrClosed
		} else {
			c.addLocked(it)
			c.evictLocked(hash)
		}
	}
	c.mu.Unlock()
	if err != nil {
		c.errs.Add(1)
		c.log.Warn("tts render failed", "engine", c.eng.Name(), "hash", hash, "err", err)
	} else {
		c.log.Debug("tts rendered", "engine", c.eng.Name(), "hash", hash, "took", time.Since(start), "audio", it.Duration)
	}
	f.it, f.err = it, err
	close(f.done)
}

// make synthesizes, converts when needed and writes <hash>.wav atomically.
func (c *Cache) make(ctx context.Context, hash, text string) (Item, error) {
	b, err := c.eng.Synthesize(ctx, text)
	if err != nil {
		return Item{}, fmt.Errorf("tts render: %w", err)
	}
	f, err := ParseWAV(b)
	if err != nil {
		return Item{}, fmt.Errorf("tts render: %s output: %w", c.eng.Name(), err)
	}
	tmp, err := os.CreateTemp(c.o.Dir, ".render-*.wav")
	if err != nil {
		return Item{}, fmt.Errorf("tts render: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // a no-op once renamed
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return Item{}, fmt.Errorf("tts render: write: %w", werr)
	}
	if !f.Telephone() {
		conv := tmpName + ".8k.wav"
		defer os.Remove(conv)
		if err := speech.Convert(ctx, tmpName, conv, speech.Options{Sox: c.o.Sox}); err != nil {
			return Item{}, fmt.Errorf("tts render: %d Hz %d ch %d bit: %w: %w", f.Rate, f.Channels, f.Bits, err, ErrBadAudio)
		}
		if b, err = os.ReadFile(conv); err != nil {
			return Item{}, fmt.Errorf("tts render: %w", err)
		}
		if f, err = ParseWAV(b); err != nil {
			return Item{}, fmt.Errorf("tts render: converted: %w", err)
		}
		tmpName = conv
	}
	path := filepath.Join(c.o.Dir, hash+".wav")
	if err := os.Rename(tmpName, path); err != nil {
		return Item{}, fmt.Errorf("tts render: %w", err)
	}
	return Item{Hash: hash, Path: path, Size: int64(len(b)), Duration: f.Duration()}, nil
}

func (c *Cache) addLocked(it Item) {
	if el, ok := c.items[it.Hash]; ok {
		c.size -= el.Value.(*entry).it.Size
		el.Value.(*entry).it = it
		c.size += it.Size
		c.lru.MoveToFront(el)
		return
	}
	c.items[it.Hash] = c.lru.PushFront(&entry{it: it})
	c.size += it.Size
}

// evictLocked removes the least recently used files until the cache fits,
// never keep (the item just made).
func (c *Cache) evictLocked(keep string) {
	for c.size > c.o.MaxBytes {
		el := c.lru.Back()
		if el == nil {
			return
		}
		e := el.Value.(*entry)
		if e.it.Hash == keep {
			if el = el.Prev(); el == nil {
				return
			}
			e = el.Value.(*entry)
		}
		c.lru.Remove(el)
		delete(c.items, e.it.Hash)
		c.size -= e.it.Size
		c.evictions.Add(1)
		// An open file (Asterisk fetching it) stays readable after removal.
		if err := os.Remove(e.it.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			c.log.Warn("tts evict", "hash", e.it.Hash, "err", err)
		}
	}
}

// Lookup returns the item with hash, if cached, and marks it used.
func (c *Cache) Lookup(hash string) (Item, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[hash]
	if !ok {
		return Item{}, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*entry).it, true
}

// Stats returns the counters and the current size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	n, size := len(c.items), c.size
	c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Coalesced: c.coalesced.Load(),
		Evictions: c.evictions.Load(), Errors: c.errs.Load(), Items: n, Bytes: size}
}

// Dir is the cache directory.
func (c *Cache) Dir() string { return c.o.Dir }

// Close stops renderings in flight (their waiters get an error) and waits
// for them; the files stay for the next start.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	return nil
}

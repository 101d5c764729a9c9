package tts

import (
	"context"
	"fmt"
	"sync"
	"time"

	"liandong/knowledge"
)

// PrerenderResult reports a Prerender run.
type PrerenderResult struct {
	Texts    int // distinct texts asked for
	Rendered int // ready (cached before or made now)
	Failed   int
	Took     time.Duration
}

// Prerender renders texts ahead of calls (at start and on publish), with
// up to workers at a time (default 1: synthesis is CPU work shared with
// live calls). It returns when all are done or ctx ends, with the first
// error; it starts no goroutine that outlives it.
func Prerender(ctx context.Context, t TTS, texts []string, workers int) (PrerenderResult, error) {
	start := time.Now()
	seen := make(map[string]bool, len(texts))
	var todo []string
	for _, s := range texts {
		if s != "" && !seen[s] {
			seen[s] = true
			todo = append(todo, s)
		}
	}
	res := PrerenderResult{Texts: len(todo)}
	if workers < 1 {
		workers = 1
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan string)
	)
	for range min(workers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				_, err := t.Render(ctx, s)
				mu.Lock()
				if err != nil {
					res.Failed++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					res.Rendered++
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, s := range todo {
		select {
		case next <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	res.Took = time.Since(start)
	if err := ctx.Err(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return res, fmt.Errorf("tts prerender: %d of %d failed: %w", res.Failed, res.Texts, firstErr)
	}
	return res, nil
}

// AnswerTexts returns the answers of the entries callers can hear at now
// (published, within their validity window).
func AnswerTexts(entries []knowledge.Entry, now time.Time) []string {
	var out []string
	for i := range entries {
		if entries[i].Searchable(now) {
			out = append(out, entries[i].Answer)
		}
	}
	return out
}

// PrerenderEntries renders the answers of the published entries.
func PrerenderEntries(ctx context.Context, t TTS, entries []knowledge.Entry, workers int) (PrerenderResult, error) {
	return Prerender(ctx, t, AnswerTexts(entries, time.Now()), workers)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway"
	"liandong/gateway/api"
	"liandong/gateway/calllog"
	"liandong/gateway/calllog/ivrorders"
	"liandong/gateway/kpi"
	"liandong/gateway/media"
	"liandong/internal/config"
	"liandong/ivr"
	"liandong/ivr/kbmenu"
	"liandong/knowledge"
	"liandong/knowledge/store"
	"liandong/knowledge/tts"
)

// services are the parts the gateway's calls and the API use, built from
// the configuration. close releases them in reverse order.
type services struct {
	callLog  *calllog.Log
	recorder *gateway.CallLog
	holder   *knowledge.Holder
	store    *store.Store
	menu     *kbmenu.Menu
	kbAPI    http.Handler
	media    http.Handler
	deps     ivr.Deps
	metrics  *kpi.Exporter
	orders   api.Orders
	closers  []func()
}

func (s *services) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// buildServices wires the call log, the FAQ (store, live index, API), text
// to speech and the IVR's knowledge menus. publicURL is how Asterisk
// reaches this process's HTTP listener (for spoken answers).
func buildServices(ctx context.Context, cfg config.Config, log *slog.Logger, rdb redis.UniversalClient, flows *ivr.Registry, publicURL string) (s *services, err error) {
	s = &services{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var bgDone []chan struct{}
	// Background work stops before anything it uses is closed: this runs
	// first on close (registered last below), and last if building fails.
	stopAll := sync.OnceFunc(func() {
		stopBG()
		for _, d := range bgDone {
			<-d
		}
	})
	s.closers = append(s.closers, stopAll)
	goBG := func(f func(ctx context.Context)) {
		d := make(chan struct{})
		bgDone = append(bgDone, d)
		go func() { defer close(d); f(bg) }()
	}

	// The call log: never waits on Redis; spools while Redis is down.
	s.callLog, err = calllog.Open(ctx, rdb, calllog.Options{
		Prefix: cfg.Redis.KeyPrefix, SpoolDir: cfg.CallLog.SpoolDir,
		MaxLen: cfg.CallLog.StreamMaxLen, MinIDAge: cfg.CallLog.StreamMaxAge.D(), Retention: cfg.CallLog.RecordTTL.D(), Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("open the call log: %w", err)
	}
	s.closers = append(s.closers, func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.callLog.Close(cctx); err != nil {
			log.Warn("call log close", "err", err)
		}
	})
	s.recorder = gateway.NewCallLog(s.callLog, log)

	// The FAQ: searches are served from memory, seeded from the sample
	// file so a Redis outage at start still answers; the store's published
	// set replaces it as soon as Redis answers.
	var lex *knowledge.Lexicon
	if cfg.Files.Lexicon != "" {
		if lex, err = knowledge.LoadLexicon(cfg.Files.Lexicon); err != nil {
			return nil, err
		}
	}
	seed, err := knowledge.LoadIndex(cfg.Files.FAQ, cfg.Files.Lexicon)
	if err != nil {
		return nil, fmt.Errorf("load the FAQ: %w", err)
	}
	s.holder = knowledge.NewHolder(seed)
	s.store = store.New(rdb, store.Options{Prefix: cfg.Redis.KeyPrefix, Logger: log})
	if cfg.Knowledge.ImportIfEmpty {
		ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
		imported, _, err := s.store.ImportIfEmpty(ictx, cfg.Files.FAQ)
		cancel()
		switch {
		case err != nil:
			log.Warn("FAQ import skipped", "err", err)
		case imported:
			log.Info("FAQ imported into Redis", "file", cfg.Files.FAQ)
		}
		// The search tables too: once in Redis, editors change them through
		// the API (PUT /api/v1/kb/lexicon) and the file only seeds.
		if cfg.Files.Lexicon != "" {
			text, err := os.ReadFile(cfg.Files.Lexicon)
			if err != nil {
				return nil, fmt.Errorf("read the search tables: %w", err)
			}
			ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
			imported, err := s.store.ImportLexiconIfEmpty(ictx, string(text))
			cancel()
			switch {
			case err != nil:
				log.Warn("search tables import skipped", "err", err)
			case imported:
				log.Info("search tables imported into Redis", "file", cfg.Files.Lexicon)
			}
		}
	}
	live := store.NewLive(s.store, s.holder, store.LiveOptions{Lexicon: lex, Logger: log})
	goBG(func(ctx context.Context) {
		if err := live.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("FAQ live updates stopped", "err", err)
		}
	})
	s.kbAPI = api.NewKB(api.KBOptions{Store: s.store, Holder: s.holder, Logger: log, NoAnswer: cfg.Knowledge.NoAnswer})

	// Spoken answers and the IVR's consult menus.
	eng, err := tts.EngineFor(cfg.Prompts.TTS.Engine, cfg.Prompts.TTS.Voice, tts.HTTPOptions{URL: cfg.Prompts.TTS.URL})
	if err != nil {
		return nil, fmt.Errorf("text to speech: %w", err)
	}
	var speech tts.TTS
	var uris kbmenu.URIs
	if eng != nil {
		cache, err := tts.New(eng, tts.Options{Dir: cfg.Prompts.TTS.CacheDir, MaxBytes: int64(cfg.Prompts.TTS.CacheMaxMB) << 20, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("text to speech cache: %w", err)
		}
		s.closers = append(s.closers, func() { cache.Close() })
		speech = cache
		s.media = media.NewHandler(media.Options{Store: cache, Logger: log})
		if uris, err = media.NewHTTPURIs(publicURL); err != nil {
			return nil, err
		}
	}
	entries := kbmenu.NewList(nil)
	refresh := func(ctx context.Context) {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if pub, err := s.store.Published(pctx); err == nil && len(pub) > 0 {
			entries.Set(pub)
			return
		}
		// Redis unreachable or empty: the sample file's entries.
		if seedEntries, err := knowledge.LoadFAQ(cfg.Files.FAQ); err == nil {
			entries.Set(seedEntries)
		}
	}
	refresh(ctx)
	goBG(func(ctx context.Context) {
		for {
			select {
			case <-ctx.Done():
				return
			case <-live.Swapped():
				refresh(ctx)
			}
		}
	})
	prompts := flows.Current().Prompts
	s.menu, err = kbmenu.New(kbmenu.Options{Source: entries, TTS: speech, URIs: uris, More: prompts["kb_next"],
		RenderTimeout: cfg.Prompts.TTS.RenderTimeout.D(), Logger: log})
	if err != nil {
		return nil, err
	}
	if speech != nil {
		goBG(func(ctx context.Context) {
			if _, err := s.menu.Prerender(ctx, prompts["kb_item"], 1); err != nil && ctx.Err() == nil {
				log.Warn("prerender of FAQ answers incomplete", "err", err)
			}
		})
	}
	// The ticketing side's feedback, the KPIs, and the caller's latest
	// work order for "查询工单办理进度".
	loc, err := time.LoadLocation(cfg.CallLog.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("calllog.time_zone: %w", err)
	}
	hotlines := cfg.CallLog.Hotlines
	fb := calllog.NewFeedbackConsumer(rdb, calllog.FeedbackOptions{Prefix: cfg.Redis.KeyPrefix, Hotlines: hotlines, Logger: log})
	goBG(func(ctx context.Context) {
		if err := fb.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("feedback consumer stopped", "err", err)
		}
	})
	agg := kpi.NewAggregator(rdb, kpi.AggregatorOptions{Prefix: cfg.Redis.KeyPrefix, Hotlines: hotlines, Location: loc, Logger: log})
	goBG(func(ctx context.Context) {
		if err := agg.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("KPI aggregator stopped", "err", err)
		}
	})
	s.metrics = &kpi.Exporter{RDB: rdb, Prefix: cfg.Redis.KeyPrefix, Hotlines: hotlines, Location: loc,
		CallLog: s.callLog.Stats, Feedback: fb.Stats, Aggregator: agg.Stats}
	states := map[string]string{}
	for status, key := range map[string]string{"": "wo_state_new", "accepted": "wo_state_accepted",
		"in_progress": "wo_state_in_progress", "done": "wo_state_done", "returned": "wo_state_returned"} {
		if text, ok := prompts[key]; ok {
			states[status] = text
		}
	}
	s.orders = api.OrdersFunc(func(ctx context.Context, hotline, no string) (*calllog.OrderView, error) {
		return calllog.ReadOrderFeedback(ctx, rdb, cfg.Redis.KeyPrefix, hotline, no)
	})
	orders := &ivrorders.Lookup{RDB: rdb, Prefix: cfg.Redis.KeyPrefix, Hotlines: hotlines, StateNames: states}

	// FAQ statistics: hits per entry and version for the editors.
	answers := store.NewAnswerQueue(s.store, 0, log)
	goBG(answers.Run)
	reporter := reporters{s.recorder, kbAnswers{answers}}

	s.deps = ivr.Deps{Knowledge: s.menu, Speaker: s.menu, Reporter: reporter, WorkOrders: orders, Logger: log}
	s.closers = append(s.closers, stopAll)
	return s, nil
}

// apiOptions are the API's handlers from the services.
func (s *services) apiOptions(o api.Options) api.Options {
	o.KB = s.kbAPI
	o.Media = s.media
	o.Metrics = s.metrics
	o.Orders = s.orders
	return o
}

// reporters sends each IVR step to several reporters.
type reporters []ivr.Reporter

func (rs reporters) Report(ctx context.Context, st ivr.Step) {
	for _, r := range rs {
		r.Report(ctx, st)
	}
}

// kbAnswers counts the FAQ answers read out on the phone, by entry and
// version, for the editors' statistics.
type kbAnswers struct{ q *store.AnswerQueue }

func (k kbAnswers) Report(_ context.Context, st ivr.Step) {
	if st.Event == ivr.EventKBAnswer && st.Entry != "" && st.EntryVersion > 0 {
		k.q.Record(store.Answer{EntryID: st.Entry, Version: st.EntryVersion, Channel: store.ChannelPhone, CallID: st.CallID, At: st.At})
	}
}

// Package simmedia makes the emulator's media real: it implements pbxsim's
// MediaObserver, MediaSource and MediaIO over package media. Every answered
// channel gets a media.Leg on one media.Pacer (one goroutine for all
// channels); playbacks play decoded audio into legs, bridges mix (two
// members: forward, three or more: mix-minus), holding bridges and MOH play
// music, externalMedia channels carry RTP on the socket the core opened, and
// what each channel heard can be read back.
//
// Enable it with
//
//	m := simmedia.Enable(&opts, simmedia.Config{SoundsDir: dir})
//	srv := pbxsim.New(opts) // srv.Close also closes m
package simmedia

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
)

// Config configures Media.
type Config struct {
	// SoundsDir is the sounds directory (sound:NAME); empty: only tone: and digits:.
	SoundsDir string
	// RecordingsDir holds stored recordings for recording:NAME.
	RecordingsDir string
	// MOHDir holds one directory of sound files per music-on-hold class
	// (MOHDir/default, ...). A class without files plays a generated tune.
	MOHDir string
	// ToneZone is the indications zone of tone: URIs ("cn", "fr", "us"; default media's).
	ToneZone string
	// HeardLimit is how much of what each channel heard is kept for Heard (the most
	// recent); 0 means 10s, negative keeps nothing.
	HeardLimit time.Duration
	// Fallback gives durations of URIs media cannot decode (number:, characters:,
	// Options.Sounds names); nil means pbxsim.FileMedia over SoundsDir.
	Fallback pbxsim.MediaSource
	// Logger gets diagnostics; nil discards.
	Logger *slog.Logger
	// NoClock leaves the media clock stopped: the caller moves frames with
	// Pacer().Tick (benchmarks, faster-than-real-time tests).
	NoClock bool
}

// GeneratedMOH is the tone string played as music on hold when a class has no files.
const GeneratedMOH = "440/250,554/250,659/250,880/250,659/250,554/250,0/500"

// Media is real audio for a pbxsim.Server. Safe for concurrent use; its
// observer methods take only its own lock and the pacer's, so they return at once.
type Media struct {
	cfg    Config
	log    *slog.Logger
	sounds *media.Sounds
	pacer  *media.Pacer
	ctx    context.Context // ends with Close: fetches of http sounds
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	chans     map[string]*leg
	bridges   map[string]*bridge
	memberOf  map[string]string // channel id -> bridge id, also for channels not up yet
	playbacks map[string]*media.Playback
	ended     map[string]heardAudio // what channels that hung up heard, the last EndedKept
	endedLog  []string
	lastURI   string // language of the last Duration asked, for the playback that follows
	lastLang  string
	muted     map[string]media.Direction // ARI mute, also for channels not up yet
	recs      map[string]*liveRec        // live recordings by the core's id
	stored    map[string]media.Audio     // finished recordings, the last RecordingsKept
	storedLog []string
	recFmt    map[string]string      // recording id -> its file format (recformat.go)
	recPlayed map[string]media.Audio // stored recordings as their files sound
	talk      map[string]*talkDet    // TALK_DETECT, also for channels not up yet
	tone      map[string]*toneDet    // TONE_DETECT, likewise; made on first use
	locals    map[string]*localPair  // Local channel halves by pair; made on first use
}

// EndedKept is how many hung-up channels' audio Heard still returns.
const EndedKept = 64

type heardAudio struct {
	pcm  []int16
	rate int
}

type leg struct {
	leg     *media.Leg
	heard   *ring // nil when HeardLimit < 0
	rtp     *rtpPort
	said    media.Source // what it says (Speak, received RTP), nil: silence
	whisper media.Source // a snoop whispering "in" into it
	cleanup []func()     // a snoop channel's taps on its target; run unlocked
	mutedIn atomic.Bool  // ARI mute "in": its channel recordings keep silence
}

// resay sets what l says: its own voice plus a snoop's whisper; m.mu held.
func (l *leg) resay() {
	switch {
	case l.whisper == nil:
		l.leg.Say(l.said, nil)
	case l.said == nil:
		l.leg.Say(l.whisper, nil)
	default:
		l.leg.Say(media.MixSources(l.said, l.whisper), nil)
	}
}

type bridge struct {
	mix     *media.Mixer
	kind    string
	members map[string]bool
	opts    map[string]media.MemberOptions // addChannel role / mute
	moh     string                         // class started by ARI moh, "" none
}

var (
	_ pbxsim.MediaObserver = (*Media)(nil)
	_ pbxsim.MediaSource   = (*Media)(nil)
	_ pbxsim.MediaIO       = (*Media)(nil)
)

// New starts the media clock; Close (or pbxsim.Server.Close) stops it.
func New(cfg Config) *Media {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HeardLimit == 0 {
		cfg.HeardLimit = 10 * time.Second
	}
	if cfg.Fallback == nil {
		cfg.Fallback = &pbxsim.FileMedia{Dir: cfg.SoundsDir}
	}
	s := media.NewSounds(cfg.SoundsDir)
	s.RecordingsDir, s.ToneZone = cfg.RecordingsDir, cfg.ToneZone
	m := &Media{
		cfg: cfg, log: cfg.Logger, sounds: s,
		pacer: media.NewPacer(media.PacerConfig{Logger: cfg.Logger}),
		chans: map[string]*leg{}, bridges: map[string]*bridge{}, memberOf: map[string]string{},
		playbacks: map[string]*media.Playback{}, ended: map[string]heardAudio{},
		muted: map[string]media.Direction{}, recs: map[string]*liveRec{}, stored: map[string]media.Audio{},
		talk: map[string]*talkDet{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.ctx, m.cancel = ctx, cancel
	if cfg.NoClock {
		return m
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		_ = m.pacer.Run(ctx)
	}()
	return m
}

// Enable creates Media and sets it as opts' Observer and Media source; the
// server's Close closes it. opts.Sounds (fixed durations) stay the fallback.
func Enable(opts *pbxsim.Options, cfg Config) *Media {
	if cfg.SoundsDir == "" {
		cfg.SoundsDir = opts.SoundsDir
	}
	if cfg.Logger == nil {
		cfg.Logger = opts.Logger
	}
	if cfg.Fallback == nil {
		cfg.Fallback = &pbxsim.FileMedia{Dir: cfg.SoundsDir, Fixed: opts.Sounds}
	}
	m := New(cfg)
	opts.Observer, opts.Media = m, m
	return m
}

// Pacer is the media clock (for its Stats).
func (m *Media) Pacer() *media.Pacer { return m.pacer }

// Close stops the clock and every RTP receiver, and releases all legs.
func (m *Media) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	legs := m.chans
	m.chans = map[string]*leg{}
	recs := m.recs
	m.recs = map[string]*liveRec{}
	m.mu.Unlock()
	m.cancel()
	for _, r := range recs {
		r.stop()
	}
	for _, l := range legs {
		l.release()
	}
	m.wg.Wait()
	return nil
}

func (l *leg) release() {
	l.leg.Close()
	if l.rtp != nil {
		l.rtp.close()
	}
}

// Duration implements pbxsim.MediaSource from the decoded audio.
func (m *Media) Duration(uri, language string) (time.Duration, error) {
	m.mu.Lock()
	m.lastURI, m.lastLang = uri, language
	m.mu.Unlock()
	if isHTTP(uri) {
		// Fetching is slow: the fallback reads only the header.
		return m.cfg.Fallback.Duration(uri, language)
	}
	src, err := m.sounds.Open(context.Background(), uri, language, media.Rate8k)
	if err != nil {
		return m.cfg.Fallback.Duration(uri, language)
	}
	d, finite := src.Duration()
	if !finite {
		return pbxsim.Forever, nil
	}
	return d, nil
}

func isHTTP(uri string) bool {
	return strings.HasPrefix(uri, "sound:http://") || strings.HasPrefix(uri, "sound:https://")
}

// ChannelUp implements pbxsim.MediaObserver: the channel gets a leg.
func (m *Media) ChannelUp(ch pbxsim.MediaChannel) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.chans[ch.ID] != nil {
		return
	}
	rate := media.Rate8k
	var f media.Format
	if ch.RTP != nil {
		var err error
		if f, err = media.LookupFormat(ch.Format); err != nil {
			m.log.Warn("externalMedia format not carried: audio is silence", "channel", ch.ID, "format", ch.Format)
		} else {
			rate = f.SampleRate
		}
	} else if r := media.FormatRate(ch.Format); r != 0 {
		rate = r // the channel's codec (originate formats): wideband legs run at 16 kHz
	}
	l := &leg{leg: m.pacer.NewLeg(media.LegConfig{Rate: rate})}
	if m.cfg.HeardLimit > 0 {
		l.heard = newRing(rate, m.cfg.HeardLimit)
		l.leg.Tap(media.DirOut, l.heard)
	}
	if ch.RTP != nil && f.Codec != 0 {
		p := newRTPPort(ch.RTP, ch.Remote, f, m.log)
		l.rtp = p
		l.said = p.in
		l.leg.Say(p.in, nil)
		l.leg.SetSink(p)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			p.receive()
		}()
	}
	m.chans[ch.ID] = l
	l.leg.Mute(m.muted[ch.ID])
	l.mutedIn.Store(m.muted[ch.ID]&media.DirIn != 0)
	if b := m.bridges[m.memberOf[ch.ID]]; b != nil {
		b.mix.Add(l.leg, b.opts[ch.ID])
	}
	if d := m.talk[ch.ID]; d != nil {
		d.remove = l.leg.Tap(media.DirIn, d)
	}
	m.toneUp(ch.ID, l)
	m.localUp(ch)
}

// ChannelGone implements pbxsim.MediaObserver: the leg is released.
func (m *Media) ChannelGone(id string) {
	m.mu.Lock()
	l := m.chans[id]
	delete(m.chans, id)
	delete(m.memberOf, id)
	delete(m.muted, id)
	delete(m.talk, id)
	delete(m.tone, id)
	m.localGone(id)
	m.mu.Unlock()
	if l == nil {
		return
	}
	for _, f := range l.cleanup {
		f()
	}
	l.release() // the leg is gone: its ring is written no more
	if l.heard == nil {
		return
	}
	pcm := l.heard.samples()
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ended[id]; !ok {
		m.endedLog = append(m.endedLog, id)
	}
	m.ended[id] = heardAudio{pcm: pcm, rate: l.leg.Rate()}
	if len(m.endedLog) > EndedKept {
		delete(m.ended, m.endedLog[0])
		m.endedLog = m.endedLog[1:]
	}
}

// BridgeChanged implements pbxsim.MediaObserver: members join and leave the mixer.
func (m *Media) BridgeChanged(bridgeID, kind string, ids []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bridges[bridgeID]
	if ids == nil {
		if b != nil {
			for id := range b.members {
				if m.memberOf[id] == bridgeID {
					delete(m.memberOf, id)
				}
			}
			b.mix.Close()
			delete(m.bridges, bridgeID)
		}
		return
	}
	if m.closed {
		return
	}
	if b == nil {
		mode := media.Mixing
		if kind == "holding" {
			mode = media.Holding
		}
		b = &bridge{mix: m.pacer.NewMixer(mode), kind: kind, members: map[string]bool{}, opts: map[string]media.MemberOptions{}}
		m.bridges[bridgeID] = b
		if kind == "holding" {
			// Asterisk's holding bridge plays MOH to its participants by default.
			b.mix.SetGenerator(m.moh("default"))
		}
	}
	now := make(map[string]bool, len(ids))
	for _, id := range ids {
		now[id] = true
		if b.members[id] {
			continue
		}
		m.memberOf[id] = bridgeID
		if l := m.chans[id]; l != nil {
			b.mix.Add(l.leg, b.opts[id])
		}
	}
	for id := range b.members {
		if now[id] {
			continue
		}
		if m.memberOf[id] == bridgeID {
			delete(m.memberOf, id)
		}
		delete(b.opts, id)
		if l := m.chans[id]; l != nil {
			b.mix.Remove(l.leg)
		}
	}
	b.members = now
}

// PlaybackStarted implements pbxsim.MediaObserver: uri plays into the target.
func (m *Media) PlaybackStarted(playbackID, target, uri string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	lang := ""
	if uri == m.lastURI {
		lang = m.lastLang
	}
	kind, id, _ := strings.Cut(target, ":")
	var l *leg
	var b *bridge
	rate := media.Rate8k
	switch kind {
	case "channel":
		if l = m.chans[id]; l == nil {
			return
		}
		rate = l.leg.Rate()
	case "bridge":
		if b = m.bridges[id]; b == nil {
			return
		}
	default:
		return
	}
	if isHTTP(uri) {
		// Fetched off the server's lock; the playback starts when the audio is here.
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
			defer cancel()
			src, err := m.sounds.Open(ctx, uri, lang, rate)
			if err != nil {
				return
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			if _, ok := m.playbacks[playbackID]; ok {
				m.play(playbackID, l, b, src)
			}
		}()
		m.playbacks[playbackID] = nil
		return
	}
	if key, ok := strings.CutPrefix(uri, "recording:"); ok {
		if a, kept := m.stored[key]; kept {
			// A stored recording kept in memory (the core names it by its id),
			// as its file sounds (recformat.go).
			m.playStored(playbackID, l, b, key, a, rate)
			return
		}
	}
	src, err := m.sounds.Open(context.Background(), uri, lang, rate)
	if err != nil {
		return // the core fails or times the playback; the channel hears silence
	}
	m.play(playbackID, l, b, src)
}

// play starts src on l or b; m.mu held.
func (m *Media) play(id string, l *leg, b *bridge, src media.Source) {
	if l != nil {
		m.playbacks[id] = l.leg.Play(src, nil)
	} else {
		m.playbacks[id] = b.mix.Play(src, nil)
	}
}

// PlaybackStopped implements pbxsim.MediaObserver.
func (m *Media) PlaybackStopped(playbackID, _ string) {
	m.mu.Lock()
	pb := m.playbacks[playbackID]
	delete(m.playbacks, playbackID)
	m.mu.Unlock()
	if pb != nil {
		pb.Stop()
	}
}

// MOH implements pbxsim.MediaObserver: music on hold of class on the target.
func (m *Media) MOH(target, class string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	kind, id, _ := strings.Cut(target, ":")
	switch kind {
	case "channel":
		if l := m.chans[id]; l != nil {
			if class == "" {
				l.leg.SetGenerator(nil)
			} else {
				l.leg.SetGenerator(m.moh(class))
			}
		}
	case "bridge":
		b := m.bridges[id]
		if b == nil {
			return
		}
		b.moh = class
		switch {
		case class != "":
			b.mix.SetGenerator(m.moh(class))
		case b.kind == "holding":
			b.mix.SetGenerator(m.moh("default"))
		default:
			b.mix.SetGenerator(nil)
		}
	}
}

// moh is an endless source of class: its files, else the generated tune.
func (m *Media) moh(class string) media.Source {
	if m.cfg.MOHDir != "" && !strings.ContainsAny(class, `/\`) && class != ".." {
		if src, err := m.sounds.MOH(filepath.Join(m.cfg.MOHDir, class), media.Rate8k); err == nil {
			return src
		}
	}
	t, err := media.NewTone(GeneratedMOH, media.Rate8k)
	if err != nil {
		return media.Silence{SampleRate: media.Rate8k}
	}
	return t
}

// Heard implements pbxsim.MediaIO: the most recent audio the channel heard,
// also for the last EndedKept channels that hung up.
func (m *Media) Heard(channelID string) ([]int16, int, error) {
	m.mu.Lock()
	l := m.chans[channelID]
	e, ended := m.ended[channelID]
	m.mu.Unlock()
	if l == nil && ended {
		return append([]int16(nil), e.pcm...), e.rate, nil
	}
	if l == nil {
		return nil, 0, fmt.Errorf("heard %s: no media (never answered, or gone long ago): %w", channelID, pbxsim.ErrChannelNotFound)
	}
	if l.heard == nil {
		return nil, l.leg.Rate(), nil
	}
	return l.heard.samples(), l.leg.Rate(), nil
}

// Speak implements pbxsim.MediaIO: the channel says uri from now on.
func (m *Media) Speak(channelID, uri string) error {
	m.mu.Lock()
	l := m.chans[channelID]
	m.mu.Unlock()
	if l == nil {
		return fmt.Errorf("speak %s: no media (not answered or gone): %w", channelID, pbxsim.ErrChannelNotFound)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	src, err := m.sounds.Open(ctx, uri, "", l.leg.Rate())
	if err != nil {
		if errors.Is(err, media.ErrSoundNotFound) || errors.Is(err, media.ErrBadMediaURI) || errors.Is(err, media.ErrBadTone) {
			return fmt.Errorf("speak %s: %w: %w", channelID, pbxsim.ErrBadInput, err)
		}
		return fmt.Errorf("speak %s: %w", channelID, err)
	}
	m.mu.Lock()
	l.said = src
	l.resay()
	m.mu.Unlock()
	return nil
}

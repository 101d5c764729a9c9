// Package config loads liandong's configuration: built-in defaults, then a
// YAML file, then LIANDONG_* environment variables, then command-line
// overrides, each later source winning. Loading is strict: an unknown key,
// a value of the wrong type or an invalid setting fails with a message that
// names the key, the value and what is allowed, so nothing starts
// half-configured.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is the whole configuration of one liandong instance.
type Config struct {
	// Instance names this gateway instance in logs and in Redis (several
	// instances may serve one hotline).
	Instance  string    `yaml:"instance"`
	ARI       ARI       `yaml:"ari"`
	Redis     Redis     `yaml:"redis"`
	HTTP      HTTP      `yaml:"http"`
	Queues    []Queue   `yaml:"queues"`
	Targets   []Target  `yaml:"transfer_targets"`
	Prompts   Prompts   `yaml:"prompts"`
	Log       Log       `yaml:"log"`
	CallLog   CallLog   `yaml:"calllog"`
	Shutdown  Shutdown  `yaml:"shutdown"`
	Files     FilePaths `yaml:"files"`
	Knowledge Knowledge `yaml:"knowledge"`
}

// Knowledge configures the FAQ service.
type Knowledge struct {
	// NoAnswer is what the text channel says when the FAQ has no answer.
	NoAnswer string `yaml:"no_answer"`
	// ImportIfEmpty loads files.faq and files.lexicon into Redis when Redis
	// holds none yet.
	ImportIfEmpty bool `yaml:"import_if_empty"`
}

// ARI is how the gateway reaches Asterisk's REST Interface.
type ARI struct {
	// Application is the Stasis application name (ari.conf user's app).
	Application string `yaml:"application"`
	// URLs lists one base URL per Asterisk node, e.g. http://127.0.0.1:8088.
	URLs []string `yaml:"urls"`
	// User is the ari.conf user.
	User string `yaml:"user"`
	// Password is the ari.conf password; prefer PasswordFile or the
	// LIANDONG_ARI_PASSWORD environment variable.
	Password Secret `yaml:"password"`
	// PasswordFile names a file whose first line is the password.
	PasswordFile string `yaml:"password_file"`
	// RequestTimeout bounds every ARI REST request.
	RequestTimeout Duration `yaml:"request_timeout"`
	// ReconnectMin and ReconnectMax bound the event socket's reconnect backoff.
	ReconnectMin Duration `yaml:"reconnect_min"`
	ReconnectMax Duration `yaml:"reconnect_max"`
}

// Redis selects the Redis deployment through go-redis's UniversalClient.
type Redis struct {
	// Mode is single, sentinel or cluster.
	Mode string `yaml:"mode"`
	// URL is a redis:// or rediss:// URL, used in single mode.
	URL string `yaml:"url"`
	// Addrs are host:port seeds for sentinel or cluster mode.
	Addrs []string `yaml:"addrs"`
	// MasterName is the Sentinel master set name.
	MasterName string `yaml:"master_name"`
	// DB is the database number (single and sentinel modes).
	DB int `yaml:"db"`
	// Username and Password authenticate (Redis 6 ACL or requirepass).
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	// SentinelPassword authenticates to the sentinels themselves.
	SentinelPassword Secret `yaml:"sentinel_password"`
	TLS              TLS    `yaml:"tls"`
	// KeyPrefix namespaces every key liandong writes.
	KeyPrefix   string   `yaml:"key_prefix"`
	DialTimeout Duration `yaml:"dial_timeout"`
}

// TLS configures TLS to Redis.
type TLS struct {
	Enabled            bool   `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// HTTP is the API and web console listener.
type HTTP struct {
	// Listen is host:port. Until authentication lands it must be a loopback
	// address unless AllowNonLoopback is set.
	Listen           string `yaml:"listen"`
	AllowNonLoopback bool   `yaml:"allow_non_loopback"`
	// PublicURL is how Asterisk and browsers reach this listener (used for
	// sound:http://... URLs of spoken answers). Empty: derived from Listen.
	PublicURL string `yaml:"public_url"`
}

// Queue is one ACD queue of agents.
type Queue struct {
	Name string `yaml:"name"`
	// DisplayName is what agents and supervisors read.
	DisplayName string `yaml:"display_name"`
	// MaxWait sends a caller on to the overflow after this long.
	MaxWait Duration `yaml:"max_wait"`
	// RingTimeout is how long one agent's phone rings before the next.
	RingTimeout Duration `yaml:"ring_timeout"`
	// MusicClass is the Asterisk musiconhold class played while waiting.
	MusicClass string `yaml:"music_class"`
}

// Target is a warm-transfer destination reachable with one click.
type Target struct {
	// Code is what agents click: 110, 12345, 119, 120, 122 or a utility line.
	Code string `yaml:"code"`
	// Name is what agents read.
	Name string `yaml:"name"`
	// Queue names an internal queue; exactly one of Queue and Dial is set.
	Queue string `yaml:"queue"`
	// Dial is an Asterisk endpoint, e.g. PJSIP/110@trunk.
	Dial string `yaml:"dial"`
	// CallerID presented on an external dial.
	CallerID string `yaml:"caller_id"`
}

// Prompts says where sounds live and how text is spoken.
type Prompts struct {
	// SoundsDir holds prompt wav files (8 kHz mono).
	SoundsDir string `yaml:"sounds_dir"`
	// SoundPrefix is prepended to prompt names in sound: URIs, matching the
	// folder under Asterisk's sounds directory.
	SoundPrefix string `yaml:"sound_prefix"`
	TTS         TTS    `yaml:"tts"`
}

// TTS selects the engine that speaks FAQ answers.
type TTS struct {
	// Engine is espeak-ng, http or none.
	Engine string `yaml:"engine"`
	// Voice is the espeak-ng voice.
	Voice string `yaml:"voice"`
	// URL is the HTTP engine's endpoint.
	URL string `yaml:"url"`
	// CacheDir keeps rendered answers, keyed by content hash.
	CacheDir string `yaml:"cache_dir"`
	// CacheMaxMB bounds the cache; the least recently used go first.
	CacheMaxMB int `yaml:"cache_max_mb"`
	// RenderTimeout is how long a caller waits for one rendering.
	RenderTimeout Duration `yaml:"render_timeout"`
}

// Log configures log/slog.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
}

// CallLog configures the call event streams.
type CallLog struct {
	// SpoolDir keeps events while Redis is unreachable.
	SpoolDir string `yaml:"spool_dir"`
	// StreamMaxLen trims each stream to about this many entries (0: no trim).
	StreamMaxLen int64 `yaml:"stream_max_len"`
	// StreamMaxAge trims entries older than this instead (XADD MINID; 0:
	// none). At most one of stream_max_len and stream_max_age is set.
	StreamMaxAge Duration `yaml:"stream_max_age"`
	// RecordTTL is how long a call record hash is kept after the call ends.
	RecordTTL Duration `yaml:"record_ttl"`
	// Hotlines are the lines with their own streams (events, work orders,
	// feedback) and KPIs.
	Hotlines []string `yaml:"hotlines"`
	// TimeZone is where KPI days and months begin.
	TimeZone string `yaml:"time_zone"`
}

// Shutdown bounds the graceful drain on SIGTERM.
type Shutdown struct {
	DrainTimeout Duration `yaml:"drain_timeout"`
}

// FilePaths names the other configuration files.
type FilePaths struct {
	IVR     string `yaml:"ivr"`
	Catalog string `yaml:"catalog"`
	FAQ     string `yaml:"faq"`
	// Lexicon is the FAQ search's synonym, homophone and concept table.
	Lexicon string `yaml:"lexicon"`
}

// Secret is a string that never prints.
type Secret string

// String redacts the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "******"
}

// GoString redacts the value in %#v.
func (s Secret) GoString() string { return `config.Secret("******")` }

// Reveal returns the clear value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// MarshalYAML redacts the value when a config is printed.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Duration is a time.Duration written as "5s", "100ms", "1h".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the duration as Go does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes the duration as text.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Default returns the built-in defaults: what `liandong demo` runs with and
// what every file setting overrides.
func Default() Config {
	return Config{
		Instance: "liandong-1",
		ARI: ARI{
			Application:    "liandong",
			URLs:           []string{"http://127.0.0.1:8088"},
			User:           "liandong",
			RequestTimeout: Duration(5 * time.Second),
			ReconnectMin:   Duration(100 * time.Millisecond),
			ReconnectMax:   Duration(10 * time.Second),
		},
		Redis: Redis{
			Mode:        "single",
			URL:         "redis://127.0.0.1:6379/0",
			KeyPrefix:   "liandong:",
			DialTimeout: Duration(2 * time.Second),
		},
		HTTP: HTTP{Listen: "127.0.0.1:8080"},
		Queues: []Queue{
			{Name: "12345", DisplayName: "12345 政务服务便民热线", MaxWait: Duration(5 * time.Minute), RingTimeout: Duration(15 * time.Second), MusicClass: "default"},
			{Name: "110", DisplayName: "110 报警服务台", MaxWait: Duration(5 * time.Minute), RingTimeout: Duration(10 * time.Second), MusicClass: "default"},
		},
		Targets: []Target{
			{Code: "110", Name: "110 报警服务台", Queue: "110"},
			{Code: "12345", Name: "12345 政务服务便民热线", Queue: "12345"},
			{Code: "119", Name: "119 火警", Dial: "PJSIP/119@trunk"},
			{Code: "120", Name: "120 急救", Dial: "PJSIP/120@trunk"},
			{Code: "122", Name: "122 交通事故报警", Dial: "PJSIP/122@trunk"},
		},
		Prompts: Prompts{
			SoundsDir:   "configs/sounds",
			SoundPrefix: "liandong",
			TTS:         TTS{Engine: "espeak-ng", Voice: "cmn-latn-pinyin", CacheDir: "var/tts", CacheMaxMB: 256, RenderTimeout: Duration(3 * time.Second)},
		},
		Log:      Log{Level: "info", Format: "text"},
		CallLog:  CallLog{SpoolDir: "var/spool", StreamMaxLen: 1_000_000, RecordTTL: Duration(90 * 24 * time.Hour), Hotlines: []string{"12345", "110"}, TimeZone: "Asia/Shanghai"},
		Shutdown: Shutdown{DrainTimeout: Duration(30 * time.Second)},
		Files:    FilePaths{IVR: "configs/ivr.yaml", Catalog: "configs/catalog.yaml", FAQ: "configs/faq.yaml", Lexicon: "configs/kb-lexicon.yaml"},
		Knowledge: Knowledge{
			NoAnswer:      "抱歉，知识库中暂时没有找到这个问题的答复，请拨打12345转人工服务，或换个说法再问。",
			ImportIfEmpty: true,
		},
	}
}

// ErrInvalid marks every configuration error, so callers can tell a bad
// configuration (exit status 2, fix the file) from an I/O failure.
var ErrInvalid = errors.New("invalid configuration")

// FieldError names the key, the offending value and what is allowed.
type FieldError struct {
	// Source is the file:line, environment variable or flag that set it.
	Source string
	Key    string
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	b.WriteString(e.Key)
	if e.Value != "" {
		fmt.Fprintf(&b, ": %q", e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Validate checks every setting and resolves secrets from files. It returns
// all problems at once, joined.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, value, reason string) {
		errs = append(errs, &FieldError{Key: key, Value: value, Reason: reason})
	}
	if strings.TrimSpace(c.Instance) == "" {
		bad("instance", c.Instance, "must not be empty")
	}

	if c.ARI.Application == "" {
		bad("ari.application", "", "must name the Stasis application (as in ari.conf and extensions.conf)")
	}
	if len(c.ARI.URLs) == 0 {
		bad("ari.urls", "", "needs at least one Asterisk base URL, e.g. http://127.0.0.1:8088")
	}
	for i, u := range c.ARI.URLs {
		if err := checkURL(u, "http", "https"); err != nil {
			bad(fmt.Sprintf("ari.urls[%d]", i), u, err.Error()+" (want http://host:port of Asterisk's HTTP server)")
		}
	}
	if c.ARI.User == "" {
		bad("ari.user", "", "must name the ari.conf user")
	}
	positive := func(key string, d Duration) {
		if d <= 0 {
			bad(key, d.String(), "must be a positive duration such as 5s or 100ms")
		}
	}
	positive("ari.request_timeout", c.ARI.RequestTimeout)
	positive("ari.reconnect_min", c.ARI.ReconnectMin)
	positive("ari.reconnect_max", c.ARI.ReconnectMax)
	if c.ARI.ReconnectMax < c.ARI.ReconnectMin {
		bad("ari.reconnect_max", c.ARI.ReconnectMax.String(), "must not be below ari.reconnect_min ("+c.ARI.ReconnectMin.String()+")")
	}
	if c.ARI.PasswordFile != "" {
		if c.ARI.Password != "" {
			bad("ari.password_file", c.ARI.PasswordFile, "set either ari.password or ari.password_file, not both")
		} else if p, err := readSecretFile(c.ARI.PasswordFile); err != nil {
			bad("ari.password_file", c.ARI.PasswordFile, err.Error())
		} else {
			c.ARI.Password = p
		}
	}

	switch c.Redis.Mode {
	case "single":
		if err := checkURL(c.Redis.URL, "redis", "rediss", "unix"); err != nil {
			bad("redis.url", c.Redis.URL, err.Error()+" (want redis://[user:password@]host:port/db or rediss:// for TLS)")
		}
	case "sentinel", "cluster":
		if len(c.Redis.Addrs) == 0 {
			bad("redis.addrs", "", "needs at least one host:port in "+c.Redis.Mode+" mode")
		}
		for i, a := range c.Redis.Addrs {
			if _, _, err := net.SplitHostPort(a); err != nil {
				bad(fmt.Sprintf("redis.addrs[%d]", i), a, "is not host:port")
			}
		}
		if c.Redis.Mode == "sentinel" && c.Redis.MasterName == "" {
			bad("redis.master_name", "", "is required in sentinel mode")
		}
	default:
		bad("redis.mode", c.Redis.Mode, "allowed: single, sentinel, cluster")
	}
	if c.Redis.DB < 0 {
		bad("redis.db", fmt.Sprint(c.Redis.DB), "must be 0 or more")
	}
	if c.Redis.Mode == "cluster" && c.Redis.DB != 0 {
		bad("redis.db", fmt.Sprint(c.Redis.DB), "must be 0 in cluster mode")
	}
	if c.Redis.KeyPrefix == "" {
		bad("redis.key_prefix", "", "must not be empty: it keeps liandong's keys apart from others'")
	}
	positive("redis.dial_timeout", c.Redis.DialTimeout)
	if c.Redis.PasswordFile != "" {
		if c.Redis.Password != "" {
			bad("redis.password_file", c.Redis.PasswordFile, "set either redis.password or redis.password_file, not both")
		} else if p, err := readSecretFile(c.Redis.PasswordFile); err != nil {
			bad("redis.password_file", c.Redis.PasswordFile, err.Error())
		} else {
			c.Redis.Password = p
		}
	}
	for _, f := range []struct{ key, path string }{
		{"redis.tls.ca_file", c.Redis.TLS.CAFile},
		{"redis.tls.cert_file", c.Redis.TLS.CertFile},
		{"redis.tls.key_file", c.Redis.TLS.KeyFile},
	} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			bad(f.key, f.path, "cannot be read: "+err.Error())
		}
	}
	if (c.Redis.TLS.CertFile == "") != (c.Redis.TLS.KeyFile == "") {
		bad("redis.tls.cert_file", c.Redis.TLS.CertFile, "cert_file and key_file go together")
	}

	host, _, err := net.SplitHostPort(c.HTTP.Listen)
	if err != nil {
		bad("http.listen", c.HTTP.Listen, "is not host:port, e.g. 127.0.0.1:8080")
	} else if !c.HTTP.AllowNonLoopback && !isLoopback(host) {
		bad("http.listen", c.HTTP.Listen, "must be a loopback address until the API authenticates its users (set http.allow_non_loopback: true to override)")
	}
	if c.HTTP.PublicURL != "" {
		if err := checkURL(c.HTTP.PublicURL, "http", "https"); err != nil {
			bad("http.public_url", c.HTTP.PublicURL, err.Error())
		}
	}

	queues := map[string]bool{}
	for i, q := range c.Queues {
		key := fmt.Sprintf("queues[%d]", i)
		switch {
		case q.Name == "":
			bad(key+".name", "", "must not be empty")
		case queues[q.Name]:
			bad(key+".name", q.Name, "is defined twice")
		}
		queues[q.Name] = true
		positive(key+".max_wait", q.MaxWait)
		positive(key+".ring_timeout", q.RingTimeout)
	}
	codes := map[string]bool{}
	for i, t := range c.Targets {
		key := fmt.Sprintf("transfer_targets[%d]", i)
		if t.Code == "" {
			bad(key+".code", "", "must not be empty (e.g. 110)")
		} else if codes[t.Code] {
			bad(key+".code", t.Code, "is defined twice")
		}
		codes[t.Code] = true
		switch {
		case t.Queue == "" && t.Dial == "":
			bad(key, t.Code, "needs either queue (an internal queue) or dial (an Asterisk endpoint such as PJSIP/110@trunk)")
		case t.Queue != "" && t.Dial != "":
			bad(key, t.Code, "set queue or dial, not both")
		case t.Queue != "" && !queues[t.Queue]:
			bad(key+".queue", t.Queue, "names no queue in queues")
		case t.Dial != "" && !strings.Contains(t.Dial, "/"):
			bad(key+".dial", t.Dial, "is not an Asterisk endpoint of the form TECH/resource")
		}
	}

	switch c.Prompts.TTS.Engine {
	case "espeak-ng", "none":
	case "http":
		if err := checkURL(c.Prompts.TTS.URL, "http", "https"); err != nil {
			bad("prompts.tts.url", c.Prompts.TTS.URL, err.Error()+" (required when prompts.tts.engine is http)")
		}
	default:
		bad("prompts.tts.engine", c.Prompts.TTS.Engine, "allowed: espeak-ng, http, none")
	}

	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", c.Log.Level, "allowed: debug, info, warn, error")
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", c.Log.Format, "allowed: text, json")
	}
	if c.CallLog.SpoolDir == "" {
		bad("calllog.spool_dir", "", "must name a directory for events kept while Redis is down")
	}
	if c.CallLog.StreamMaxLen > 0 && c.CallLog.StreamMaxAge > 0 {
		bad("calllog.stream_max_age", c.CallLog.StreamMaxAge.String(), "set either stream_max_len or stream_max_age (use 0 for the other)")
	}
	if c.CallLog.StreamMaxAge < 0 {
		bad("calllog.stream_max_age", c.CallLog.StreamMaxAge.String(), "must be 0 (no age trimming) or a positive duration")
	}
	if c.CallLog.StreamMaxLen < 0 {
		bad("calllog.stream_max_len", fmt.Sprint(c.CallLog.StreamMaxLen), "must be 0 (no trimming) or positive")
	}
	positive("calllog.record_ttl", c.CallLog.RecordTTL)
	if len(c.CallLog.Hotlines) == 0 {
		bad("calllog.hotlines", "", "needs at least one hotline, e.g. [12345, 110]")
	}
	if _, err := time.LoadLocation(c.CallLog.TimeZone); err != nil {
		bad("calllog.time_zone", c.CallLog.TimeZone, "is not a time zone name such as Asia/Shanghai")
	}
	positive("shutdown.drain_timeout", c.Shutdown.DrainTimeout)
	positive("prompts.tts.render_timeout", c.Prompts.TTS.RenderTimeout)
	if c.Prompts.TTS.CacheMaxMB <= 0 {
		bad("prompts.tts.cache_max_mb", fmt.Sprint(c.Prompts.TTS.CacheMaxMB), "must be a positive number of megabytes")
	}
	if strings.TrimSpace(c.Knowledge.NoAnswer) == "" {
		bad("knowledge.no_answer", "", "must say what the text channel answers when the FAQ has none")
	}
	return errors.Join(errs...)
}

func checkURL(raw string, schemes ...string) error {
	if raw == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("is not a URL: %v", err)
	}
	ok := false
	for _, s := range schemes {
		if u.Scheme == s {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("has scheme %q (allowed: %s)", u.Scheme, strings.Join(schemes, ", "))
	}
	if u.Scheme != "unix" && u.Host == "" {
		return errors.New("has no host")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func readSecretFile(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot be read: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", errors.New("is empty")
	}
	return Secret(line), nil
}

package ari

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// NodeConfig is one Asterisk node the gateway drives.
type NodeConfig struct {
	// Name labels the node in events, logs and errors; defaults to the URL host.
	Name string `yaml:"name"`
	// URL is the ARI base URL, e.g. http://127.0.0.1:8088/ari.
	URL string `yaml:"url"`
	// Username and Password are an ari.conf user.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// App is the Stasis application name (extensions.conf: Stasis(App)).
	App string `yaml:"app"`
}

// Validate reports what is wrong with the configuration, naming the field.
func (c NodeConfig) Validate() error {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return fmt.Errorf("%w: node %q: url is empty", ErrConfig, c.Name)
	case err != nil:
		return fmt.Errorf("%w: node %q: url: %v", ErrConfig, c.Name, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: node %q: url scheme %q is not http or https", ErrConfig, c.Name, u.Scheme)
	case u.Host == "":
		return fmt.Errorf("%w: node %q: url has no host", ErrConfig, c.Name)
	case c.Username == "":
		return fmt.Errorf("%w: node %q: username is empty", ErrConfig, c.Name)
	case c.App == "":
		return fmt.Errorf("%w: node %q: app is empty", ErrConfig, c.Name)
	case strings.ContainsAny(c.App, "/?&#, "):
		return fmt.Errorf("%w: node %q: app %q has characters Asterisk does not accept", ErrConfig, c.Name, c.App)
	}
	return nil
}

func (c NodeConfig) withDefaults() NodeConfig {
	if c.Name == "" {
		if u, err := url.Parse(c.URL); err == nil {
			c.Name = u.Host
		}
	}
	c.URL = strings.TrimRight(c.URL, "/")
	return c
}

// Defaults for Options.
const (
	DefaultRequestTimeout  = 5 * time.Second
	DefaultDialTimeout     = 5 * time.Second
	DefaultPingInterval    = 5 * time.Second
	DefaultPongTimeout     = 3 * time.Second
	DefaultBackoffMin      = 100 * time.Millisecond
	DefaultBackoffMax      = 5 * time.Second
	DefaultConnectAttempts = 5
	DefaultReadLimit       = 4 << 20
)

// Options tune the adapter; the zero value takes the defaults above.
type Options struct {
	// Logger receives adapter logs; nil discards them.
	Logger *slog.Logger
	// HTTPClient carries REST and the WebSocket handshake; nil builds one
	// with a keep-alive pool sized for many concurrent calls.
	HTTPClient *http.Client
	// RequestTimeout bounds every REST request (the caller's context may be
	// shorter).
	RequestTimeout time.Duration
	// DialTimeout bounds one WebSocket handshake.
	DialTimeout time.Duration
	// PingInterval is how often the event socket is pinged; a pong missing
	// for PongTimeout closes the socket and reconnects.
	PingInterval time.Duration
	PongTimeout  time.Duration
	// BackoffMin and BackoffMax bound the reconnect delay, which doubles
	// per failed attempt with ±50% jitter.
	BackoffMin time.Duration
	BackoffMax time.Duration
	// ConnectAttempts bounds the attempts of a node's first connection in
	// Open. A 401 is never retried.
	ConnectAttempts int
	// ReconnectAttempts bounds consecutive failed reconnects after which a
	// node gives up (TypeNodeDown); 0 retries until Close.
	ReconnectAttempts int
	// ReadLimit is the largest event accepted, in bytes.
	ReadLimit int64
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 128
		o.HTTPClient = &http.Client{Transport: t}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.RequestTimeout, DefaultRequestTimeout)
	def(&o.DialTimeout, DefaultDialTimeout)
	def(&o.PingInterval, DefaultPingInterval)
	def(&o.PongTimeout, DefaultPongTimeout)
	def(&o.BackoffMin, DefaultBackoffMin)
	def(&o.BackoffMax, DefaultBackoffMax)
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = o.BackoffMin
	}
	if o.ConnectAttempts <= 0 {
		o.ConnectAttempts = DefaultConnectAttempts
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	return o
}

// backoff returns the delay before attempt n (0-based): min·2ⁿ capped at
// max, with ±50% jitter so that gateways restarted together do not reconnect
// in lockstep.
func backoff(n int, min, max time.Duration) time.Duration {
	d := min
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	j := time.Duration(rand.Int64N(int64(d)+1)) - d/2
	return d + j
}

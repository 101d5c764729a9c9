// Package media serves rendered speech (knowledge/tts) to Asterisk and
// builds the sound URIs the gateway plays.
//
// Asterisk plays "sound:http://host/media/tts/<hash>.wav" through
// res_http_media_cache: it fetches the URL once, keeps the file in its
// cache and plays it from there. The URL names the content hash, so a
// changed text is a new URL and the cache can never play stale audio; the
// path ends in .wav and the answer says audio/x-wav so Asterisk picks its
// wav format reader. Alternatively the tts cache directory is a shared
// sounds directory Asterisk reads itself ("sound:<prefix>/<hash>").
package media

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"strings"

	"liandong/knowledge/tts"
)

// Path is where the handler is mounted: GET and HEAD <Path><hash>.wav.
const Path = "/media/tts/"

// ContentType is what Asterisk maps to its wav format.
const ContentType = "audio/x-wav"

// Store finds rendered items by hash (a *tts.Cache).
type Store interface {
	Lookup(hash string) (tts.Item, bool)
}

var _ Store = (*tts.Cache)(nil)

// Options configure the handler.
type Options struct {
	Store Store
	// Allow, if set, lists the networks that may fetch (the Asterisk
	// hosts); others get 403. The names are unguessable 128-bit hashes of
	// texts every caller hears, so an open endpoint leaks nothing private,
	// but a closed one is cheaper to reason about.
	Allow  []netip.Prefix
	Logger *slog.Logger
}

// Handler serves rendered wav files. Mount it at Path.
type Handler struct {
	o Options
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns the handler over o.Store.
func NewHandler(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{o: o}
}

// ServeHTTP answers GET and HEAD of <anything>/<hash>.wav: the file with
// Content-Type audio/x-wav, Content-Length, an ETag and a long
// Cache-Control (the content behind a name never changes); Range and
// If-None-Match work. Unknown or malformed names are 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.allowed(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	hash, ok := strings.CutSuffix(path.Base(r.URL.Path), ".wav")
	if !ok || !tts.ValidHash(hash) || h.o.Store == nil {
		http.NotFound(w, r)
		return
	}
	it, ok := h.o.Store.Lookup(hash)
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(it.Path)
	if err != nil {
		// Evicted between the lookup and the open.
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		h.o.Logger.Warn("media: stat", "hash", hash, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ContentType)
	hd.Set("ETag", `"`+hash+`"`)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, hash+".wav", st.ModTime(), f)
}

func (h *Handler) allowed(r *http.Request) bool {
	if len(h.o.Allow) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range h.o.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// URIs turns a rendered item into the sound URI Asterisk plays.
type URIs interface {
	URI(it tts.Item) string
}

// HTTPURIs builds "sound:<public_url>/media/tts/<hash>.wav".
type HTTPURIs struct{ base string }

var _ URIs = HTTPURIs{}

// NewHTTPURIs takes the gateway's public base URL as Asterisk reaches it
// (config http.public_url, e.g. "http://10.0.0.5:8088" or with a path
// prefix behind a proxy).
func NewHTTPURIs(publicURL string) (HTTPURIs, error) {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return HTTPURIs{}, fmt.Errorf("media uris: public url %q: want http(s)://host[:port][/prefix]", publicURL)
	}
	return HTTPURIs{base: strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")}, nil
}

// URI implements URIs.
func (u HTTPURIs) URI(it tts.Item) string { return "sound:" + u.base + Path + it.Hash + ".wav" }

// SoundsURIs builds "sound:<prefix>/<hash>" for the shared-directory mode:
// the tts cache directory is <astdatadir>/sounds/<prefix> (or under the
// language directory), and Asterisk adds the .wav itself.
type SoundsURIs struct{ prefix string }

var _ URIs = SoundsURIs{}

// NewSoundsURIs takes the path of the cache directory relative to
// Asterisk's sounds directory, e.g. "liandong/tts".
func NewSoundsURIs(prefix string) (SoundsURIs, error) {
	p := strings.Trim(prefix, "/")
	if p == "" || strings.Contains(p, "..") || strings.ContainsAny(p, " :\\") {
		return SoundsURIs{}, fmt.Errorf("media uris: sounds prefix %q: want a relative path like liandong/tts", prefix)
	}
	return SoundsURIs{prefix: p}, nil
}

// URI implements URIs.
func (u SoundsURIs) URI(it tts.Item) string { return "sound:" + u.prefix + "/" + it.Hash }

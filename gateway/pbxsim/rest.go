package pbxsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// params are an ARI request's parameters: query string, overridden by the fields of a
// JSON object body (as Asterisk does); "variables" objects are kept apart.
type params struct {
	v    map[string]string
	vars map[string]string
}

func (p *params) get(k string) string { return p.v[k] }
func (p *params) has(k string) bool   { _, ok := p.v[k]; return ok }

// errBody is a request that must be answered with status and Asterisk's message.
type errBody struct {
	status int
	msg    string
	html   bool
}

func (e *errBody) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

// decodeParams merges query values and a JSON body; it never panics on bad input.
func decodeParams(query map[string][]string, body []byte) (*params, error) {
	p := &params{v: map[string]string{}}
	for k, vs := range query {
		if len(vs) > 0 {
			p.v[k] = vs[len(vs)-1]
		}
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return p, nil
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, &errBody{status: http.StatusBadRequest, msg: "Error parsing request body"}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return p, nil
	}
	for k, val := range obj {
		switch x := val.(type) {
		case string:
			p.v[k] = x
		case json.Number:
			p.v[k] = x.String()
		case bool:
			p.v[k] = strconv.FormatBool(x)
		case map[string]any:
			if k == "variables" {
				p.vars = map[string]string{}
				for vk, vv := range x {
					switch y := vv.(type) {
					case string:
						p.vars[vk] = y
					case json.Number:
						p.vars[vk] = y.String()
					case bool:
						p.vars[vk] = strconv.FormatBool(y)
					}
				}
			}
		}
	}
	return p, nil
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, ids []string, p *params)

type route struct {
	segs    []string // "*" matches one segment
	methods map[string]handlerFunc
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"message":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ari/", s.serveARI)
	mux.HandleFunc("/sim/", s.serveControl)
	return mux
}

func (s *Server) authorized(r *http.Request) bool {
	if u, pw, ok := r.BasicAuth(); ok {
		return u == s.opts.User && pw == s.opts.Password
	}
	if k := r.URL.Query().Get("api_key"); k != "" {
		u, pw, _ := strings.Cut(k, ":")
		return u == s.opts.User && pw == s.opts.Password
	}
	return false
}

var methodOrder = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}

func (s *Server) serveARI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Asterisk")
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeErr(w, http.StatusUnauthorized, "Authentication required")
		return
	}
	path := strings.Trim(strings.TrimPrefix(r.URL.Path, "/ari"), "/")
	if path == "events" {
		s.serveEvents(w, r)
		return
	}
	if s.applyFault(w, r, path) {
		return
	}
	segs := strings.Split(path, "/")
	// Asterisk's router stops at the first empty segment: /channels//redirect is
	// POST /channels (an originate).
	for i, seg := range segs {
		if seg == "" {
			segs = segs[:i]
			break
		}
	}
	for _, rt := range s.routes() {
		ids, ok := matchRoute(rt.segs, segs)
		if !ok {
			continue
		}
		h := rt.methods[r.Method]
		if h == nil {
			allow := []string{"OPTIONS"}
			for _, m := range methodOrder {
				if rt.methods[m] != nil {
					allow = append(allow, m)
				}
			}
			w.Header().Set("Allow", strings.Join(allow, ","))
			writeErr(w, http.StatusMethodNotAllowed, "Invalid method")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBodyBytes+1))
		if err != nil {
			writeErr(w, http.StatusBadRequest, "Error parsing request body")
			return
		}
		if int64(len(body)) > s.opts.MaxBodyBytes {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_, _ = w.Write([]byte("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>413 Request Entity Too Large</title>\r\n</head><body>\r\n<h1>Request Entity Too Large</h1>\r\n<p>Body too large</p>\r\n<hr />\r\n<address>Asterisk</address>\r\n</body></html>\r\n"))
			return
		}
		p, err := decodeParams(r.URL.Query(), body)
		if err != nil {
			var eb *errBody
			if errors.As(err, &eb) {
				writeErr(w, eb.status, eb.msg)
				return
			}
			writeErr(w, http.StatusBadRequest, "Error parsing request body")
			return
		}
		h(w, r, ids, p)
		return
	}
	writeErr(w, http.StatusNotFound, "Resource not found")
}

func matchRoute(pat, segs []string) ([]string, bool) {
	if len(pat) != len(segs) {
		return nil, false
	}
	var ids []string
	for i, p := range pat {
		if p == "*" {
			if segs[i] == "" {
				return nil, false
			}
			ids = append(ids, segs[i])
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return ids, true
}

func (s *Server) routes() []route {
	m := func(kv ...any) map[string]handlerFunc {
		out := map[string]handlerFunc{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1].(handlerFunc)
		}
		return out
	}
	G, P, D, U := http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut
	return []route{
		{[]string{"asterisk", "info"}, m(G, handlerFunc(s.hInfo))},
		{[]string{"asterisk", "ping"}, m(G, handlerFunc(s.hPing))},
		{[]string{"applications"}, m(G, handlerFunc(s.hAppList))},
		{[]string{"applications", "*"}, m(G, handlerFunc(s.hAppGet))},
		{[]string{"applications", "*", "subscription"}, m(P, handlerFunc(s.hAppSubscribe), D, handlerFunc(s.hAppUnsubscribe))},
		{[]string{"channels"}, m(G, handlerFunc(s.hChanList), P, handlerFunc(s.hOriginate))},
		{[]string{"channels", "create"}, m(P, handlerFunc(s.hChanCreate))},
		{[]string{"channels", "externalMedia"}, m(P, handlerFunc(s.hExternalMedia))},
		{[]string{"channels", "*"}, m(G, handlerFunc(s.hChanGet), P, handlerFunc(s.hOriginateID), D, handlerFunc(s.hChanHangup))},
		{[]string{"channels", "*", "answer"}, m(P, handlerFunc(s.hAnswer))},
		{[]string{"channels", "*", "ring"}, m(P, handlerFunc(s.hRing), D, handlerFunc(s.hRingStop))},
		{[]string{"channels", "*", "play"}, m(P, handlerFunc(s.hChanPlay))},
		{[]string{"channels", "*", "play", "*"}, m(P, handlerFunc(s.hChanPlayID))},
		{[]string{"channels", "*", "dtmf"}, m(P, handlerFunc(s.hSendDTMF))},
		{[]string{"channels", "*", "variable"}, m(G, handlerFunc(s.hGetVar), P, handlerFunc(s.hSetVar))},
		{[]string{"channels", "*", "moh"}, m(P, handlerFunc(s.hChanMOH), D, handlerFunc(s.hChanMOHStop))},
		{[]string{"channels", "*", "hold"}, m(P, handlerFunc(s.hHold), D, handlerFunc(s.hUnhold))},
		{[]string{"channels", "*", "mute"}, m(P, handlerFunc(s.hMute), D, handlerFunc(s.hUnmute))},
		{[]string{"channels", "*", "silence"}, m(P, handlerFunc(s.hSilence), D, handlerFunc(s.hSilenceStop))},
		{[]string{"channels", "*", "continue"}, m(P, handlerFunc(s.hContinue))},
		{[]string{"channels", "*", "redirect"}, m(P, handlerFunc(s.hRedirect))},
		{[]string{"channels", "*", "transfer_progress"}, m(P, handlerFunc(s.hTransferProgress))},
		{[]string{"channels", "*", "dial"}, m(P, handlerFunc(s.hDial))},
		{[]string{"channels", "*", "move"}, m(P, handlerFunc(s.hMove))},
		{[]string{"channels", "*", "rtp_statistics"}, m(G, handlerFunc(s.hRTPStatistics))},
		{[]string{"channels", "*", "record"}, m(P, handlerFunc(s.hChanRecord))},
		{[]string{"channels", "*", "snoop"}, m(P, handlerFunc(s.hSnoop))},
		{[]string{"channels", "*", "snoop", "*"}, m(P, handlerFunc(s.hSnoopID))},
		{[]string{"bridges", "*", "record"}, m(P, handlerFunc(s.hBridgeRecord))},
		{[]string{"recordings", "live", "*"}, m(G, handlerFunc(s.hLiveGet), D, handlerFunc(s.hLiveCancel))},
		{[]string{"recordings", "live", "*", "stop"}, m(P, handlerFunc(s.hLiveStop))},
		{[]string{"recordings", "live", "*", "pause"}, m(P, handlerFunc(s.hLivePause), D, handlerFunc(s.hLiveUnpause))},
		{[]string{"recordings", "live", "*", "mute"}, m(P, handlerFunc(s.hLiveMute), D, handlerFunc(s.hLiveMute))},
		{[]string{"recordings", "stored"}, m(G, handlerFunc(s.hStoredList))},
		{[]string{"recordings", "stored", "*"}, m(G, handlerFunc(s.hStoredGet), D, handlerFunc(s.hStoredDelete))},
		{[]string{"recordings", "stored", "*", "file"}, m(G, handlerFunc(s.hStoredFile))},
		{[]string{"recordings", "stored", "*", "copy"}, m(P, handlerFunc(s.hStoredCopy))},
		{[]string{"bridges"}, m(G, handlerFunc(s.hBridgeList), P, handlerFunc(s.hBridgeCreate))},
		{[]string{"bridges", "*"}, m(G, handlerFunc(s.hBridgeGet), P, handlerFunc(s.hBridgeCreateID), D, handlerFunc(s.hBridgeDestroy))},
		{[]string{"bridges", "*", "addChannel"}, m(P, handlerFunc(s.hAddChannel))},
		{[]string{"bridges", "*", "removeChannel"}, m(P, handlerFunc(s.hRemoveChannel))},
		{[]string{"bridges", "*", "moh"}, m(P, handlerFunc(s.hBridgeMOH), D, handlerFunc(s.hBridgeMOHStop))},
		{[]string{"bridges", "*", "play"}, m(P, handlerFunc(s.hBridgePlay))},
		{[]string{"bridges", "*", "play", "*"}, m(P, handlerFunc(s.hBridgePlayID))},
		{[]string{"playbacks", "*"}, m(G, handlerFunc(s.hPlaybackGet), D, handlerFunc(s.hPlaybackStop))},
		{[]string{"playbacks", "*", "control"}, m(P, handlerFunc(s.hPlaybackControl))},
		{[]string{"endpoints"}, m(G, handlerFunc(s.hEndpointList))},
		{[]string{"deviceStates"}, m(G, handlerFunc(s.hDeviceList))},
		{[]string{"deviceStates", "*"}, m(G, handlerFunc(s.hDeviceGet), U, handlerFunc(s.hDevicePut), D, handlerFunc(s.hDeviceDelete))},
		{[]string{"mailboxes"}, m(G, handlerFunc(s.hMailboxList))},
		{[]string{"mailboxes", "*"}, m(G, handlerFunc(s.hMailboxGet), U, handlerFunc(s.hMailboxPut), D, handlerFunc(s.hMailboxDelete))},
		{[]string{"sounds"}, m(G, handlerFunc(s.hSoundList))},
		{[]string{"sounds", "*"}, m(G, handlerFunc(s.hSoundGet))},
		{[]string{"asterisk", "variable"}, m(G, handlerFunc(s.hGlobalGet), P, handlerFunc(s.hGlobalSet))},
		{[]string{"events", "user", "*"}, m(P, handlerFunc(s.hUserEvent))},
		{[]string{"endpoints", "*"}, m(G, handlerFunc(s.hEndpointListTech))},
		{[]string{"endpoints", "*", "*"}, m(G, handlerFunc(s.hEndpointGet))},
	}
}

func (s *Server) hInfo(w http.ResponseWriter, _ *http.Request, _ []string, p *params) {
	st := ts(s.start)
	info := AsteriskInfo{
		Build:  BuildInfo{OS: "Linux", Kernel: "pbxsim", Machine: "x86_64", Options: "OPTIONAL_API", Date: s.start.UTC().Format("2006-01-02 15:04:05 UTC"), User: "pbxsim"},
		System: SystemInfo{Version: "22.10.1", EntityID: s.opts.AsteriskID},
		Config: ConfigInfo{DefaultLanguage: "en"},
		Status: StatusInfo{StartupTime: st, LastReloadTime: st},
	}
	only := p.get("only")
	if only == "" {
		writeJSON(w, http.StatusOK, info)
		return
	}
	out := map[string]any{}
	for _, part := range strings.Split(only, ",") {
		switch part {
		case "build":
			out["build"] = info.Build
		case "system":
			out["system"] = info.System
		case "config":
			out["config"] = info.Config
		case "status":
			out["status"] = info.Status
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hPing(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	writeJSON(w, http.StatusOK, AsteriskPing{AsteriskID: s.opts.AsteriskID, Ping: "pong", Timestamp: ts(time.Now())})
}

func (s *Server) hAppList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	s.mu.Lock()
	out := []ApplicationModel{}
	for _, a := range s.sortedApps() {
		out = append(out, a.model())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hAppGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[ids[0]]
	if a == nil {
		writeErr(w, http.StatusNotFound, "Application not found")
		return
	}
	writeJSON(w, http.StatusOK, a.model())
}

func (s *Server) hAppSubscribe(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.appSubscription(w, ids[0], p, true)
}

func (s *Server) hAppUnsubscribe(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.appSubscription(w, ids[0], p, false)
}

func (s *Server) appSubscription(w http.ResponseWriter, name string, p *params, sub bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	if a == nil {
		writeErr(w, http.StatusNotFound, "Application not found")
		return
	}
	src := p.get("eventSource")
	if src == "" {
		writeErr(w, http.StatusBadRequest, "Missing parameter eventSource")
		return
	}
	type op struct {
		set  map[string]bool
		bset map[string]int
		id   string
	}
	var ops []op
	for _, one := range strings.Split(src, ",") {
		kind, id, ok := strings.Cut(one, ":")
		if !ok || id == "" {
			writeErr(w, http.StatusBadRequest, "Invalid event source URI scheme '"+one+"'")
			return
		}
		switch kind {
		case "channel":
			if s.channels[id] == nil {
				writeErr(w, http.StatusUnprocessableEntity, "Event source was not found")
				return
			}
			ops = append(ops, op{set: a.channels, id: id})
		case "bridge":
			if s.bridges[id] == nil {
				writeErr(w, http.StatusUnprocessableEntity, "Event source was not found")
				return
			}
			ops = append(ops, op{bset: a.bridges, id: id})
		case "endpoint":
			if s.endpoints[id] == nil && s.findTech(id) == "" {
				writeErr(w, http.StatusUnprocessableEntity, "Event source was not found")
				return
			}
			ops = append(ops, op{set: a.endpoints, id: id})
		case "deviceState":
			ops = append(ops, op{set: a.devices, id: id})
		default:
			writeErr(w, http.StatusBadRequest, "Invalid event source URI scheme '"+kind+"'")
			return
		}
	}
	for _, o := range ops {
		switch {
		case o.bset != nil && sub:
			o.bset[o.id]++
		case o.bset != nil:
			delete(o.bset, o.id)
		case sub:
			o.set[o.id] = true
		default:
			delete(o.set, o.id)
		}
	}
	writeJSON(w, http.StatusOK, a.model())
}

func (s *Server) findTech(id string) string {
	for _, e := range s.endpoints {
		if e.Tech == id {
			return id
		}
	}
	return ""
}

func (s *Server) hEndpointList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.endpointModels(""))
}

func (s *Server) hEndpointListTech(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.endpointModels(ids[0])
	if len(out) == 0 {
		writeErr(w, http.StatusNotFound, "No Endpoints found - invalid tech "+ids[0])
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hEndpointGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[ids[0]+"/"+ids[1]]
	if e == nil {
		writeErr(w, http.StatusNotFound, "Endpoint not found")
		return
	}
	writeJSON(w, http.StatusOK, e.model())
}

func (e *endpoint) model() EndpointModel {
	ids := make([]string, 0, len(e.channels))
	for id := range e.channels {
		ids = append(ids, id)
	}
	sortIDs(ids)
	state := "online"
	if e.Behaviour.Mode == ModeOffline {
		state = "offline"
	}
	return EndpointModel{Technology: e.Tech, Resource: e.Resource, State: state, ChannelIDs: ids}
}

func (s *Server) endpointModels(tech string) []EndpointModel {
	out := []EndpointModel{}
	for _, e := range s.endpoints {
		if tech == "" || e.Tech == tech {
			out = append(out, e.model())
		}
	}
	sortEndpoints(out)
	return out
}

package pbxsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// FaultRule delays and/or fails ARI requests whose method and path match.
type FaultRule struct {
	// Method matches the HTTP method ("" = any).
	Method string `json:"method"`
	// PathPrefix matches the path after /ari (e.g. "/channels", "/bridges/abc/addChannel").
	PathPrefix string `json:"path_prefix"`
	// Delay holds the request before it is answered (or failed).
	Delay time.Duration `json:"delay"`
	// Status, when non-zero, answers with this status (500, 503...) instead of serving.
	Status int `json:"status"`
	// Count limits how many requests the rule hits (0 = unlimited).
	Count int `json:"count"`
}

type faultState struct {
	rules         []*FaultRule
	refuseSockets bool
	recFails      []string // causes of the next recordings to fail (FailRecordings)
}

// AddFault installs a REST fault rule.
func (s *Server) AddFault(r FaultRule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.rules = append(s.faults.rules, &r)
}

// ClearFaults removes all fault rules and lets event sockets connect again.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{}
}

// RefuseSockets makes new /ari/events connections fail with 503 while on.
func (s *Server) RefuseSockets(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.refuseSockets = on
}

func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, path string) bool {
	s.mu.Lock()
	var hit *FaultRule
	for i, fr := range s.faults.rules {
		if (fr.Method == "" || strings.EqualFold(fr.Method, r.Method)) && strings.HasPrefix("/"+path, fr.PathPrefix) {
			hit = fr
			if fr.Count > 0 {
				fr.Count--
				if fr.Count == 0 {
					s.faults.rules = append(s.faults.rules[:i:i], s.faults.rules[i+1:]...)
				}
			}
			break
		}
	}
	s.mu.Unlock()
	if hit == nil {
		return false
	}
	if hit.Delay > 0 {
		t := time.NewTimer(hit.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		case <-s.ctx.Done():
			t.Stop()
			return true
		}
	}
	if hit.Status == 0 {
		return false
	}
	writeErr(w, hit.Status, http.StatusText(hit.Status))
	return true
}

// InjectEvent sends raw (a JSON object, any "type", known to ARI clients or not) to the
// event sockets of app ("" = every app), as the next event in order.
func (s *Server) InjectEvent(app string, raw []byte) error {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("inject event: %w: %w", ErrBadInput, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	n := 0
	for _, a := range s.sortedApps() {
		if (app == "" || a.name == app) && a.sock != nil {
			if _, ok := obj["application"]; !ok || app == "" {
				obj["application"] = a.name
			}
			if _, ok := obj["asterisk_id"]; !ok {
				obj["asterisk_id"] = s.opts.AsteriskID
			}
			if _, ok := obj["timestamp"]; !ok {
				obj["timestamp"] = ts(time.Now())
			}
			data, err := json.Marshal(obj)
			if err != nil {
				return fmt.Errorf("inject event: %w", err)
			}
			a.sock.enqueue(data)
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("inject event: no socket for app %q: %w", app, ErrBadInput)
	}
	return nil
}

// DropSockets closes the event sockets of app ("" = all) abruptly, as a network cut.
func (s *Server) DropSockets(app string) int {
	s.mu.Lock()
	var socks []*eventSocket
	seen := map[*eventSocket]bool{}
	for _, a := range s.apps {
		if (app == "" || a.name == app) && a.sock != nil && !seen[a.sock] {
			seen[a.sock] = true
			socks = append(socks, a.sock)
		}
	}
	s.mu.Unlock()
	for _, so := range socks {
		so.kill()
	}
	return len(socks)
}

// StallSockets stops (on) or resumes (off) writing events to app's sockets ("" = all);
// events queue up meanwhile and are delivered in order on resume.
func (s *Server) StallSockets(app string, on bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.apps {
		if (app == "" || a.name == app) && a.sock != nil {
			a.sock.setStalled(on)
			n++
		}
	}
	return n
}

// Restart emulates an Asterisk restart: every socket drops, every channel, bridge and
// playback vanishes without events, and ids start afresh.
func (s *Server) Restart() {
	s.mu.Lock()
	for t := range s.timers {
		t.Stop()
	}
	s.timers = map[*time.Timer]struct{}{}
	for _, ch := range s.channels {
		ch.gone = true
		ch.cancel()
		if ch.ep != nil {
			delete(ch.ep.channels, ch.id)
		}
	}
	socks := make([]*eventSocket, 0, len(s.sockets))
	for so := range s.sockets {
		socks = append(socks, so)
	}
	s.channels, s.bridges, s.playbacks, s.apps = map[string]*channel{}, map[string]*bridge{}, map[string]*playback{}, map[string]*app{}
	s.recordings = map[string]*recording{}
	s.start = time.Now()
	s.epoch = s.start.Unix()
	s.seq, s.pjsipSeq, s.localSeq = 0, 0, 0
	s.mu.Unlock()
	for _, so := range socks {
		so.kill()
	}
}

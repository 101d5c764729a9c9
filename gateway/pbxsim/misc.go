package pbxsim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// DeviceStateModel is Asterisk's DeviceState model.
type DeviceStateModel struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// MailboxModel is Asterisk's Mailbox model.
type MailboxModel struct {
	Name        string `json:"name"`
	OldMessages int    `json:"old_messages"`
	NewMessages int    `json:"new_messages"`
}

// SoundModel is Asterisk's Sound model.
type SoundModel struct {
	ID      string       `json:"id"`
	Text    string       `json:"text,omitempty"`
	Formats []FormatLang `json:"formats"`
}

// FormatLang is part of SoundModel.
type FormatLang struct {
	Language string `json:"language"`
	Format   string `json:"format"`
}

type evDeviceState struct {
	eventBase
	DeviceState DeviceStateModel `json:"device_state"`
}

type evEndpoint struct {
	eventBase
	Endpoint EndpointModel `json:"endpoint"`
}

type evUserEvent struct {
	eventBase
	Eventname string         `json:"eventname"`
	Userevent map[string]any `json:"userevent"`
	Channel   *ChannelModel  `json:"channel,omitempty"`
	Bridge    *BridgeModel   `json:"bridge,omitempty"`
	Endpoint  *EndpointModel `json:"endpoint,omitempty"`
}

var deviceStates = map[string]bool{"NOT_INUSE": true, "INUSE": true, "BUSY": true, "INVALID": true,
	"UNAVAILABLE": true, "RINGING": true, "RINGINUSE": true, "ONHOLD": true}

func (s *Server) deviceState(name string) DeviceStateModel {
	if st, ok := s.devices[name]; ok {
		return DeviceStateModel{Name: name, State: st}
	}
	if e := s.endpoints[name]; e != nil {
		switch {
		case e.Behaviour.Mode == ModeOffline:
			return DeviceStateModel{Name: name, State: "UNAVAILABLE"}
		case len(e.channels) > 0:
			return DeviceStateModel{Name: name, State: "INUSE"}
		}
		return DeviceStateModel{Name: name, State: "NOT_INUSE"}
	}
	return DeviceStateModel{Name: name, State: "UNKNOWN"}
}

func (s *Server) hDeviceList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []DeviceStateModel{}
	for n := range s.devices {
		out = append(out, s.deviceState(n))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hDeviceGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.deviceState(ids[0]))
}

func (s *Server) hDevicePut(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := ids[0]
	if !strings.HasPrefix(name, "Stasis:") {
		writeErr(w, http.StatusConflict, "Uncontrolled device specified")
		return
	}
	st := p.get("deviceState")
	if st == "" {
		writeErr(w, http.StatusBadRequest, "Missing parameter deviceState")
		return
	}
	if !deviceStates[st] {
		writeErr(w, http.StatusBadRequest, "Invalid device state")
		return
	}
	s.devices[name] = st
	noContent(w)
	s.deviceEvent(name)
}

func (s *Server) hDeviceDelete(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := ids[0]
	if !strings.HasPrefix(name, "Stasis:") {
		writeErr(w, http.StatusConflict, "Uncontrolled device specified")
		return
	}
	if _, ok := s.devices[name]; !ok {
		writeErr(w, http.StatusNotFound, "Device name is missing")
		return
	}
	delete(s.devices, name)
	noContent(w)
	s.deviceEvent(name)
}

func (s *Server) deviceEvent(name string) {
	var to []*app
	for _, a := range s.sortedApps() {
		if a.subscribeAll || a.devices[name] {
			to = append(to, a)
		}
	}
	ev := evDeviceState{s.base("DeviceStateChanged"), s.deviceState(name)}
	s.publish(&ev, to)
}

func (s *Server) endpointEvent(e *endpoint) {
	var to []*app
	for _, a := range s.sortedApps() {
		if a.subscribeAll || a.endpoints[e.ID()] || a.endpoints[e.Tech] {
			to = append(to, a)
		}
	}
	ev := evEndpoint{s.base("EndpointStateChange"), e.model()}
	s.publish(&ev, to)
}

func (s *Server) hMailboxList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []MailboxModel{}
	for _, m := range s.mailboxes {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hMailboxGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mailboxes[ids[0]]
	if !ok {
		writeErr(w, http.StatusNotFound, "Mailbox not found")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) hMailboxPut(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	oldN, err1 := strconv.Atoi(p.get("oldMessages"))
	newN, err2 := strconv.Atoi(p.get("newMessages"))
	if err1 != nil || err2 != nil || oldN < 0 || newN < 0 {
		writeErr(w, http.StatusBadRequest, "Missing parameter oldMessages or newMessages")
		return
	}
	s.mailboxes[ids[0]] = MailboxModel{Name: ids[0], OldMessages: oldN, NewMessages: newN}
	noContent(w)
}

func (s *Server) hMailboxDelete(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mailboxes[ids[0]]; !ok {
		writeErr(w, http.StatusNotFound, "Mailbox not found")
		return
	}
	delete(s.mailboxes, ids[0])
	noContent(w)
}

func (s *Server) hSoundList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	out := []SoundModel{}
	for n := range s.opts.Sounds {
		out = append(out, SoundModel{ID: n, Formats: []FormatLang{{Language: "en", Format: "wav"}}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hSoundGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	if _, err := s.opts.Media.Duration("sound:"+ids[0], "en"); err != nil {
		writeErr(w, http.StatusNotFound, "Sound not found")
		return
	}
	writeJSON(w, http.StatusOK, SoundModel{ID: ids[0], Formats: []FormatLang{{Language: "en", Format: "wav"}}})
}

func (s *Server) hGlobalGet(w http.ResponseWriter, _ *http.Request, _ []string, p *params) {
	name := p.get("variable")
	if name == "" {
		writeErr(w, http.StatusBadRequest, "Missing variable parameter.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, Variable{Value: s.globals[name]})
}

func (s *Server) hGlobalSet(w http.ResponseWriter, _ *http.Request, _ []string, p *params) {
	name := p.get("variable")
	if name == "" {
		writeErr(w, http.StatusBadRequest, "Missing variable parameter.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.globals[name] = p.get("value")
	noContent(w)
}

// hUserEvent answers POST /events/user/{eventName}: a ChannelUserevent to the application.
func (s *Server) hUserEvent(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	appName := p.get("application")
	if appName == "" {
		writeErr(w, http.StatusBadRequest, "Missing parameter application")
		return
	}
	a := s.apps[appName]
	if a == nil {
		writeErr(w, http.StatusNotFound, "Application not found")
		return
	}
	ev := evUserEvent{eventBase: s.base("ChannelUserevent"), Eventname: ids[0], Userevent: map[string]any{}}
	for k, v := range p.vars {
		ev.Userevent[k] = v
	}
	if src := p.get("source"); src != "" {
		for _, one := range strings.Split(src, ",") {
			kind, id, _ := strings.Cut(one, ":")
			switch {
			case kind == "channel" && s.channels[id] != nil:
				ev.Channel = s.channels[id].model()
			case kind == "bridge" && s.bridges[id] != nil:
				ev.Bridge = s.bridges[id].model()
			case kind == "endpoint" && s.endpoints[id] != nil:
				m := s.endpoints[id].model()
				ev.Endpoint = &m
			default:
				writeErr(w, http.StatusUnprocessableEntity, "Event source not found")
				return
			}
		}
	}
	noContent(w)
	s.publish(&ev, []*app{a})
}

// SetHold is the far end putting channel id on hold (ChannelHold) or taking it off.
func (s *Server) SetHold(id string, on bool, musicClass string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.lockedChan(id)
	if err != nil {
		return err
	}
	typ := "ChannelUnhold"
	if on {
		typ = "ChannelHold"
	} else {
		musicClass = ""
	}
	ev := evHold{s.base(typ), musicClass, ch.model()}
	s.chanEvent(ch, &ev)
	return nil
}

package pbxsim

import (
	"strconv"
	"strings"
)

// Media formats of a channel (its native formats) and the originate
// parameters that choose them, as Asterisk 22 does:
//   - res/ari/resource_channels.c: "formats" is a comma list looked up in the
//     format cache (unknown: 400 "Provided format (X) was not found");
//     "originator" is a channel (by id or name) whose native formats are
//     requested instead and which becomes the requestor, so the new channel
//     copies its linkedid (main/channel_internal_api.c); both: 400.
//   - main/dial.c begin_dial_prerun (originate only): with an originator the
//     new channel also inherits its inheritable variables, connected line
//     (the originator's caller id), language and music class.
//   - res/res_pjsip_session.c ast_sip_session_create_outgoing: a PJSIP leg
//     offers the requested formats the endpoint allows, in the requested
//     order, then the endpoint's other codecs; none allowed: the endpoint's.
//   - main/core_unreal.c: a Local pair's native formats are the request's.
//   - funcs/func_channel.c: CHANNEL(audionativeformat) is
//     ast_format_cap_get_names of the audio formats, "(ulaw|alaw)", or
//     "(nothing)".

// audioFormats are the audio formats of Asterisk's format cache in codec
// registration order (main/codec_builtin.c): what "all audio" requests.
var audioFormats = []string{"g723", "ulaw", "alaw", "gsm", "g726", "g726aal2", "adpcm",
	"slin", "slin12", "slin16", "slin24", "slin32", "slin44", "slin48", "slin96", "slin192",
	"lpc10", "g729", "speex", "speex16", "speex32", "ilbc", "g722", "siren7", "siren14",
	"testlaw", "g719", "opus", "codec2"}

// otherFormats are the cached formats that are not audio (found by name,
// never in audionativeformat).
var otherFormats = []string{"jpeg", "png", "h261", "h263", "h263p", "h264", "h265", "mpeg4",
	"vp8", "vp9", "red", "t140", "none"}

func isAudioFormat(name string) bool {
	for _, f := range audioFormats {
		if f == name {
			return true
		}
	}
	return false
}

// knownFormat is ast_format_cache_get succeeding (names are exact).
func knownFormat(name string) bool {
	if isAudioFormat(name) {
		return true
	}
	for _, f := range otherFormats {
		if f == name {
			return true
		}
	}
	return false
}

// defaultAllow is the endpoints' allow= of the lab pjsip.conf (alaw,ulaw).
var defaultAllow = []string{"alaw", "ulaw"}

// allowOf is an endpoint's allowed codecs.
func allowOf(ep *endpoint) []string {
	if ep == nil || len(ep.Allow) == 0 {
		return defaultAllow
	}
	return ep.Allow
}

// parseFormats splits the originate "formats" list as Asterisk does (strsep
// on ",", each name stripped) and returns the first unknown name, if any.
func parseFormats(v string) (list []string, unknown string, ok bool) {
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if !knownFormat(f) {
			return nil, f, false
		}
		if !contains(list, f) {
			list = append(list, f)
		}
	}
	return list, "", true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// pjsipOffer is what a PJSIP leg requested with req (nil: all audio) offers:
// the requested formats the endpoint allows, then the endpoint's others.
func pjsipOffer(req []string, ep *endpoint) []string {
	allow := allowOf(ep)
	if req == nil {
		req = audioFormats
	}
	var out []string
	for _, f := range req {
		if contains(allow, f) && !contains(out, f) {
			out = append(out, f)
		}
	}
	for _, f := range allow {
		if !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// nativeFormats is ch's native formats: set at creation, else by technology.
func (ch *channel) nativeFormats() []string {
	if ch.formats != nil {
		return ch.formats
	}
	switch ch.tech {
	case "PJSIP":
		return allowOf(ch.ep)
	case "Local":
		return audioFormats
	case "Snoop":
		return []string{"slin"} // res_stasis_snoop: signed linear at the channel's rate
	case "UnicastRTP":
		if ch.orig != nil {
			if _, f, ok := cutFormat(ch.orig.dialstring); ok {
				return []string{f} // externalMedia's format
			}
		}
	}
	return nil
}

// audioNative is CHANNEL(audionativeformat).
func (ch *channel) audioNative() string {
	var names []string
	for _, f := range ch.nativeFormats() {
		if isAudioFormat(f) {
			names = append(names, f)
		}
	}
	if len(names) == 0 {
		return "(nothing)"
	}
	return "(" + strings.Join(names, "|") + ")"
}

// codec is the first native audio format: what media uses for the channel.
func (ch *channel) codec() string {
	for _, f := range ch.nativeFormats() {
		if isAudioFormat(f) {
			return f
		}
	}
	return ""
}

// linked is CHANNEL(linkedid): the requestor's linkedid, else its own id.
func (ch *channel) linked() string {
	if ch.linkedid != "" {
		return ch.linkedid
	}
	return ch.id
}

// channelByName is ast_channel_get_by_name: a channel by unique id or name.
func (s *Server) channelByName(v string) *channel {
	if ch := s.channels[v]; ch != nil {
		return ch
	}
	for _, ch := range s.channels {
		if strings.EqualFold(ch.name, v) {
			return ch
		}
	}
	return nil
}

// inheritFrom copies what begin_dial_prerun copies from the originator:
// inheritable variables ("__X" stays "__X", "_X" becomes "X"), the connected
// line (the originator's caller id) and the language.
func (ch *channel) inheritFrom(o *channel) {
	for k, v := range o.vars {
		switch {
		case strings.HasPrefix(k, "__"):
			ch.vars[k] = v
		case strings.HasPrefix(k, "_"):
			ch.vars[k[1:]] = v
		}
	}
	ch.connected = o.caller
	ch.language = o.language
}

// LabelFinder is optionally implemented by a Dialplan: the priority of a
// label of exten in context (originate's "label").
type LabelFinder interface {
	FindLabel(context, exten, label string) (int, bool)
}

// findLabel resolves originate's label as resource_channels.c does: a
// leading number is the priority itself, else the dialplan's label (unknown:
// 404 "Requested label can not be found"); priority 0: 400.
func (s *Server) findLabel(p *params) (int, *errBody) {
	label := p.get("label")
	prio, numeric := leadingInt(label)
	if !numeric {
		ctx := p.get("context")
		if ctx == "" {
			ctx = "default"
		}
		lf, ok := s.opts.Dialplan.(LabelFinder)
		if !ok {
			return 0, &errBody{status: 404, msg: "Requested label can not be found"}
		}
		if prio, ok = lf.FindLabel(ctx, p.get("extension"), label); !ok {
			return 0, &errBody{status: 404, msg: "Requested label can not be found"}
		}
	}
	if prio == 0 {
		return 0, &errBody{status: 400, msg: "Requested priority is illegal"}
	}
	return prio, nil
}

// leadingInt is sscanf("%d"): an optionally signed decimal at the start.
func leadingInt(v string) (int, bool) {
	v = strings.TrimLeft(v, " \t")
	i := 0
	if i < len(v) && (v[i] == '-' || v[i] == '+') {
		i++
	}
	j := i
	for j < len(v) && v[j] >= '0' && v[j] <= '9' && j-i < 30 {
		j++
	}
	if j == i {
		return 0, false
	}
	n, err := strconv.Atoi(v[:j])
	return n, err == nil
}

package pbxsim_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// The caller's phone blind-transfers its bridged call to 110@from-pstn: a
// Local/110@from-pstn pair, ;1 swapped into the bridge in the transferer's place
// (StasisStart with replace_channel, ChannelLeftBridge, ChannelEnteredBridge), ;2
// into the dialplan (here Stasis), BridgeBlindTransfer, then the phone's BYE.
func TestBlindTransferFromStasisBridge(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	a := l.answered("pstn", "", "12345", "13800138000")
	b := l.answered("agent1001", "from-pstn", "12345", "1001")
	l.bridge("b1", a, b)
	rep, err := s.BlindTransfer(a, "110", "from-pstn")
	if err != nil {
		t.Fatal(err)
	}
	want := pbxsim.TransferReport{Kind: "blind", ReferTo: "sip:110@127.0.0.1", Response: 202, Notify: []int{100, 200}, Result: "Success", Done: true}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == a })
	evs = append(evs, l.until(func(ev map[string]any) bool {
		return ev["type"] == "StasisStart" && strings.HasSuffix(chanName(ev), ";2")
	})...)
	inOrder(t, evs,
		sub{"ChannelUnhold", a},
		sub{"ChannelVarset", a},
		sub{"BridgeBlindTransfer", a},
		sub{"StasisStart", "Local/110@from-pstn-*"},
		sub{"ChannelLeftBridge", a},
		sub{"ChannelEnteredBridge", "Local/110@from-pstn-*"},
		sub{"ChannelHangupRequest", a},
		sub{"StasisEnd", a},
	)
	bt := find(t, evs, "BridgeBlindTransfer")
	for path, v := range map[string]any{
		"result": "Success", "exten": "110", "context": "from-pstn", "is_external": true,
		"channel.id": a, "transferee.id": b, "bridge.id": "b1",
	} {
		if got := fieldOf(bt, path); got != v {
			t.Errorf("BridgeBlindTransfer %s = %v, want %v", path, got, v)
		}
	}
	if n, _ := fieldOf(bt, "replace_channel.name").(string); !strings.HasSuffix(n, ";1") || !strings.HasPrefix(n, "Local/110@from-pstn-") {
		t.Errorf("replace_channel = %v", bt["replace_channel"])
	}
	if chans, _ := fieldOf(bt, "bridge.channels").([]any); len(chans) != 2 {
		t.Errorf("bridge snapshot channels = %v, want the two parties before the swap", chans)
	}
	var one map[string]any
	for _, ev := range evs {
		if ev["type"] == "StasisStart" && strings.HasSuffix(chanName(ev), ";1") {
			one = ev
		}
	}
	if fieldOf(one, "replace_channel.id") != a || len(one["args"].([]any)) != 0 || fieldOf(one, "channel.state") != "Up" {
		t.Errorf("StasisStart of ;1 = %v", one)
	}
	for _, ev := range evs {
		if ev["type"] == "ChannelEnteredBridge" && strings.HasSuffix(chanName(ev), ";1") {
			if fieldOf(ev, "channel.connected.number") != "1001" {
				t.Errorf(";1 entered with connected %v, want the transferee", fieldOf(ev, "channel.connected"))
			}
		}
	}
	vars := map[string]string{}
	for _, ev := range evs {
		if ev["type"] == "ChannelVarset" && ev["variable"] == "BLINDTRANSFER" {
			vars[chanID(ev)], _ = ev["value"].(string)
		}
	}
	if vars[b] != chanName(find(t, evs, "BridgeBlindTransfer")) || !strings.HasPrefix(vars[a], "PJSIP/agent1001-") {
		t.Errorf("BLINDTRANSFER = %v (transferer gets its BRIDGEPEER, the others its name)", vars)
	}
	two := evs[len(evs)-1]
	if fieldOf(two, "channel.dialplan.exten") != "110" || fieldOf(two, "channel.caller.number") != "1001" {
		t.Errorf("StasisStart of ;2 = %v", two["channel"])
	}
	info, err := s.Channel(b)
	if err != nil || info.Bridge != "b1" {
		t.Errorf("transferee = %+v %v, want still in b1", info, err)
	}
	e, _ := s.EndedChannel(a)
	if len(e.Transfers) != 1 || e.Transfers[0].Result != "Success" {
		t.Errorf("ended transfers = %+v", e.Transfers)
	}
	l.ari(204, "DELETE", "/ari/channels/"+b)
	l.ari(204, "DELETE", "/ari/channels/"+chanID(two))
}

// Transfers Asterisk refuses or cannot do: the REFER is accepted (202, NOTIFY
// 100), then the final NOTIFY carries xfer_response_code2sip of the result.
func TestTransferFailures(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	alone := l.answered("pstn", "", "12345", "1")
	solo := l.answered("pstn", "", "12345", "2")
	l.bridge("solo", solo)
	other := l.answered("pstn", "", "110", "3")
	tests := []struct {
		name       string
		run        func() (pbxsim.TransferReport, error)
		notify     []int
		result     string
		event      string
		bridgeID   any
		transferee any
	}{
		{"blind, not bridged", func() (pbxsim.TransferReport, error) { return s.BlindTransfer(alone, "110", "") },
			[]int{100, 400}, "Invalid", "BridgeBlindTransfer", nil, nil},
		{"blind, alone in the bridge", func() (pbxsim.TransferReport, error) { return s.BlindTransfer(solo, "110", "") },
			[]int{100, 400}, "Invalid", "BridgeBlindTransfer", "solo", nil},
		{"blind, no such extension", func() (pbxsim.TransferReport, error) { return s.BlindTransfer(alone, "999", "from-pstn") },
			[]int{100, 404}, "", "", nil, nil},
		{"attended, neither bridged", func() (pbxsim.TransferReport, error) { return s.AttendedTransfer(alone, other) },
			[]int{100, 400}, "Invalid", "BridgeAttendedTransfer", nil, nil},
		{"attended, alone in the only bridge", func() (pbxsim.TransferReport, error) { return s.AttendedTransfer(solo, other) },
			[]int{100, 400}, "Invalid", "BridgeAttendedTransfer", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			if rep.Response != 202 || !reflect.DeepEqual(rep.Notify, tt.notify) || rep.Result != tt.result || !rep.Done {
				t.Errorf("report = %+v, want NOTIFY %v result %q", rep, tt.notify, tt.result)
			}
			if tt.event == "" {
				l.ec.none(50 * 1e6)
				return
			}
			ev := l.until(func(ev map[string]any) bool { return ev["type"] == tt.event })
			x := ev[len(ev)-1]
			if x["result"] != tt.result || x["is_external"] != true {
				t.Errorf("%s = %v", tt.event, x)
			}
			if tt.event == "BridgeAttendedTransfer" {
				if x["destination_type"] != "fail" {
					t.Errorf("destination_type = %v, want fail", x["destination_type"])
				}
				var wantBridge any
				if fieldOf(x, "transferer_first_leg.id") == solo {
					wantBridge = "solo"
				}
				if fieldOf(x, "transferer_first_leg_bridge.id") != wantBridge {
					t.Errorf("transferer_first_leg_bridge = %v, want %v", x["transferer_first_leg_bridge"], wantBridge)
				}
			}
			if fieldOf(x, "bridge.id") != tt.bridgeID || fieldOf(x, "transferee.id") != tt.transferee {
				t.Errorf("%s bridge/transferee = %v/%v", tt.event, fieldOf(x, "bridge.id"), fieldOf(x, "transferee.id"))
			}
		})
	}
	for _, id := range []string{alone, solo, other} {
		if _, err := s.Channel(id); err != nil {
			t.Errorf("a failed transfer ended %s: %v", id, err)
		}
	}
}

// What the Go API refuses: no such channel, not a phone's answered call, bad
// extension, two calls that are not one phone's.
func TestTransferBadInput(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	ring := l.call("pstn", "", "12345", "1")
	up := l.answered("pstn", "", "12345", "2")
	agent := l.answered("agent1001", "from-pstn", "12345", "3")
	up2 := l.answered("pstn", "", "110", "4")
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"blind unknown channel", func() error { _, err := s.BlindTransfer("nope", "110", ""); return err }, pbxsim.ErrChannelNotFound},
		{"blind unanswered", func() error { _, err := s.BlindTransfer(ring, "110", ""); return err }, pbxsim.ErrBadInput},
		{"blind empty extension", func() error { _, err := s.BlindTransfer(up, "", ""); return err }, pbxsim.ErrBadInput},
		{"blind extension with @", func() error { _, err := s.BlindTransfer(up, "110@x", ""); return err }, pbxsim.ErrBadInput},
		{"attended unknown other", func() error { _, err := s.AttendedTransfer(up, "nope"); return err }, pbxsim.ErrChannelNotFound},
		{"attended with itself", func() error { _, err := s.AttendedTransfer(up, up); return err }, pbxsim.ErrBadInput},
		{"attended across phones", func() error { _, err := s.AttendedTransfer(up, agent); return err }, pbxsim.ErrBadInput},
		{"attended other unanswered", func() error { _, err := s.AttendedTransfer(up, ring); return err }, pbxsim.ErrBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// The control API maps them to 404 / 400.
	for _, c := range []struct {
		path, body string
		status     int
	}{
		{"/sim/channels/nope/transfer", `{"exten":"110"}`, 404},
		{"/sim/channels/" + ring + "/transfer", `{"exten":"110"}`, 400},
		{"/sim/channels/" + up + "/transfer", `{bad`, 400},
		{"/sim/channels/" + up + "/attended-transfer", `{"with":"` + agent + `"}`, 400},
	} {
		if st, _, body := do(t, s, "POST", c.path, c.body, false); st != c.status {
			t.Errorf("POST %s = %d %s, want %d", c.path, st, body, c.status)
		}
	}
	if st, _, body := do(t, s, "GET", "/sim/channels/nope/transfers", "", false); st != 404 {
		t.Errorf("GET transfers of unknown = %d %s", st, body)
	}
	if st, _, body := do(t, s, "GET", "/sim/channels/"+up2+"/transfers", "", false); st != 200 || body != "[]\n" && body != "[]" {
		t.Errorf("GET transfers = %d %q, want []", st, body)
	}
}

// An attended transfer between two ARI bridges links them with
// Local/_attended@transfer: ;1 replaces the REFER's leg, ;2 the replaced one.
func TestAttendedTransferLinksBridges(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	a1 := l.answered("pstn", "", "12345", "13800138000")
	x := l.answered("agent1001", "from-pstn", "12345", "1001")
	l.bridge("ba", a1, x)
	if err := s.SetHold(a1, true, ""); err != nil {
		t.Fatal(err)
	}
	a2 := l.answered("pstn", "", "110", "13800138000")
	y := l.answered("agent1002", "from-pstn", "110", "1002")
	l.bridge("bb", a2, y)
	// Through the control API, as a test of the world would.
	st, _, body := do(t, s, "POST", "/sim/channels/"+a1+"/attended-transfer", `{"with":"`+a2+`"}`, false)
	if st != 200 || !strings.Contains(body, `"result":"Success"`) || !strings.Contains(body, `"notify":[100,200]`) {
		t.Fatalf("attended-transfer = %d %s", st, body)
	}
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == a2 })
	inOrder(t, evs,
		sub{"ChannelUnhold", a1},
		sub{"ChannelUnhold", a2},
		sub{"BridgeAttendedTransfer", ""},
		sub{"StasisStart", "Local/_attended@transfer-*"},
		sub{"ChannelLeftBridge", a1},
		sub{"ChannelEnteredBridge", "Local/_attended@transfer-*"},
		sub{"StasisStart", "Local/_attended@transfer-*"},
		sub{"ChannelLeftBridge", a2},
		sub{"ChannelEnteredBridge", "Local/_attended@transfer-*"},
		sub{"ChannelHangupRequest", a1},
		sub{"StasisEnd", a1},
		sub{"ChannelHangupRequest", a2},
		sub{"StasisEnd", a2},
	)
	var bat map[string]any
	for _, ev := range evs {
		if ev["type"] == "BridgeAttendedTransfer" {
			bat = ev
		}
	}
	for path, v := range map[string]any{
		"result": "Success", "is_external": true, "destination_type": "link",
		"transferer_first_leg.id": a1, "transferer_second_leg.id": a2, "transferee.id": x, "transfer_target.id": y,
		"transferer_first_leg_bridge.id": "ba", "transferer_second_leg_bridge.id": "bb",
		"transferer_first_leg_bridge.bridge_class": "stasis",
	} {
		if got := fieldOf(bat, path); got != v {
			t.Errorf("BridgeAttendedTransfer %s = %v, want %v", path, got, v)
		}
	}
	l1, _ := fieldOf(bat, "destination_link_first_leg.name").(string)
	l2, _ := fieldOf(bat, "destination_link_second_leg.name").(string)
	if !strings.HasSuffix(l1, ";1") || !strings.HasSuffix(l2, ";2") || strings.TrimSuffix(l1, ";1") != strings.TrimSuffix(l2, ";2") {
		t.Errorf("link legs = %q %q", l1, l2)
	}
	for _, ev := range evs {
		if ev["type"] == "StasisStart" && strings.HasPrefix(chanName(ev), "Local/_attended") {
			want := a1
			if strings.HasSuffix(chanName(ev), ";2") {
				want = a2
			}
			if fieldOf(ev, "replace_channel.id") != want || fieldOf(ev, "channel.dialplan.exten") != "_attended" {
				t.Errorf("StasisStart %s = %v", chanName(ev), ev)
			}
		}
	}
	ba, _ := s.Channel(x)
	bb, _ := s.Channel(y)
	if ba.Bridge != "ba" || bb.Bridge != "bb" {
		t.Errorf("parties' bridges = %q %q", ba.Bridge, bb.Bridge)
	}
	// Hanging up one Local half takes the other with it.
	one := fieldOf(bat, "destination_link_first_leg.id").(string)
	two := fieldOf(bat, "destination_link_second_leg.id").(string)
	l.ari(204, "DELETE", "/ari/channels/"+one)
	l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == two })
	l.ari(204, "DELETE", "/ari/channels/"+x)
	l.ari(204, "DELETE", "/ari/channels/"+y)
}

// With one leg bridged, ;2 takes the other leg's place in its application.
func TestAttendedTransferToApplication(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	a1 := l.answered("pstn", "", "12345", "13800138000")
	x := l.answered("agent1001", "from-pstn", "12345", "1001")
	l.bridge("ba", a1, x)
	a2 := l.answered("pstn", "", "110", "13800138000")
	rep, err := s.AttendedTransfer(a1, a2)
	if err != nil || rep.Result != "Success" {
		t.Fatalf("transfer = %+v %v", rep, err)
	}
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == a2 })
	bat := find(t, evs, "BridgeAttendedTransfer")
	if bat["destination_type"] != "application" || bat["destination_application"] != "Stasis" ||
		!strings.HasSuffix(fieldOf(bat, "replace_channel.name").(string), ";1") {
		t.Errorf("BridgeAttendedTransfer = %v", bat)
	}
	var two string
	for _, ev := range evs {
		if ev["type"] == "StasisStart" && strings.HasSuffix(chanName(ev), ";2") {
			two = chanID(ev)
			if fieldOf(ev, "replace_channel.id") != a2 || len(ev["args"].([]any)) != 0 {
				t.Errorf(";2 StasisStart = %v", ev)
			}
		}
	}
	if two == "" {
		t.Fatal("no StasisStart for ;2")
	}
	l.ari(204, "DELETE", "/ari/channels/"+two)
	l.ari(204, "DELETE", "/ari/channels/"+x)
}

// PJSIP_TRANSFER_HANDLING=ari-only: only ChannelTransfer; the app drives the
// phone's NOTIFYs with transfer_progress.
func TestARIOnlyTransfer(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	a1 := l.answered("pstn", "", "12345", "13800138000")
	x := l.answered("agent1001", "from-pstn", "12345", "1001")
	l.bridge("ba", a1, x)
	a2 := l.answered("pstn", "", "110", "13800138000")
	l.ari(204, "POST", "/ari/channels/"+a1+"/variable?variable=PJSIP_TRANSFER_HANDLING&value=ari-only")
	rep, err := s.AttendedTransfer(a1, a2)
	if err != nil || !rep.ARI || rep.Done || !reflect.DeepEqual(rep.Notify, []int{100}) {
		t.Fatalf("report = %+v %v", rep, err)
	}
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "ChannelTransfer" })
	if count(evs, "BridgeAttendedTransfer")+count(evs, "ChannelLeftBridge") != 0 {
		t.Errorf("ari-only transfer moved channels: %v", evs)
	}
	ct := evs[len(evs)-1]
	a2info, _ := s.Channel(a2)
	for path, v := range map[string]any{
		"state": "unknown",
		"refer_to.requested_destination.destination": "110",
		"refer_to.requested_destination.protocol_id": a2info.Model.ProtocolID,
		"refer_to.destination_channel.id":            a2,
		"referred_by.source_channel.id":              a1,
		"referred_by.connected_channel.id":           x,
		"referred_by.bridge.id":                      "ba",
	} {
		if got := fieldOf(ct, path); got != v {
			t.Errorf("ChannelTransfer %s = %v, want %v", path, got, v)
		}
	}
	params, _ := fieldOf(ct, "refer_to.requested_destination.additional_protocol_params").([]any)
	if len(params) != 2 || fieldOf(params[0].(map[string]any), "parameter_name") != "from" || fieldOf(params[1].(map[string]any), "parameter_name") != "to" {
		t.Errorf("additional_protocol_params = %v", params)
	}
	if _, ok := fieldOf(ct, "refer_to").(map[string]any)["bridge"]; ok {
		t.Errorf("refer_to has a bridge for an unbridged destination: %v", ct["refer_to"])
	}
	// transfer_progress error cases.
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/ari/channels/" + a1 + "/transfer_progress", 400, "Required parameter 'states' not provided."},
		{"/ari/channels/nope/transfer_progress?states=channel_progress", 404, "Channel not found"},
		{"/ari/channels/" + a1 + "/transfer_progress?states=channel_ringing", 400, "Invalid states value 'channel_ringing'"},
	} {
		if st, _, body := do(t, s, "POST", c.path, "", true); st != c.status || !strings.Contains(body, c.want) {
			t.Errorf("POST %s = %d %s, want %d %q", c.path, st, body, c.status, c.want)
		}
	}
	for _, state := range []string{"channel_progress", "channel_answered"} {
		l.ari(204, "POST", "/ari/channels/"+a1+"/transfer_progress?states="+url.QueryEscape(state))
		evs := l.until(func(ev map[string]any) bool { return ev["type"] == "ChannelTransfer" })
		if got := evs[len(evs)-1]["state"]; got != state {
			t.Errorf("ChannelTransfer state = %v, want %s", got, state)
		}
	}
	// The phone got its 200 OK sipfrag: BYE on the REFER's call.
	l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == a1 })
	e, _ := s.EndedChannel(a1)
	if len(e.Transfers) != 1 || !reflect.DeepEqual(e.Transfers[0].Notify, []int{100, 100, 200}) || e.Transfers[0].Result != "Success" {
		t.Errorf("ended transfers = %+v", e.Transfers)
	}
	// No REFER pending any more: 204 and nothing.
	l.ari(204, "POST", "/ari/channels/"+a2+"/transfer_progress?states=channel_declined")
	l.ec.none(50 * 1e6)
	l.ari(204, "DELETE", "/ari/channels/"+a2)
	l.ari(204, "DELETE", "/ari/channels/"+x)
}

// A blind ari-only transfer names only the requested destination; a declined
// one leaves the phone on its call.
func TestARIOnlyBlindDeclined(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	a := l.answered("pstn", "", "12345", "1")
	// The dialplan function, written through ARI: no ChannelVarset.
	l.ari(204, "POST", "/ari/channels/"+a+"/variable?variable="+url.QueryEscape("PJSIP_TRANSFER_HANDLING()")+"&value=ari-only")
	st, _, body := do(t, s, "POST", "/sim/channels/"+a+"/transfer", `{"exten":"2000"}`, false)
	if st != 200 || !strings.Contains(body, `"ari":true`) {
		t.Fatalf("transfer = %d %s", st, body)
	}
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "ChannelTransfer" })
	if n := count(evs, "ChannelVarset"); n != 0 {
		t.Errorf("PJSIP_TRANSFER_HANDLING() write sent %d ChannelVarset", n)
	}
	ct := evs[len(evs)-1]
	rd, _ := fieldOf(ct, "refer_to.requested_destination").(map[string]any)
	if !reflect.DeepEqual(rd, map[string]any{"destination": "2000"}) || fieldOf(ct, "referred_by.bridge") != nil {
		t.Errorf("ChannelTransfer = %v", ct)
	}
	l.ari(204, "POST", "/ari/channels/"+a+"/transfer_progress?states=channel_declined")
	evs = l.until(func(ev map[string]any) bool { return ev["type"] == "ChannelTransfer" })
	if evs[len(evs)-1]["state"] != "channel_declined" {
		t.Errorf("state = %v", evs[len(evs)-1]["state"])
	}
	list, err := s.Transfers(a)
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0].Notify, []int{100, 603}) || !list[0].Done {
		t.Errorf("transfers = %+v %v", list, err)
	}
	l.ari(204, "DELETE", "/ari/channels/"+a)
}

// An agent leg originated by the app blind-transfers the caller: the app, which
// originated it, also sees its ChannelDestroyed after the phone's BYE.
func TestBlindTransferByOriginatedAgent(t *testing.T) {
	s := pbxsimtest.Start(t, pbxsim.Options{Endpoints: []pbxsim.Endpoint{
		{Tech: "PJSIP", Resource: "pstn", Context: "from-pstn", Behaviour: pbxsim.Behaviour{Mode: pbxsim.ModeAnswer}},
		{Tech: "PJSIP", Resource: "agent1001", Context: "from-agents", Behaviour: pbxsim.Behaviour{Mode: pbxsim.ModeAnswer}},
	}})
	l := newXferLab(t, s)
	caller := l.answered("pstn", "", "12345", "13800138000")
	l.ari(200, "POST", "/ari/channels/agentleg?endpoint=PJSIP/agent1001&app=liandong")
	l.until(func(ev map[string]any) bool { return ev["type"] == "StasisStart" && chanID(ev) == "agentleg" })
	l.bridge("b1", caller, "agentleg")
	rep, err := s.BlindTransfer("agentleg", "110", "from-pstn")
	if err != nil || rep.Result != "Success" {
		t.Fatalf("transfer = %+v %v", rep, err)
	}
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "ChannelDestroyed" && chanID(ev) == "agentleg" })
	inOrder(t, evs, sub{"BridgeBlindTransfer", "agentleg"}, sub{"ChannelLeftBridge", "agentleg"},
		sub{"ChannelHangupRequest", "agentleg"}, sub{"StasisEnd", "agentleg"}, sub{"ChannelDestroyed", "agentleg"})
	info, err := s.Channel(caller)
	if err != nil || info.Bridge != "b1" {
		t.Fatalf("caller = %+v %v", info, err)
	}
	l.ari(204, "DELETE", "/ari/channels/"+caller)
}

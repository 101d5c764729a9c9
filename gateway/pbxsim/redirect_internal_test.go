package pbxsim

import "testing"

func TestRedirectTargetParsing(t *testing.T) {
	tests := []struct {
		target     string
		uri        bool
		user, host string
		ok         bool
		asterisk   bool
	}{
		{"sip:110@127.0.0.1:5060", true, "110", "127.0.0.1:5060", true, true},
		{"<sip:12345@asterisk;transport=udp>", true, "12345", "asterisk", true, true},
		{"Name <sips:agent@192.0.2.1:5061>", true, "agent", "192.0.2.1:5061", true, false},
		{"sip:pbxsim", true, "", "pbxsim", true, true},
		{"sip:1000@[::1]:5060?Replaces=x", true, "1000", "[::1]:5060", true, true},
		{"tel:+8613800138000", true, "", "", false, false},
		{"1000", false, "", "", false, false},
		{"sip:", false, "", "", false, false},
		{"<sip:1@localhost", false, "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			if got := parsesAsURI(tt.target); got != tt.uri {
				t.Errorf("parsesAsURI = %v, want %v", got, tt.uri)
			}
			user, host, ok := sipUserHost(tt.target)
			if ok != tt.ok || (ok && (user != tt.user || host != tt.host)) {
				t.Errorf("sipUserHost = %q %q %v, want %q %q %v", user, host, ok, tt.user, tt.host, tt.ok)
			}
			if ok && asteriskHost(host) != tt.asterisk {
				t.Errorf("asteriskHost(%q) = %v, want %v", host, !tt.asterisk, tt.asterisk)
			}
		})
	}
}

func FuzzRedirectTarget(f *testing.F) {
	for _, s := range []string{"sip:110@127.0.0.1:5060", "<sip:a@b>", "tel:1", "1000", "<", ">", "sip:@:", "\"x\" <sips:u@[::1]:1;a=b?c=d>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parsesAsURI(s)
		if _, host, ok := sipUserHost(s); ok {
			asteriskHost(host)
		}
	})
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{
		"sip:13800138000@x":  "sip:138****8000@x",
		"1000":               "1000",
		"tel:+8613812345678": "tel:+861****5678",
		"":                   "",
	} {
		if got := maskDigits(in); got != want {
			t.Errorf("maskDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

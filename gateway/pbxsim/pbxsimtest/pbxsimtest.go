// Package pbxsimtest starts the Asterisk emulator for tests on a free loopback port.
package pbxsimtest

import (
	"context"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
)

// App is the ARI application name the lab dialplan routes 12345 and 110 to.
const App = "liandong"

// Credentials of the started server.
const (
	User     = "liandong"
	Password = "liandong"
)

// Start runs a server with the recorded lab's endpoints and routes (see pbxsim.LabRoutes)
// plus the sound "hello-world" (1.4s), closed by t.Cleanup. Options in opts, if any,
// replace these defaults field by field when non-zero.
func Start(t testing.TB, opts ...pbxsim.Options) *pbxsim.Server {
	t.Helper()
	o := pbxsim.Options{
		User: User, Password: Password,
		Endpoints: pbxsim.LabEndpoints(),
		Routes:    pbxsim.LabRoutes(App),
		Sounds:    map[string]time.Duration{"hello-world": 1400 * time.Millisecond},
	}
	if len(opts) > 0 {
		x := opts[0]
		if x.User != "" {
			o.User, o.Password = x.User, x.Password
		}
		if x.Endpoints != nil {
			o.Endpoints = x.Endpoints
		}
		if x.Routes != nil {
			o.Routes = x.Routes
		}
		if x.Sounds != nil {
			o.Sounds = x.Sounds
		}
		o.Dialplan, o.Media, o.SoundsDir, o.Observer = x.Dialplan, x.Media, x.SoundsDir, x.Observer
		o.WriteTimeout, o.MaxBodyBytes, o.Logger, o.AsteriskID = x.WriteTimeout, x.MaxBodyBytes, x.Logger, x.AsteriskID
	}
	s := pbxsim.New(o)
	if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatalf("pbxsimtest: start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("pbxsimtest: close: %v", err)
		}
	})
	return s
}

package simmedia_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
	"liandong/gateway/pbxsim/simmedia"
)

// The codec an originated channel ends up with (originate "formats") sets the
// rate of its media: a wideband channel hears 16 kHz audio.
func TestOriginateFormatsRate(t *testing.T) {
	tests := []struct {
		formats string
		rate    int
	}{
		{"slin16", 16000},
		{"g722,ulaw", 16000},
		{"ulaw", 8000},
		{"", 8000}, // all audio: the endpoint's ulaw first
	}
	for _, tc := range tests {
		t.Run(tc.formats, func(t *testing.T) {
			opts := pbxsim.Options{Endpoints: []pbxsim.Endpoint{{Tech: "PJSIP", Resource: "wide", Context: "default",
				Allow: []string{"ulaw", "slin16", "g722"}, Behaviour: pbxsim.Behaviour{Mode: pbxsim.ModeAnswer}}}}
			simmedia.Enable(&opts, simmedia.Config{HeardLimit: time.Second})
			s := pbxsimtest.Start(t, opts)
			q := "endpoint=PJSIP/wide&extension=answerwait&context=lab-internal"
			if tc.formats != "" {
				q += "&formats=" + tc.formats
			}
			req, _ := http.NewRequest("POST", s.URL()+"/ari/channels?"+q, nil)
			req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var ch pbxsim.ChannelModel
			if resp.StatusCode != 200 || json.Unmarshal(body, &ch) != nil {
				t.Fatalf("originate = %d %s", resp.StatusCode, body)
			}
			for range 200 {
				if _, rate, err := s.Heard(ch.ID); err == nil && rate != 0 {
					if rate != tc.rate {
						t.Fatalf("media rate %d, want %d", rate, tc.rate)
					}
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Fatal("the channel never got media")
		})
	}
}

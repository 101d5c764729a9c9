package pbxsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"liandong/gateway/pbxsim/pbxsimtest"
)

// TestExternalMediaTransports: encapsulation/transport pairs Asterisk does
// not dispatch are a 501 (tests/rest_api/channels/external_media/off-nominal);
// names are compared without case.
func TestExternalMediaTransports(t *testing.T) {
	s := pbxsimtest.Start(t)
	tests := []struct {
		query  string
		status int
		body   string
	}{
		{"channelId=t1&encapsulation=rtp&transport=XXX", 501, `{"message":"The encapsulation and/or transport is not supported"}`},
		{"channelId=t2&encapsulation=YYY&transport=udp", 501, `{"message":"The encapsulation and/or transport is not supported"}`},
		{"channelId=t3&encapsulation=YYY&transport=XXX", 501, `{"message":"The encapsulation and/or transport is not supported"}`},
		{"channelId=t4&encapsulation=audiosocket&transport=udp", 501, `{"message":"The encapsulation and/or transport is not supported"}`},
		{"channelId=t5&encapsulation=RTP&transport=UDP", 200, ``},
		{"channelId=t6", 200, ``},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("POST", s.URL()+"/ari/channels/externalMedia?app=liandong&external_host=127.0.0.1:59999&format=ulaw&"+tc.query, nil)
		req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.body != "" && strings.TrimSpace(string(b)) != tc.body) {
			t.Errorf("%s: %d %s; want %d %s", tc.query, resp.StatusCode, b, tc.status, tc.body)
		}
	}
}

// TestExternalMediaVariables: variables given to externalMedia are set on
// the channel it returns (tests/rest_api/channels/external_media/nominal).
func TestExternalMediaVariables(t *testing.T) {
	s := pbxsimtest.Start(t)
	body := `{"variables":{"CALLERID(name)":"foo","LAB":"1"}}`
	req, _ := http.NewRequest("POST", s.URL()+"/ari/channels/externalMedia?app=liandong&external_host=127.0.0.1:59999&format=ulaw&channelId=v1", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ch struct {
		Caller struct{ Name string } `json:"caller"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ch); err != nil || resp.StatusCode != 200 {
		t.Fatalf("externalMedia: %d %v", resp.StatusCode, err)
	}
	if ch.Caller.Name != "foo" {
		t.Errorf("caller name %q, want foo", ch.Caller.Name)
	}
}

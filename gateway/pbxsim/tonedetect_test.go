package pbxsim_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// TestToneDetectFunction: TONE_DETECT through ARI /variable without real
// media: writes are checked as res_tonedetect checks them (400 "Failed to
// execute function"), reads answer the counts or 500 without a detector.
func TestToneDetectFunction(t *testing.T) {
	s := pbxsimtest.Start(t, pbxsim.Options{Routes: []pbxsim.Route{
		{Context: "from-pstn", Exten: "12345", Steps: []string{"NoOp()", "Wait(30)"}},
		{Context: "from-pstn", Exten: "110", Steps: []string{"Set(TONE_DETECT(2100,,g(s,1))=)", "Wait(30)"}},
	}})
	do := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL()+path, nil)
		req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	call := func(to string) string {
		id, err := s.Call(context.Background(), pbxsim.CallSpec{To: to, CallerNumber: "13800138000"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	v := func(id, fn string) string { return "/ari/channels/" + id + "/variable?variable=" + url.QueryEscape(fn) }
	a := call("12345")
	steps := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", v(a, "TONE_DETECT(rx)"), 500, `{"message":"Unable to read provided function"}`},
		{"POST", v(a, "TONE_DETECT(0,,x)"), 400, `{"message":"Failed to execute function"}`},
		{"POST", v(a, "TONE_DETECT(abc)"), 400, `{"message":"Failed to execute function"}`},
		{"POST", v(a, "TONE_DETECT(2100,0)"), 400, `{"message":"Failed to execute function"}`},
		{"POST", v(a, "TONE_DETECT(2100+1000)"), 400, `{"message":"Failed to execute function"}`},
		{"POST", v(a, "TONE_DETECT()"), 400, `{"message":"Failed to execute function"}`},
		{"POST", v(a, "TONE_DETECT(2100,1000,n(2)g(ctx,s,1))"), 204, ``},
		{"GET", v(a, "TONE_DETECT(rx)"), 200, `{"value":"0"}`},
		{"GET", v(a, "TONE_DETECT(tx)"), 200, `{"value":"0"}`},
		{"GET", v(a, "TONE_DETECT(both)"), 200, `{"value":"0"}`}, // a 't' in it: tx
		{"GET", v(a, "TONE_DETECT(x)"), 200, `{"value":""}`},
		{"GET", v(a, "TONE_DETECT"), 404, `{"message":"Provided variable was not found"}`},
		{"POST", v(a, "tone_detect(2100)"), 204, ``}, // function names are case-insensitive
		{"POST", v(a, "TONE_DETECT(0,,x)"), 204, ``},
		{"GET", v(a, "TONE_DETECT(rx)"), 500, `{"message":"Unable to read provided function"}`},
		{"GET", v(a, "NO_SUCH_FUNC(x)"), 500, `{"message":"Unable to read provided function"}`},
		{"GET", v(a, "NO_SUCH_VAR"), 404, `{"message":"Provided variable was not found"}`},
	}
	for _, st := range steps {
		status, body := do(st.method, st.path)
		if status != st.status || strings.TrimSpace(body) != st.body {
			t.Errorf("%s %s = %d %s; want %d %s", st.method, st.path, status, body, st.status, st.body)
		}
	}
	// Dialplan Set(TONE_DETECT(...)=) starts a detector too.
	b := call("110")
	for range 100 {
		if status, body := do("GET", v(b, "TONE_DETECT(rx)")); status == 200 {
			if body != `{"value":"0"}` {
				t.Errorf("after dialplan Set: %s", body)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("dialplan Set(TONE_DETECT(...)=) left no detector")
}

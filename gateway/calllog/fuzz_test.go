package calllog

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// FuzzSpoolRead feeds arbitrary bytes as a spool file: opening and reading
// it must never panic, and whatever it yields must be valid events.
func FuzzSpoolRead(f *testing.F) {
	f.Add([]byte(`{"id":"01JDX5Q0000000000000000000","hotline":"12345","call":"c1","seq":1,"ts":1,"type":"call.ended","data":{"cause":"system"}}` + "\n"))
	f.Add([]byte("{not json\n{\"id\":\n"))
	f.Add([]byte(`{"id":"X","hotline":"12345","call":"c1","seq":1,"ts":1,"type":"call.ended","data":{"cause":"system"}}`))
	f.Add([]byte("\n\n\n"))
	f.Add([]byte{0xff, 0x00, '\n', '{', '}'})
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "s.jsonl"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := openSpool(dir, "s.jsonl", lg)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer s.close()
		for range 100 {
			evs, off, err := s.readBatch(16, s.size, func([]byte, string) {})
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			for i := range evs {
				if err := evs[i].Validate(); err != nil {
					t.Fatalf("invalid event returned: %v", err)
				}
			}
			if off == s.readOff {
				break
			}
			s.readOff = off
		}
		if s.readOff != s.size {
			t.Fatalf("stopped at %d of %d", s.readOff, s.size)
		}
	})
}

// FuzzValidatePayload: any payload gets a verdict, never a panic.
func FuzzValidatePayload(f *testing.F) {
	f.Add("call.started", "caller", "13812345678", "line", "12345")
	f.Add("survey.recorded", "score", "9", "", "")
	f.Add("kb.answered", "entry", "a b", "version", "-3")
	f.Fuzz(func(t *testing.T, typ, k1, v1, k2, v2 string) {
		_ = ValidatePayload(Type(typ), map[string]string{k1: v1, k2: v2})
		ev := Event{Hotline: k1, CallID: v1, Seq: 1, Type: Type(typ), Payload: map[string]string{k2: v2}}
		_ = ev.Validate()
	})
}

// FuzzDecodeWorkOrder: any bytes on the work-order path get a verdict.
func FuzzDecodeWorkOrder(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "workorder.golden.json")); err == nil {
		f.Add(string(b))
	}
	f.Add(`{"order_no":"x"}`)
	f.Add(`{"order_no":1}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		w, err := decodeWorkOrder(s)
		if err == nil {
			_ = w.Validate(DefaultRegionCodes)
		}
	})
}

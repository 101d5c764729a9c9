package calllog

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleOrder() *WorkOrder {
	return &WorkOrder{
		OrderNo:       "GD20261128000123",
		Kind:          "ticket",
		Channel:       "phone",
		AcceptedAt:    1_764_300_000_000,
		AcceptedBy:    "a18",
		RecordingID:   "rec-1764300000-42",
		CallID:        "c-42",
		Requester:     Requester{Name: "张先生", Type: "person"},
		CallerNumber:  "13812345678",
		ContactNumber: "13812345678",
		RequestType:   "complaint",
		Category:      "to12345-076",
		Summary:       "小区旁工地夜间施工噪声扰民",
		OccurredAt:    1_764_290_000_000,
		Address:       "城区某街道某小区东侧",
		RegionCode:    "140502",
		Urgency:       "normal",
		Severity:      "IV",
		Handling:      "assign",
		LeadUnit:      "city-housing",
		CoUnits:       []string{"city-env"},
		FirstUnit:     "city-housing",
		DueAt:         1_764_300_000_000 + 5*24*3600*1000,
		Knowledge:     []KnowledgeRef{{Entry: "faq-12", Version: 3}},
	}
}

// The documented example in testdata is a valid order; keeping it as a
// golden file means the doc's format and the struct cannot drift apart.
func TestWorkOrderGolden(t *testing.T) {
	b, err := json.MarshalIndent(sampleOrder(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "workorder.golden.json")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (UPDATE_GOLDEN=1 to create): %v", err)
	}
	if strings.TrimSpace(string(want)) != string(b) {
		t.Errorf("work order JSON changed:\n%s\nwant:\n%s", b, want)
	}
	w, err := decodeWorkOrder(string(want))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Validate(DefaultRegionCodes); err != nil {
		t.Fatal(err)
	}
}

func TestWorkOrderValidate(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(w *WorkOrder)
		regions []string
		wantErr string
	}{
		{"ok", func(w *WorkOrder) {}, DefaultRegionCodes, ""},
		{"no number", func(w *WorkOrder) { w.OrderNo = "" }, nil, "order_no is required"},
		{"bad kind", func(w *WorkOrder) { w.Kind = "fire" }, nil, `kind "fire" is not one of`},
		{"bad channel", func(w *WorkOrder) { w.Channel = "pigeon" }, nil, `channel "pigeon"`},
		{"no accepted_at", func(w *WorkOrder) { w.AcceptedAt = 0 }, nil, "accepted_at is required"},
		{"bad requester type", func(w *WorkOrder) { w.Requester.Type = "" }, nil, "requester.type"},
		{"anonymous with name", func(w *WorkOrder) { w.Anonymous = true }, nil, "anonymous order must not carry"},
		{"anonymous ok", func(w *WorkOrder) { w.Anonymous = true; w.Requester.Name = "" }, nil, ""},
		{"bad caller", func(w *WorkOrder) { w.CallerNumber = "abc" }, nil, "caller_number is not a phone number"},
		{"bad request type", func(w *WorkOrder) { w.RequestType = "咨询" }, nil, "request_type"},
		{"no summary", func(w *WorkOrder) { w.Summary = "" }, nil, "summary is required"},
		{"long summary", func(w *WorkOrder) { w.Summary = strings.Repeat("长", MaxSummaryLen+1) }, nil, "summary must be"},
		{"region 5 digits", func(w *WorkOrder) { w.RegionCode = "14050" }, nil, "not 6 digits"},
		{"region not listed", func(w *WorkOrder) { w.RegionCode = "110101" }, DefaultRegionCodes, "not in the configured list"},
		{"region any when nil", func(w *WorkOrder) { w.RegionCode = "110101" }, nil, ""},
		{"bad severity", func(w *WorkOrder) { w.Severity = "一般" }, nil, "severity"},
		{"assign without lead", func(w *WorkOrder) { w.LeadUnit = "" }, nil, "lead_unit is required"},
		{"direct answer no lead", func(w *WorkOrder) { w.Handling = "direct_answer"; w.LeadUnit = "" }, nil, ""},
		{"due before accepted", func(w *WorkOrder) { w.DueAt = w.AcceptedAt - 1 }, nil, "due_at is before"},
		{"kb version 0", func(w *WorkOrder) { w.Knowledge[0].Version = 0 }, nil, "knowledge[].version"},
		{"revisit ok", func(w *WorkOrder) { w.Revisit = &Revisit{At: 1, By: "a2", Satisfaction: "satisfied"} }, nil, ""},
		{"revisit bad", func(w *WorkOrder) { w.Revisit = &Revisit{At: 1, By: "a2", Satisfaction: "meh"} }, nil, "revisit.satisfaction"},
		{"police without link", func(w *WorkOrder) { w.Kind = "police" }, nil, "police link is required"},
		{"transfer 110 without link", func(w *WorkOrder) { w.Handling = "transfer_110" }, nil, "police link is required"},
		{"police ok", func(w *WorkOrder) {
			w.Kind, w.Handling = "police", "transfer_110"
			w.Police = &PoliceLink{PoliceNo: "JD2026-77", Direction: "12345_to_110", TransferMode: "one_click", FeedbackStatus: "pending"}
		}, nil, ""},
		{"police bad direction", func(w *WorkOrder) {
			w.Police = &PoliceLink{PoliceNo: "JD2026-77", Direction: "sideways", TransferMode: "one_click", FeedbackStatus: "pending"}
		}, nil, "police.direction"},
		{"several errors at once", func(w *WorkOrder) { w.Kind = ""; w.Summary = "" }, nil, "kind \"\" is not one of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := sampleOrder()
			tc.edit(w)
			err := w.Validate(tc.regions)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidWorkOrder) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want ErrInvalidWorkOrder containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := decodeWorkOrder(`{"order_no":"x","colour":"red"}`); !errors.Is(err, ErrInvalidWorkOrder) {
		t.Errorf("unknown field accepted: %v", err)
	}
}

func TestPutWorkOrder(t *testing.T) {
	s := redistestStart(t)
	rdb := newClient(t, s.Addr)
	opt, _ := testOptions(t, t.TempDir())
	l := openLog(t, rdb, opt)
	w := sampleOrder()
	if err := l.PutWorkOrder("12345", 1, w); err != nil {
		t.Fatal(err)
	}
	w2 := *w
	w2.Revisit = &Revisit{At: w.AcceptedAt + 1000, By: "a2", Satisfaction: "very_satisfied"}
	if err := l.PutWorkOrder("12345", 2, &w2); err != nil {
		t.Fatal(err)
	}
	if err := l.PutWorkOrder("12345", 2, &w2); err != nil { // a replay of rev 2
		t.Fatal(err)
	}
	bad := *w
	bad.RegionCode = "110101"
	if err := l.PutWorkOrder("12345", 3, &bad); !errors.Is(err, ErrInvalidWorkOrder) {
		t.Errorf("order outside the region list: %v", err)
	}
	flush(t, l)

	ctx := context.Background()
	msgs, err := rdb.XRange(ctx, WorkOrderStreamKey(DefaultPrefix, "12345"), "-", "+").Result()
	if err != nil || len(msgs) != 2 {
		t.Fatalf("work-order stream: %d entries, %v", len(msgs), err)
	}
	if msgs[0].Values["type"] != string(WorkOrderCreated) || msgs[1].Values["type"] != string(WorkOrderUpdated) || msgs[1].Values["order"] != w.OrderNo || msgs[1].Values["seq"] != "2" {
		t.Errorf("entries %v", msgs)
	}
	got, err := decodeWorkOrder(msgs[1].Values["data"].(string))
	if err != nil || got.Revisit == nil || got.Revisit.Satisfaction != "very_satisfied" {
		t.Errorf("rev 2 data %v %v", got, err)
	}
	rec := rdb.HGetAll(ctx, WorkOrderKey(DefaultPrefix, "12345", w.OrderNo)).Val()
	if rec["last_seq"] != "2" || rec["call_id"] != "c-42" || rec["caller_number"] != "13812345678" || !strings.Contains(rec["order"], "very_satisfied") {
		t.Errorf("record %v", rec)
	}
	if ttl := rdb.TTL(ctx, WorkOrderKey(DefaultPrefix, "12345", w.OrderNo)).Val(); ttl < 179*24*time.Hour {
		t.Errorf("work order ttl %s", ttl)
	}
	if n := rdb.XLen(ctx, StreamKey(DefaultPrefix, "12345")).Val(); n != 0 {
		t.Errorf("work orders leaked into the call-event stream: %d", n)
	}
	if st := l.Stats(); st.Duplicates != 1 {
		t.Errorf("replayed revision not skipped: %+v", st)
	}
	back, rev, err := ReadWorkOrder(ctx, rdb, DefaultPrefix, "12345", w.OrderNo)
	if err != nil || rev != 2 || back.Revisit == nil || back.Summary != w.Summary {
		t.Errorf("ReadWorkOrder = %+v, %d, %v", back, rev, err)
	}
	if _, _, err := ReadWorkOrder(ctx, rdb, DefaultPrefix, "12345", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing order: %v", err)
	}
	if _, err := ReadRecord(ctx, rdb, DefaultPrefix, "12345", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing record: %v", err)
	}
}

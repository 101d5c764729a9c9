package calllog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Work-order event types: entries of the P{hotline}:workorders stream.
const (
	WorkOrderCreated Type = "workorder.created"
	WorkOrderUpdated Type = "workorder.updated"
)

// DefaultRegionCodes are the 行政区划代码 accepted by default: 晋城市 140500
// and its districts 城区 140502, 沁水县 140521, 阳城县 140522, 陵川县
// 140524, 泽州县 140525, 高平市 140581. Options.RegionCodes replaces them.
var DefaultRegionCodes = []string{"140500", "140502", "140521", "140522", "140524", "140525", "140581"}

// WorkOrder is one 工单 (12345 work order) or 警单 (110 dispatch record), in
// the common format the ticketing side reads from the work-order stream.
// Times are Unix milliseconds. Field meanings and allowed values are in
// docs/redis-schema.md.
type WorkOrder struct {
	OrderNo       string         `json:"order_no"`                 // 工单编号 / 警单编号
	Kind          string         `json:"kind"`                     // ticket (工单) | police (警单)
	Channel       string         `json:"channel"`                  // 受理渠道
	AcceptedAt    int64          `json:"accepted_at"`              // 受理时间
	AcceptedBy    string         `json:"accepted_by"`              // 受理人 (agent id)
	RecordingID   string         `json:"recording_id,omitempty"`   // 录音 id
	CallID        string         `json:"call_id,omitempty"`        // the call it came from
	Requester     Requester      `json:"requester"`                // 诉求人
	CallerNumber  string         `json:"caller_number,omitempty"`  // 来电号码
	ContactNumber string         `json:"contact_number,omitempty"` // 联系电话
	Anonymous     bool           `json:"anonymous"`                // 匿名
	Confidential  bool           `json:"confidential"`             // 保密
	RequestType   string         `json:"request_type"`             // 诉求类型
	Category      string         `json:"category"`                 // division-list item id
	Summary       string         `json:"summary"`                  // 摘要
	OccurredAt    int64          `json:"occurred_at,omitempty"`    // 事发时间
	Address       string         `json:"address,omitempty"`        // 事发地址
	RegionCode    string         `json:"region_code"`              // 行政区划代码 (6 digits)
	Urgency       string         `json:"urgency"`                  // 紧急程度
	Severity      string         `json:"severity"`                 // 事件等级 I..IV
	Handling      string         `json:"handling"`                 // 办理方式
	LeadUnit      string         `json:"lead_unit,omitempty"`      // 承办单位: 主办
	CoUnits       []string       `json:"co_units,omitempty"`       // 承办单位: 协办
	FirstUnit     string         `json:"first_unit,omitempty"`     // 首办单位 (首接负责制)
	DueAt         int64          `json:"due_at,omitempty"`         // 办理时限
	Knowledge     []KnowledgeRef `json:"knowledge,omitempty"`      // knowledge entries quoted
	Revisit       *Revisit       `json:"revisit,omitempty"`        // 回访
	Police        *PoliceLink    `json:"police,omitempty"`         // 110 link
}

// Requester is the 诉求人.
type Requester struct {
	Name string `json:"name,omitempty"` // empty when anonymous
	Type string `json:"type"`           // person | enterprise | organization
}

// KnowledgeRef is a knowledge-base entry quoted to the caller.
type KnowledgeRef struct {
	Entry   string `json:"entry"`
	Version int64  `json:"version"`
}

// Revisit is the follow-up call (回访) and its 满意度.
type Revisit struct {
	At           int64  `json:"at"`
	By           string `json:"by"`
	Satisfaction string `json:"satisfaction"` // very_satisfied | satisfied | basically_satisfied | unsatisfied | very_unsatisfied
	Note         string `json:"note,omitempty"`
}

// PoliceLink carries the 110 side of a linked order.
type PoliceLink struct {
	PoliceNo       string `json:"police_no"`       // 警单编号
	Direction      string `json:"direction"`       // 流转方向: 12345_to_110 | 110_to_12345
	TransferMode   string `json:"transfer_mode"`   // 转接方式: one_click | three_way | dispatch
	FeedbackStatus string `json:"feedback_status"` // 反馈状态: pending | accepted | in_progress | done | returned
}

// Allowed values of the enumerated WorkOrder fields.
var (
	WorkOrderKinds    = []string{"ticket", "police"}
	WorkOrderChannels = []string{"phone", "web", "app", "wechat", "sms", "email", "letter", "visit", "110_link"}
	RequesterTypes    = []string{"person", "enterprise", "organization"}
	// RequestTypes: 咨询 consult, 求助 help, 投诉 complaint, 举报 report,
	// 建议 suggestion, 表扬 praise.
	RequestTypes = []string{"consult", "help", "complaint", "report", "suggestion", "praise"}
	Urgencies    = []string{"normal", "urgent", "very_urgent"}
	// Handlings (办理方式): 直接答复 direct_answer, 三方通话 three_way, 转办
	// assign, 转110/119/120/122 transfer_1xx.
	Handlings        = []string{"direct_answer", "three_way", "assign", "transfer_110", "transfer_119", "transfer_120", "transfer_122"}
	Satisfactions    = []string{"very_satisfied", "satisfied", "basically_satisfied", "unsatisfied", "very_unsatisfied"}
	Directions       = []string{"12345_to_110", "110_to_12345"}
	TransferModes    = []string{"one_click", "three_way", "dispatch"}
	FeedbackStatuses = []string{"pending", "accepted", "in_progress", "done", "returned"}
)

// MaxSummaryLen bounds the 摘要 and 事发地址, in characters.
const MaxSummaryLen = 2000

// Validate checks the order. regions lists the accepted 行政区划代码; nil
// accepts any 6-digit code.
func (w *WorkOrder) Validate(regions []string) error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	enum := func(field, v string, allowed []string) {
		if !slices.Contains(allowed, v) {
			bad("%s %q is not one of %s", field, v, strings.Join(allowed, ", "))
		}
	}
	id := func(field, v string, required bool) {
		if v == "" {
			if required {
				bad("%s is required", field)
			}
			return
		}
		if !isID(v, 128) {
			bad("%s %q is not an identifier", field, v)
		}
	}
	text := func(field, v string, required bool) {
		if v == "" {
			if required {
				bad("%s is required", field)
			}
			return
		}
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxSummaryLen {
			bad("%s must be UTF-8 of at most %d characters", field, MaxSummaryLen)
		}
	}
	phone := func(field, v string) {
		if v != "" && !isPhone(v) {
			bad("%s is not a phone number", field)
		}
	}
	id("order_no", w.OrderNo, true)
	enum("kind", w.Kind, WorkOrderKinds)
	enum("channel", w.Channel, WorkOrderChannels)
	if w.AcceptedAt <= 0 {
		bad("accepted_at is required")
	}
	id("accepted_by", w.AcceptedBy, true)
	id("recording_id", w.RecordingID, false)
	id("call_id", w.CallID, false)
	enum("requester.type", w.Requester.Type, RequesterTypes)
	text("requester.name", w.Requester.Name, false)
	if w.Anonymous && w.Requester.Name != "" {
		bad("an anonymous order must not carry the requester's name")
	}
	phone("caller_number", w.CallerNumber)
	phone("contact_number", w.ContactNumber)
	enum("request_type", w.RequestType, RequestTypes)
	id("category", w.Category, true)
	text("summary", w.Summary, true)
	if w.OccurredAt < 0 {
		bad("occurred_at is negative")
	}
	text("address", w.Address, false)
	if len(w.RegionCode) != 6 || strings.Trim(w.RegionCode, "0123456789") != "" {
		bad("region_code %q is not 6 digits", w.RegionCode)
	} else if regions != nil && !slices.Contains(regions, w.RegionCode) {
		bad("region_code %q is not in the configured list", w.RegionCode)
	}
	enum("urgency", w.Urgency, Urgencies)
	enum("severity", w.Severity, severities)
	enum("handling", w.Handling, Handlings)
	id("lead_unit", w.LeadUnit, w.Handling == "assign")
	for _, u := range w.CoUnits {
		id("co_units[]", u, true)
	}
	id("first_unit", w.FirstUnit, false)
	if w.DueAt != 0 && w.DueAt < w.AcceptedAt {
		bad("due_at is before accepted_at")
	}
	for _, k := range w.Knowledge {
		id("knowledge[].entry", k.Entry, true)
		if k.Version < 1 {
			bad("knowledge[].version must be at least 1")
		}
	}
	if r := w.Revisit; r != nil {
		if r.At <= 0 {
			bad("revisit.at is required")
		}
		id("revisit.by", r.By, true)
		enum("revisit.satisfaction", r.Satisfaction, Satisfactions)
		text("revisit.note", r.Note, false)
	}
	if p := w.Police; p != nil {
		id("police.police_no", p.PoliceNo, true)
		enum("police.direction", p.Direction, Directions)
		enum("police.transfer_mode", p.TransferMode, TransferModes)
		enum("police.feedback_status", p.FeedbackStatus, FeedbackStatuses)
	} else if w.Kind == "police" || strings.HasPrefix(w.Handling, "transfer_110") {
		bad("police link is required for a 110 order")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w %q: %s", ErrInvalidWorkOrder, w.OrderNo, strings.Join(errs, "; "))
	}
	return nil
}

// decodeWorkOrder parses the JSON of a work-order event strictly.
func decodeWorkOrder(s string) (*WorkOrder, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	var w WorkOrder
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: decode: %v", ErrInvalidWorkOrder, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the order", ErrInvalidWorkOrder)
	}
	return &w, nil
}

func isWorkOrderType(t Type) bool { return t == WorkOrderCreated || t == WorkOrderUpdated }

// validateWorkOrderEvent checks the payload of a work-order event: one key,
// "order", holding a valid order whose number is the event's entity id.
func validateWorkOrderEvent(e *Event) error {
	js, ok := e.Payload["order"]
	if !ok || len(e.Payload) != 1 {
		return fmt.Errorf("%w: %s: payload must be exactly the key \"order\"", ErrInvalidEvent, e.Type)
	}
	w, err := decodeWorkOrder(js)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidEvent, e.Type, err)
	}
	if err := w.Validate(nil); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidEvent, e.Type, err)
	}
	if w.OrderNo != e.CallID {
		return fmt.Errorf("%w: %s: order_no %q differs from the event's entity %q", ErrInvalidEvent, e.Type, w.OrderNo, e.CallID)
	}
	return nil
}

// PutWorkOrder writes revision rev (1 when created, +1 per change) of a work
// order to the hotline's work-order stream and its record hash, with the
// same guarantees as call events: never waits on Redis, spooled when Redis
// is down, applied once per revision.
func (l *Log) PutWorkOrder(hotline string, rev uint64, w *WorkOrder) error {
	if w == nil {
		return fmt.Errorf("%w: nil order", ErrInvalidWorkOrder)
	}
	if err := w.Validate(l.opt.RegionCodes); err != nil {
		return err
	}
	b, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("%w: encode: %v", ErrInvalidWorkOrder, err)
	}
	t := WorkOrderUpdated
	if rev == 1 {
		t = WorkOrderCreated
	}
	return l.Emit(Event{Hotline: hotline, CallID: w.OrderNo, Seq: rev, Type: t, Payload: map[string]string{"order": string(b)}})
}

// WorkOrderStreamKey is the key of a hotline's work-order stream.
func WorkOrderStreamKey(prefix, hotline string) string {
	return prefix + "{" + hotline + "}:workorders"
}

// WorkOrderKey is the key of a work order's record hash.
func WorkOrderKey(prefix, hotline, orderNo string) string {
	return prefix + "{" + hotline + "}:workorder:" + orderNo
}

// workOrderOps: the record keeps the latest order JSON plus a few fields to
// look it up by.
func workOrderOps(ev *Event) []op {
	js := ev.Payload["order"]
	ops := []op{{"s", "order", js}, {"n", "created_at", fmt.Sprint(ev.TimeMS)}, {"s", "updated_at", fmt.Sprint(ev.TimeMS)}}
	if w, err := decodeWorkOrder(js); err == nil {
		ops = append(ops, op{"s", "kind", w.Kind}, op{"s", "region_code", w.RegionCode}, op{"s", "request_type", w.RequestType})
		if w.CallID != "" {
			ops = append(ops, op{"s", "call_id", w.CallID})
		}
		if w.CallerNumber != "" {
			ops = append(ops, op{"s", "caller_number", w.CallerNumber},
				// Index of the caller's orders by 受理时间, for "latest
				// order of this number"; buildChunk turns the number into
				// the index key.
				op{"z", NormalizeNumber(w.CallerNumber), fmt.Sprint(w.AcceptedAt) + "|" + w.OrderNo})
		}
		if w.Police != nil {
			ops = append(ops, op{"s", "police_no", w.Police.PoliceNo}, op{"s", "feedback_status", w.Police.FeedbackStatus})
		}
	}
	return append(ops, op{"x", "", ""})
}

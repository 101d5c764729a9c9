package gateway

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"liandong/gateway/calllog"
	"liandong/internal/logging"
	"liandong/ivr"
)

// SurveyScores maps the survey's answers to the call log's 1..5 score:
// 满意 4, 基本满意 3, 不满意 2, on the scale of docs/kpi.md (5 非常满意 ..
// 1 非常不满意; 3 or more counts as satisfied).
var SurveyScores = map[string]string{"满意": "4", "基本满意": "3", "不满意": "2"}

// CallLog records calls and their IVR steps in the call log (Redis
// Streams, see docs/redis-schema.md). It implements Recorder and
// ivr.Reporter; it never blocks a call: calllog queues or spools.
type CallLog struct {
	log *calllog.Log
	lg  *slog.Logger

	mu    sync.Mutex
	calls map[string]*loggedCall
}

type loggedCall struct {
	c       *calllog.Call
	queued  bool // in a queue and not yet out
	served  bool // an agent served the caller
	usedKB  bool
	xfer    int
	xferred bool
}

var _ Recorder = (*CallLog)(nil)

// NewCallLog records into l.
func NewCallLog(l *calllog.Log, log *slog.Logger) *CallLog {
	if log == nil {
		log = logging.Discard()
	}
	return &CallLog{log: l, lg: log, calls: map[string]*loggedCall{}}
}

// hotline is the stream a line's events go to: web callers reach 12345.
func hotline(line string) string {
	if line == "110" {
		return "110"
	}
	return "12345"
}

func (r *CallLog) emit(lc *loggedCall, t calllog.Type, payload map[string]string) {
	if err := lc.c.Emit(t, payload); err != nil {
		r.lg.Warn("call log: event refused", "call", lc.c.ID(), "type", t, "err", err)
	}
}

// CallStarted implements Recorder.
func (r *CallLog) CallStarted(_ context.Context, c CallInfo) {
	lc := &loggedCall{c: r.log.Call(hotline(c.Line), c.ID)}
	r.mu.Lock()
	r.calls[c.ID] = lc
	r.mu.Unlock()
	r.emit(lc, calllog.CallStarted, map[string]string{"caller": c.Caller, "line": c.Line, "channel": "pstn"})
}

func (r *CallLog) call(id string) *loggedCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

// Report implements ivr.Reporter: the steps the ticketing side and the
// KPIs need become call log events.
func (r *CallLog) Report(_ context.Context, s ivr.Step) {
	lc := r.call(s.CallID)
	if lc == nil {
		return
	}
	switch s.Event {
	case ivr.EventDigits:
		if s.Kind == ivr.KindMenu || s.Kind == ivr.KindKB {
			r.emit(lc, calllog.IVRChoice, map[string]string{"menu": s.Node, "choice": s.Digits})
		}
	case ivr.EventHotkey:
		r.emit(lc, calllog.IVRChoice, map[string]string{"menu": s.Node, "choice": s.Digits, "label": "hotkey"})
	case ivr.EventKBAnswer:
		lc.usedKB = true
		if s.Entry != "" {
			r.emit(lc, calllog.KBAnswered, map[string]string{"entry": s.Entry, "version": strconv.Itoa(s.EntryVersion)})
		}
	case ivr.EventQueued:
		lc.queued = true
		r.emit(lc, calllog.QueueEntered, map[string]string{"queue": s.Detail})
	case ivr.EventDequeued:
		lc.queued = false
		lc.served = lc.served || s.Detail == ivr.QueueServed.String()
	case ivr.EventTransfer:
		lc.xfer++
		lc.xferred = true
		r.emit(lc, calllog.TransferRequested, map[string]string{"xfer": strconv.Itoa(lc.xfer), "target": s.Detail, "mode": "blind"})
	case ivr.EventSurvey:
		if score, ok := SurveyScores[s.Detail]; ok {
			r.emit(lc, calllog.SurveyRecorded, map[string]string{"score": score})
		}
	}
}

// CallEnded implements Recorder.
func (r *CallLog) CallEnded(_ context.Context, c CallInfo, end string, _ time.Time) {
	r.mu.Lock()
	lc := r.calls[c.ID]
	delete(r.calls, c.ID)
	r.mu.Unlock()
	if lc == nil {
		return
	}
	cause, disposition := "system", ""
	switch ivr.EndReason(end) {
	case ivr.EndCallerHangup:
		cause = "caller_hangup"
		if lc.queued {
			cause = "abandoned"
		}
	case ivr.EndTransferred, ivr.EndQueueTransferred:
		cause, disposition = "transferred", "transferred"
	case ivr.EndError:
		cause = "error"
	}
	switch {
	case disposition != "":
	case lc.served:
		disposition = "answered"
	case lc.usedKB:
		disposition = "self_service"
	}
	p := map[string]string{"cause": cause}
	if disposition != "" {
		p["disposition"] = disposition
	}
	r.emit(lc, calllog.CallEnded, p)
}

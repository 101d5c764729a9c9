package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/knowledge"
	"liandong/knowledge/store"
)

// Headers the editor API reads until authentication lands.
const (
	HeaderUser = "X-Liandong-User"
	HeaderRole = "X-Liandong-Role"
)

// KBOptions configure the knowledge-base API (NewKB).
type KBOptions struct {
	Store  *store.Store
	Holder *knowledge.Holder // the live index "try" and "ask" search
	Logger *slog.Logger
	// NoAnswer is what the text channel says when no entry answers (a
	// suggestion to reach an agent); it comes from configuration.
	NoAnswer string
	// Identify returns the acting user. Default: the actor an auth
	// middleware put in the context (WithActor), else HeaderIdentity.
	Identify func(r *http.Request) (store.Actor, error)
	// Now is the clock for statistics (default time.Now).
	Now func() time.Time
	// RecordTimeout bounds the recording of an answer given, so a Redis
	// outage never stalls the text channel (default 300 ms).
	RecordTimeout time.Duration
}

type actorKey struct{}

// WithActor returns ctx carrying the authenticated actor; an auth
// middleware calls it and the editor API then trusts no header.
func WithActor(ctx context.Context, a store.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor WithActor stored.
func ActorFrom(ctx context.Context) (store.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(store.Actor)
	return a, ok
}

// Errors of identification.
var (
	errNoUser      = errors.New("no user: send the " + HeaderUser + " header")
	errNotLoopback = errors.New("the " + HeaderUser + " header is accepted from loopback clients only")
)

// HeaderIdentity reads the actor from X-Liandong-User and X-Liandong-Role
// (default editor), for clients on loopback only: it stands in for
// authentication and must not be reachable from the network.
func HeaderIdentity(r *http.Request) (store.Actor, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return store.Actor{}, errNotLoopback
	}
	a := store.Actor{User: strings.TrimSpace(r.Header.Get(HeaderUser)), Role: store.Role(r.Header.Get(HeaderRole))}
	if a.User == "" {
		return store.Actor{}, errNoUser
	}
	if a.Role == "" {
		a.Role = store.RoleEditor
	}
	return a, nil
}

func defaultIdentify(r *http.Request) (store.Actor, error) {
	if a, ok := ActorFrom(r.Context()); ok {
		return a, nil
	}
	return HeaderIdentity(r)
}

type kb struct {
	o   KBOptions
	log *slog.Logger
}

// NewKB returns the knowledge-base API under /api/v1/kb/: the editor
// workflow, "try a question", statistics, feedback and the text channel
// (ask). Mount it with Options.KB.
func NewKB(o KBOptions) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Identify == nil {
		o.Identify = defaultIdentify
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RecordTimeout <= 0 {
		o.RecordTimeout = 300 * time.Millisecond
	}
	if o.Holder == nil {
		o.Holder = knowledge.NewHolder(nil)
	}
	h := &kb{o: o, log: o.Logger}
	mux := http.NewServeMux()
	const p = "/api/v1/kb/"
	mux.HandleFunc("POST "+p+"entries", h.auth(h.create))
	mux.HandleFunc("GET "+p+"entries", h.auth(h.list))
	mux.HandleFunc("GET "+p+"entries/{id}", h.auth(h.get))
	mux.HandleFunc("PUT "+p+"entries/{id}", h.auth(h.edit))
	mux.HandleFunc("GET "+p+"entries/{id}/versions/{n}", h.auth(h.version))
	mux.HandleFunc("GET "+p+"entries/{id}/history", h.auth(h.history))
	for _, act := range []string{"submit", "approve", "reject", "publish", "archive", "rollback"} {
		mux.HandleFunc("POST "+p+"entries/{id}/"+act, h.auth(h.transition(act)))
	}
	mux.HandleFunc("POST "+p+"entries/{id}/feedback", h.auth(h.feedback))
	mux.HandleFunc("GET "+p+"tasks", h.auth(h.tasks))
	mux.HandleFunc("POST "+p+"try", h.auth(h.try))
	mux.HandleFunc("GET "+p+"stats/hits", h.auth(h.hits))
	mux.HandleFunc("GET "+p+"stats/unanswered", h.auth(h.unanswered))
	mux.HandleFunc("GET "+p+"ask", h.ask)
	h.mountLexicon(mux, p)
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, errBody{Error: "no such knowledge-base endpoint: " + r.Method + " " + r.URL.Path})
	})
	return mux
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, a store.Actor)

func (h *kb) auth(next handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := h.o.Identify(r)
		if err != nil {
			code := http.StatusUnauthorized
			if errors.Is(err, errNotLoopback) {
				code = http.StatusForbidden
			}
			writeError(w, code, errBody{Error: err.Error()})
			return
		}
		if a.Role != "" && !a.Role.Valid() {
			writeError(w, http.StatusForbidden, errBody{Error: fmt.Sprintf("unknown role %q", a.Role)})
			return
		}
		next(w, r, a)
	}
}

type errBody struct {
	Error   string        `json:"error"`
	Field   string        `json:"field,omitempty"`
	Current *store.Record `json:"current,omitempty"`
}

func writeError(w http.ResponseWriter, code int, b errBody) { writeJSON(w, code, b) }

// fail maps a store error to a status. ifMatch says the expected version
// came from If-Match (a stale one is 412) rather than the body (409).
func (h *kb) fail(w http.ResponseWriter, r *http.Request, err error, ifMatch bool) {
	b := errBody{Error: err.Error()}
	var ce *store.ConflictError
	var ie *store.InputError
	var fe *knowledge.FieldError
	code := http.StatusInternalServerError
	switch {
	case errors.As(err, &ce):
		code = http.StatusConflict
		if ifMatch {
			code = http.StatusPreconditionFailed
		}
		cur := ce.Current
		b.Current = &cur
		w.Header().Set("ETag", etag(cur.Version))
	case errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.As(err, &ie):
		code, b.Field = http.StatusBadRequest, ie.Field
	case errors.As(err, &fe):
		code, b.Field = http.StatusBadRequest, fe.Field
	case errors.Is(err, store.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, store.ErrForbidden), errors.Is(err, store.ErrSelfReview):
		code = http.StatusForbidden
	case errors.Is(err, store.ErrState), errors.Is(err, store.ErrNotApproved), errors.Is(err, store.ErrExists),
		errors.Is(err, store.ErrConflict):
		code = http.StatusConflict
	default:
		h.log.Error("knowledge-base request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		b.Error = "the knowledge store is unavailable"
		code = http.StatusServiceUnavailable
	}
	writeError(w, code, b)
}

func etag(v int) string { return `"` + strconv.Itoa(v) + `"` }

// ifMatch parses If-Match: 0 and false when absent or "*".
func ifMatch(r *http.Request) (int, bool, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, false, nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false, &store.InputError{Field: "If-Match", Msg: fmt.Sprintf("%q is not an entry version", r.Header.Get("If-Match"))}
	}
	return n, true, nil
}

const maxBody = 1 << 20

// decode reads a JSON body strictly; an empty body is allowed when
// optional.
func decode(r *http.Request, v any, optional bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			if optional {
				return nil
			}
			return &store.InputError{Field: "body", Msg: "is empty: send a JSON object"}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &store.InputError{Field: te.Field, Msg: fmt.Sprintf("must be %s", te.Type)}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return &store.InputError{Field: strings.Trim(f, `"`), Msg: "is not a known field"}
		}
		return &store.InputError{Field: "body", Msg: "is not valid JSON: " + err.Error()}
	}
	return nil
}

// entryInput is what an editor sends; state fields are the workflow's.
type entryInput struct {
	ID               string     `json:"id"`
	Department       string     `json:"department"`
	Title            string     `json:"title"`
	SimilarQuestions []string   `json:"similar_questions"`
	CallerQuestions  []string   `json:"caller_questions"`
	Answer           string     `json:"answer"`
	Keywords         []string   `json:"keywords"`
	ValidFrom        *time.Time `json:"valid_from"`
	ValidUntil       *time.Time `json:"valid_until"`
	// Version is the version the edit started from (instead of If-Match).
	Version int `json:"version"`
}

func (in entryInput) entry() knowledge.Entry {
	return knowledge.Entry{ID: in.ID, Department: in.Department, Title: in.Title, SimilarQuestions: in.SimilarQuestions,
		CallerQuestions: in.CallerQuestions, Answer: in.Answer, Keywords: in.Keywords, ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil}
}

func writeRecord(w http.ResponseWriter, code int, rec store.Record) {
	w.Header().Set("ETag", etag(rec.Version))
	writeJSON(w, code, rec)
}

func (h *kb) create(w http.ResponseWriter, r *http.Request, a store.Actor) {
	var in entryInput
	if err := decode(r, &in, false); err != nil {
		h.fail(w, r, err, false)
		return
	}
	rec, err := h.o.Store.Create(r.Context(), a, in.entry())
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	w.Header().Set("Location", "/api/v1/kb/entries/"+rec.ID)
	writeRecord(w, http.StatusCreated, rec)
}

func (h *kb) get(w http.ResponseWriter, r *http.Request, a store.Actor) {
	rec, err := h.o.Store.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeRecord(w, http.StatusOK, rec)
}

func (h *kb) version(w http.ResponseWriter, r *http.Request, a store.Actor) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		h.fail(w, r, &store.InputError{Field: "version", Msg: fmt.Sprintf("%q is not a version number", r.PathValue("n"))}, false)
		return
	}
	rec, err := h.o.Store.GetVersion(r.Context(), r.PathValue("id"), n)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (h *kb) list(w http.ResponseWriter, r *http.Request, a store.Actor) {
	q := r.URL.Query()
	recs, err := h.o.Store.List(r.Context(), store.Filter{Status: knowledge.Status(q.Get("status")), Department: q.Get("department")})
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	if recs == nil {
		recs = []store.Record{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": recs})
}

func (h *kb) edit(w http.ResponseWriter, r *http.Request, a store.Actor) {
	exp, fromHeader, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	var in entryInput
	if err := decode(r, &in, false); err != nil {
		h.fail(w, r, err, false)
		return
	}
	if !fromHeader {
		exp = in.Version
	}
	if exp < 1 {
		writeError(w, http.StatusPreconditionRequired, errBody{Error: "an edit needs the version it started from: send If-Match or \"version\"", Field: "If-Match"})
		return
	}
	rec, err := h.o.Store.Edit(r.Context(), a, r.PathValue("id"), exp, in.entry())
	if err != nil {
		h.fail(w, r, err, fromHeader)
		return
	}
	writeRecord(w, http.StatusOK, rec)
}

// transitionInput is the body of the workflow actions (all optional but a
// rejection's comment and a rollback's target).
type transitionInput struct {
	Comment string `json:"comment"`
	To      int    `json:"to"`
}

func (h *kb) transition(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a store.Actor) {
		exp, fromHeader, err := ifMatch(r)
		if err != nil {
			h.fail(w, r, err, false)
			return
		}
		var in transitionInput
		if err := decode(r, &in, true); err != nil {
			h.fail(w, r, err, false)
			return
		}
		ctx, s, id := r.Context(), h.o.Store, r.PathValue("id")
		var rec store.Record
		switch action {
		case "submit":
			rec, err = s.SubmitForReview(ctx, a, id, exp)
		case "approve":
			rec, err = s.Approve(ctx, a, id, exp, in.Comment)
		case "reject":
			rec, err = s.Reject(ctx, a, id, exp, in.Comment)
		case "publish":
			rec, err = s.Publish(ctx, a, id, exp)
		case "archive":
			rec, err = s.Archive(ctx, a, id, exp, in.Comment)
		case "rollback":
			rec, err = s.Rollback(ctx, a, id, exp, in.To, in.Comment)
		}
		if err != nil {
			h.fail(w, r, err, fromHeader)
			return
		}
		writeRecord(w, http.StatusOK, rec)
	}
}

func (h *kb) history(w http.ResponseWriter, r *http.Request, a store.Actor) {
	ev, err := h.o.Store.History(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "events": ev})
}

type feedbackInput struct {
	Kind    store.FeedbackKind `json:"kind"`
	Comment string             `json:"comment"`
	Version int                `json:"version"`
}

func (h *kb) feedback(w http.ResponseWriter, r *http.Request, a store.Actor) {
	var in feedbackInput
	if err := decode(r, &in, false); err != nil {
		h.fail(w, r, err, false)
		return
	}
	t, err := h.o.Store.Feedback(r.Context(), a, r.PathValue("id"), in.Version, in.Kind, in.Comment)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

// queryInt reads an optional positive integer query parameter.
func queryInt(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, &store.InputError{Field: name, Msg: fmt.Sprintf("%q must be a number from 1 to 1000", v)}
	}
	return n, nil
}

func (h *kb) tasks(w http.ResponseWriter, r *http.Request, a store.Actor) {
	n, err := queryInt(r, "n", 100)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	ts, err := h.o.Store.Tasks(r.Context(), r.URL.Query().Get("department"), n)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": ts})
}

const maxQuestionRunes = 500

func question(q string) (string, error) {
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return "", &store.InputError{Field: "q", Msg: "is empty: ask a question"}
	case !utf8.ValidString(q):
		return "", &store.InputError{Field: "q", Msg: "is not valid UTF-8"}
	case utf8.RuneCountInString(q) > maxQuestionRunes:
		return "", &store.InputError{Field: "q", Msg: fmt.Sprintf("is longer than %d characters", maxQuestionRunes)}
	}
	return q, nil
}

type tryInput struct {
	Q string `json:"q"`
	K int    `json:"k"`
}

// tryHit is a ranked match with the version that would be read out.
type tryHit struct {
	knowledge.Hit
	Version int `json:"version"`
}

func (h *kb) try(w http.ResponseWriter, r *http.Request, a store.Actor) {
	var in tryInput
	if err := decode(r, &in, false); err != nil {
		h.fail(w, r, err, false)
		return
	}
	q, err := question(in.Q)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	if in.K == 0 {
		in.K = 5
	}
	if in.K < 1 || in.K > 20 {
		h.fail(w, r, &store.InputError{Field: "k", Msg: "must be from 1 to 20"}, false)
		return
	}
	ix := h.o.Holder.Index()
	res := ix.Search(q, in.K)
	hits := make([]tryHit, 0, len(res.Hits))
	for _, hit := range res.Hits {
		e, _ := ix.Entry(hit.ID)
		hits = append(hits, tryHit{Hit: hit, Version: e.Version})
	}
	// outside / uncovered / reject say why the search refused, mended what
	// it searched instead of the question as typed, for the editor.
	writeJSON(w, http.StatusOK, map[string]any{"q": q, "hits": hits, "confidence": res.Confidence, "no_answer": res.NoAnswer,
		"outside": res.Outside, "uncovered": res.Uncovered, "reject": res.Reject, "mended": res.Mended})
}

// askReply is the text channel's answer.
type askReply struct {
	Answered     bool    `json:"answered"`
	ID           string  `json:"id,omitempty"`
	Version      int     `json:"version,omitempty"`
	Title        string  `json:"title,omitempty"`
	Department   string  `json:"department,omitempty"`
	Answer       string  `json:"answer,omitempty"`
	Confidence   float64 `json:"confidence"`
	SuggestAgent bool    `json:"suggest_agent"`
	Message      string  `json:"message,omitempty"`
}

// ask is the text channel (智能文本客服): the phone's search, recorded like
// a phone answer. It needs no identity: it is what the public web page calls.
func (h *kb) ask(w http.ResponseWriter, r *http.Request) {
	q, err := question(r.URL.Query().Get("q"))
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	ix := h.o.Holder.Index()
	res := ix.Search(q, 3)
	rep := askReply{Confidence: res.Confidence}
	var e knowledge.Entry
	ok := false
	if !res.NoAnswer && len(res.Hits) > 0 {
		e, ok = ix.Entry(res.Hits[0].ID)
	}
	// Recording must not hold the answer up if Redis is slow or away.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.o.RecordTimeout)
	defer cancel()
	now := h.o.Now()
	if ok {
		rep.Answered, rep.ID, rep.Version, rep.Title, rep.Department, rep.Answer = true, e.ID, e.Version, e.Title, e.Department, e.Answer
		err = h.o.Store.RecordAnswer(rctx, store.Answer{EntryID: e.ID, Version: e.Version, Channel: store.ChannelText, At: now})
	} else {
		rep.SuggestAgent, rep.Message = true, h.o.NoAnswer
		err = h.o.Store.RecordUnanswered(rctx, q, now)
	}
	if err != nil {
		h.log.Warn("text channel answer not recorded", "err", err)
	}
	writeJSON(w, http.StatusOK, rep)
}

// days reads ?day= (the last day, default today) and ?days= (how many
// days ending with it, default 1).
func (h *kb) days(r *http.Request) (time.Time, int, error) {
	last := h.o.Now()
	if v := r.URL.Query().Get("day"); v != "" {
		var err error
		if last, err = store.ParseDay(v); err != nil {
			return last, 0, err
		}
	}
	n := 1
	if v := r.URL.Query().Get("days"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > store.MaxDays {
			return last, 0, &store.InputError{Field: "days", Msg: fmt.Sprintf("%q must be a number from 1 to %d", v, store.MaxDays)}
		}
	}
	return last, n, nil
}

func (h *kb) hits(w http.ResponseWriter, r *http.Request, a store.Actor) {
	last, n, err := h.days(r)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	out, err := h.o.Store.HitsRange(r.Context(), last, n, r.URL.Query().Get("id"))
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"days": out})
}

func (h *kb) unanswered(w http.ResponseWriter, r *http.Request, a store.Actor) {
	last, days, err := h.days(r)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	n, err := queryInt(r, "n", 50)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	qs, err := h.o.Store.Unanswered(r.Context(), last, days, n)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"from": last.AddDate(0, 0, 1-days).Format("2006-01-02"), "to": last.Format("2006-01-02"), "questions": qs})
}

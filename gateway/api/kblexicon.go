package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"liandong/knowledge/store"
)

// The search tables (synonyms, concepts, rejects) as editors change them:
// read, write with optimistic concurrency, old versions, history. A write
// is served by every instance within a second (store.Live).

// lexiconInput is the body of PUT /api/v1/kb/lexicon.
type lexiconInput struct {
	Version int    `json:"version"` // the version the editor changed; 0 for the first
	YAML    string `json:"yaml"`
	Comment string `json:"comment"`
}

// maxLexiconBody bounds the request: the tables plus JSON escaping.
const maxLexiconBody = 2*store.MaxLexiconBytes + 4096

func (h *kb) mountLexicon(mux *http.ServeMux, p string) {
	mux.HandleFunc("GET "+p+"lexicon", h.auth(h.getLexicon))
	mux.HandleFunc("PUT "+p+"lexicon", h.auth(h.putLexicon))
	mux.HandleFunc("GET "+p+"lexicon/versions/{n}", h.auth(h.lexiconVersion))
	mux.HandleFunc("GET "+p+"lexicon/history", h.auth(h.lexiconHistory))
}

func writeLexicon(w http.ResponseWriter, code int, rec store.LexiconRecord) {
	w.Header().Set("ETag", etag(rec.Version))
	writeJSON(w, code, rec)
}

func (h *kb) getLexicon(w http.ResponseWriter, r *http.Request, _ store.Actor) {
	rec, err := h.o.Store.GetLexicon(r.Context())
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeLexicon(w, http.StatusOK, rec)
}

func (h *kb) lexiconVersion(w http.ResponseWriter, r *http.Request, _ store.Actor) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		h.fail(w, r, &store.InputError{Field: "n", Msg: "must be a version number"}, false)
		return
	}
	rec, err := h.o.Store.GetLexiconVersion(r.Context(), n)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeLexicon(w, http.StatusOK, rec)
}

func (h *kb) lexiconHistory(w http.ResponseWriter, r *http.Request, _ store.Actor) {
	ev, err := h.o.Store.History(r.Context(), store.LexiconID)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": store.LexiconID, "events": ev})
}

func (h *kb) putLexicon(w http.ResponseWriter, r *http.Request, a store.Actor) {
	exp, fromHeader, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	var in lexiconInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLexiconBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		h.fail(w, r, &store.InputError{Field: "body", Msg: "must be a JSON object {version, yaml, comment}: " + err.Error()}, false)
		return
	}
	if !fromHeader {
		exp = in.Version
	}
	rec, err := h.o.Store.PutLexicon(r.Context(), a, exp, in.YAML, in.Comment)
	var ce *store.LexiconConflictError
	switch {
	case errors.As(err, &ce):
		code := http.StatusConflict
		if fromHeader {
			code = http.StatusPreconditionFailed
		}
		w.Header().Set("ETag", etag(ce.Current.Version))
		writeJSON(w, code, map[string]any{"error": err.Error(), "current": ce.Current})
		return
	case err != nil:
		h.fail(w, r, err, fromHeader)
		return
	}
	h.log.Info("faq search tables changed", "user", a.User, "version", rec.Version)
	writeLexicon(w, http.StatusOK, rec)
}

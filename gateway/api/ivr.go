package api

import (
	"errors"
	"io"
	"net/http"

	"liandong/ivr"
)

// FlowRegistry is the IVR flows the gateway runs; *ivr.Registry is one.
// A reload validates before it swaps, and calls in progress keep the
// version they started with.
type FlowRegistry interface {
	Current() *ivr.FlowSet
	Reload() (string, error)
	Replace(b []byte) (string, error)
}

// maxFlowBytes bounds an uploaded flow file.
const maxFlowBytes = 1 << 20

func mountIVR(mux *http.ServeMux, flows FlowRegistry) {
	mux.HandleFunc("GET /api/v1/ivr/flows", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"version": flows.Current().Version})
	})
	// Re-read the flow file from disk (as SIGHUP does).
	mux.HandleFunc("POST /api/v1/ivr/reload", func(w http.ResponseWriter, r *http.Request) {
		v, err := flows.Reload()
		writeFlowResult(w, v, err)
	})
	// Replace the flows with the YAML in the body.
	mux.HandleFunc("PUT /api/v1/ivr/flows", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFlowBytes))
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "flow file larger than 1 MiB"})
			return
		}
		v, err := flows.Replace(b)
		writeFlowResult(w, v, err)
	})
}

func writeFlowResult(w http.ResponseWriter, version string, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]string{"version": version})
	case errors.Is(err, ivr.ErrInvalidFlow):
		// The running flows stay; the error names the node and line.
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
	}
}

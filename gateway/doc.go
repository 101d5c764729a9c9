// Package gateway turns ARI events into calls. It owns the registry of live
// calls and each call's lifecycle: one goroutine and one context per call,
// started on StasisStart, ended (with a cause) when the caller leaves, the
// flow hands the call on, or the gateway shuts down; whatever the call held
// is released under its own deadline.
//
// The gateway speaks ARI only through gateway/ari, runs flows with ivr, and
// defines the small interfaces it needs of the parts that come later (the
// ACD's queues, transfers, the call log): see Queuer, Transferer, Recorder.
package gateway

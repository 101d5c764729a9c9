// Package pbxsim is an ARI-compatible Asterisk emulator: it speaks Asterisk's REST
// Interface over real HTTP and its event WebSocket, with Asterisk's models, status
// codes, error bodies and event order (as recorded from Asterisk 22 in
// testdata/transcripts), and it plays the world outside Asterisk (callers, agent
// phones) through a Go API and a control HTTP API under /sim/.
//
// It imports nothing of the gateway: it is test infrastructure and the embedded
// backend of the demo, and the gateway talks to it exactly as to Asterisk.
package pbxsim

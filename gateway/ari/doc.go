// Package ari is the gateway's adapter to the Asterisk REST Interface.
//
// It is the only package of the project that imports
// github.com/CyCoreSystems/ari/v5 (v5.3.1). It keeps that module's models as
// the shared vocabulary (re-exported here as type aliases, so the rest of the
// gateway never imports ari/v5 itself) but owns the two things v5.3.1 gets
// wrong for a hotline:
//
//   - the event transport: one WebSocket reader per Asterisk node that never
//     blocks on call logic, decodes the event type first, survives event
//     types ari/v5 does not know, routes every event to an ordered,
//     never-dropping per-owner queue, treats ApplicationReplaced as fatal,
//     reconnects with bounded exponential backoff and resynchronises after
//     every (re)connect;
//   - REST: every request carries a context and a deadline, and errors keep
//     Asterisk's status code and message body.
//
// The surface the gateway sees is small: Open returns a *Client (one *Node
// per Asterisk node), Client.Events is the default queue (new calls and
// connection news), and each call takes a *Subscription from its Node and
// drives the node through the Conn interface. See docs/ari-adapter.md.
package ari

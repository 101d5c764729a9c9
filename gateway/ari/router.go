package ari

import (
	"sync"
)

// router maps a node's channel/bridge/playback/recording ids to the
// Subscription that owns them. The reader only reads it (RLock); owners
// write it when they watch or unwatch an id.
type router struct {
	mu     sync.RWMutex
	routes map[routeKey]*Subscription
	subs   map[*Subscription]struct{}
}

func newRouter() *router {
	return &router{routes: map[routeKey]*Subscription{}, subs: map[*Subscription]struct{}{}}
}

// owner finds who an event belongs to: its playback or recording first (a
// call may watch one it started on a shared bridge), then its channel
// (Dial: the peer, then the caller), a replaced channel, its bridge, and
// last the owner of one of the bridge's channels.
func (r *router) owner(ev *Event) *Subscription {
	r.mu.RLock()
	defer r.mu.RUnlock()
	look := func(k routeKind, id string) *Subscription {
		if id == "" {
			return nil
		}
		return r.routes[routeKey{k, id}]
	}
	if s := look(kindPlayback, ev.PlaybackID); s != nil {
		return s
	}
	if s := look(kindRecording, ev.RecordingName); s != nil {
		return s
	}
	if s := look(kindChannel, ev.ChannelID); s != nil {
		return s
	}
	if s := look(kindChannel, ev.caller); s != nil {
		return s
	}
	if s := look(kindChannel, ev.replaced); s != nil {
		return s
	}
	if s := look(kindBridge, ev.BridgeID); s != nil {
		return s
	}
	for _, id := range ev.members {
		if s := look(kindChannel, id); s != nil {
			return s
		}
	}
	return nil
}

// adopt opens a Subscription for an unwatched StasisStart's channel, unless
// someone watched it meanwhile (then that owner is returned, adopted=false).
func (r *router) adopt(n *Node, channelID string) (s *Subscription, adopted bool) {
	k := routeKey{kindChannel, channelID}
	r.mu.Lock()
	defer r.mu.Unlock()
	if o := r.routes[k]; o != nil {
		return o, false
	}
	s = newSubscription(n)
	s.keys = append(s.keys, k)
	r.routes[k] = s
	r.subs[s] = struct{}{}
	return s, true
}

func (r *router) all() []*Subscription {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Subscription, 0, len(r.subs))
	for s := range r.subs {
		out = append(out, s)
	}
	return out
}

// Subscription is one owner's view of a node's events (typically one call):
// the ids it watches and the ordered queue their events land in. Watch an
// id BEFORE the REST request that creates or affects it: Asterisk often
// sends the events before the HTTP response.
type Subscription struct {
	*Mailbox
	node *Node
	keys []routeKey // guarded by node.router.mu
}

func newSubscription(n *Node) *Subscription {
	return &Subscription{Mailbox: newMailbox(), node: n}
}

// Node is the node whose events this subscription receives; use it for
// REST on the subscription's channels.
func (s *Subscription) Node() *Node { return s.node }

func (s *Subscription) watch(k routeKind, id string) {
	if id == "" {
		return
	}
	r := s.node.router
	key := routeKey{k, id}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, live := r.subs[s]; !live {
		return // closed
	}
	if o := r.routes[key]; o != nil && o != s {
		o.dropKey(key) // the id moves to its new owner (e.g. a transfer)
	}
	r.routes[key] = s
	for _, have := range s.keys {
		if have == key {
			return
		}
	}
	s.keys = append(s.keys, key)
}

func (s *Subscription) dropKey(key routeKey) {
	for i, have := range s.keys {
		if have == key {
			s.keys[i] = s.keys[len(s.keys)-1]
			s.keys = s.keys[:len(s.keys)-1]
			return
		}
	}
}

func (s *Subscription) unwatch(k routeKind, id string) {
	r := s.node.router
	key := routeKey{k, id}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.routes[key] == s {
		delete(r.routes, key)
	}
	s.dropKey(key)
}

// WatchChannel routes channel id's events here (moving it from any other owner).
func (s *Subscription) WatchChannel(id string) { s.watch(kindChannel, id) }

// WatchBridge routes events of bridge id not claimed by a watched channel here.
func (s *Subscription) WatchBridge(id string) { s.watch(kindBridge, id) }

// WatchPlayback routes playback id's events here.
func (s *Subscription) WatchPlayback(id string) { s.watch(kindPlayback, id) }

// WatchRecording routes live recording name's events here.
func (s *Subscription) WatchRecording(name string) { s.watch(kindRecording, name) }

// UnwatchChannel stops routing channel id here.
func (s *Subscription) UnwatchChannel(id string) { s.unwatch(kindChannel, id) }

// UnwatchBridge stops routing bridge id here.
func (s *Subscription) UnwatchBridge(id string) { s.unwatch(kindBridge, id) }

// UnwatchPlayback stops routing playback id here.
func (s *Subscription) UnwatchPlayback(id string) { s.unwatch(kindPlayback, id) }

// UnwatchRecording stops routing recording name here.
func (s *Subscription) UnwatchRecording(name string) { s.unwatch(kindRecording, name) }

// Close releases every id and the queue; later events of those ids go to
// Client.Events. Safe to call more than once.
func (s *Subscription) Close() {
	r := s.node.router
	r.mu.Lock()
	for _, k := range s.keys {
		if r.routes[k] == s {
			delete(r.routes, k)
		}
	}
	s.keys = nil
	delete(r.subs, s)
	r.mu.Unlock()
	s.Mailbox.close()
}

package ari

import (
	"context"
	"errors"
)

// Subscribe-before-act helpers: each makes the new object's id when the
// caller gave none, watches it on the Subscription, and only then sends the
// request, so events Asterisk sends before its HTTP answer (the usual case)
// reach this owner. When Asterisk refuses the request the id is unwatched.

// undo unwatches after a failed request unless its outcome is unknown (a
// deadline, a cancel, a lost connection): then Asterisk may have acted and
// its events must still find their owner.
func (s *Subscription) undo(err error, unwatch func()) {
	var ae *Error
	unknown := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		(errors.Is(err, ErrUnavailable) && !errors.As(err, &ae))
	if !unknown {
		unwatch()
	}
}

// Originate originates p on the subscription's node with p.ChannelID
// watched first.
func (s *Subscription) Originate(ctx context.Context, p OriginateParams) (*Channel, error) {
	if p.ChannelID == "" {
		p.ChannelID = NewID()
	}
	s.WatchChannel(p.ChannelID)
	if p.OtherChannelID != "" {
		s.WatchChannel(p.OtherChannelID)
	}
	c, err := s.node.Originate(ctx, p)
	if err != nil {
		s.undo(err, func() { s.UnwatchChannel(p.ChannelID); s.UnwatchChannel(p.OtherChannelID) })
	}
	return c, err
}

// CreateChannel creates p (to Dial later) with p.ChannelID watched first.
func (s *Subscription) CreateChannel(ctx context.Context, p CreateParams) (*Channel, error) {
	if p.ChannelID == "" {
		p.ChannelID = NewID()
	}
	s.WatchChannel(p.ChannelID)
	if p.OtherChannelID != "" {
		s.WatchChannel(p.OtherChannelID)
	}
	c, err := s.node.CreateChannel(ctx, p)
	if err != nil {
		s.undo(err, func() { s.UnwatchChannel(p.ChannelID); s.UnwatchChannel(p.OtherChannelID) })
	}
	return c, err
}

// Play plays media on a channel with a fresh playback id watched first.
func (s *Subscription) Play(ctx context.Context, channelID string, media ...string) (*PlaybackData, error) {
	id := NewID()
	s.WatchPlayback(id)
	p, err := s.node.Play(ctx, channelID, id, media...)
	if err != nil {
		s.undo(err, func() { s.UnwatchPlayback(id) })
	}
	return p, err
}

// PlayBridge plays media to a bridge with a fresh playback id watched first.
func (s *Subscription) PlayBridge(ctx context.Context, bridgeID string, media ...string) (*PlaybackData, error) {
	id := NewID()
	s.WatchPlayback(id)
	p, err := s.node.PlayBridge(ctx, bridgeID, id, media...)
	if err != nil {
		s.undo(err, func() { s.UnwatchPlayback(id) })
	}
	return p, err
}

// CreateBridge creates a bridge with a fresh id watched first. Asterisk
// does not subscribe the app to bridges it creates; call SubscribeApp with
// "bridge:"+id on the node when BridgeDestroyed matters.
func (s *Subscription) CreateBridge(ctx context.Context, typ, name string) (*BridgeData, error) {
	id := NewID()
	s.WatchBridge(id)
	b, err := s.node.CreateBridge(ctx, id, typ, name)
	if err != nil {
		s.undo(err, func() { s.UnwatchBridge(id) })
	}
	return b, err
}

// ExternalMedia creates an externalMedia channel with p.ChannelID watched first.
func (s *Subscription) ExternalMedia(ctx context.Context, p ExternalMediaParams) (*ExternalMedia, error) {
	if p.ChannelID == "" {
		p.ChannelID = NewID()
	}
	s.WatchChannel(p.ChannelID)
	m, err := s.node.ExternalMedia(ctx, p)
	if err != nil {
		s.undo(err, func() { s.UnwatchChannel(p.ChannelID) })
	}
	return m, err
}

// Snoop creates a snoop channel on channelID with p.SnoopID watched first.
func (s *Subscription) Snoop(ctx context.Context, channelID string, p SnoopParams) (*Channel, error) {
	if p.SnoopID == "" {
		p.SnoopID = NewID()
	}
	s.WatchChannel(p.SnoopID)
	c, err := s.node.Snoop(ctx, channelID, p)
	if err != nil {
		s.undo(err, func() { s.UnwatchChannel(p.SnoopID) })
	}
	return c, err
}

// Record starts recording a channel with the recording's name watched first.
func (s *Subscription) Record(ctx context.Context, channelID string, p RecordParams) (*LiveRecordingData, error) {
	s.WatchRecording(p.Name)
	r, err := s.node.Record(ctx, channelID, p)
	if err != nil {
		s.undo(err, func() { s.UnwatchRecording(p.Name) })
	}
	return r, err
}

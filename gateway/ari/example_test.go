package ari_test

import (
	"context"
	"log/slog"
	"time"

	"liandong/gateway/ari"
)

// The gateway's shape: one goroutine reads the default queue and starts a
// goroutine per new call; each call reads its own Subscription and drives
// its node. (Not run: it needs an Asterisk.)
func Example() {
	ctx := context.Background()
	c, err := ari.Open(ctx, []ari.NodeConfig{{
		Name: "ast1", URL: "http://127.0.0.1:8088/ari", Username: "liandong", Password: "secret", App: "liandong",
	}}, ari.Options{Logger: slog.Default()})
	if err != nil {
		return // e.g. ari.ErrUnauthorized, or every node unreachable
	}
	defer c.Close()

	for {
		ev, err := c.Events().Next(ctx)
		if err != nil {
			return // ari.ErrClosed
		}
		switch ev.Type {
		case "StasisStart":
			if ss, ok := ev.ARI.(*ari.StasisStart); ok && ev.Sub != nil {
				go runCall(ctx, ev.Sub, ss)
			}
		case ari.TypeResync, ari.TypeDisconnected, ari.TypeApplicationReplaced, ari.TypeNodeDown:
			slog.Info("asterisk node", "node", ev.Node, "event", ev.Type, "err", ev.Err)
		}
	}
}

func runCall(ctx context.Context, sub *ari.Subscription, ss *ari.StasisStart) {
	defer sub.Close()
	conn := sub.Node()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := conn.Answer(ctx, ss.Channel.ID); err != nil {
		return // ari.IsGone(err): the caller already hung up
	}
	if _, err := sub.Play(ctx, ss.Channel.ID, "sound:hello-world"); err != nil {
		return
	}
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			return
		}
		switch e := ev.ARI.(type) {
		case *ari.ChannelDtmfReceived:
			_ = e.Digit
		case *ari.PlaybackFinished:
			hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = conn.Hangup(hctx, ss.Channel.ID, "normal")
			hcancel()
		case *ari.StasisEnd:
			return
		}
	}
}

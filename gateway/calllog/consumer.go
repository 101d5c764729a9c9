package calllog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of GroupOptions.
const (
	DefaultGroupBlock   = time.Second
	DefaultGroupCount   = 100
	DefaultGroupMinIdle = 30 * time.Second
)

// GroupOptions configures ConsumeGroup: one consumer of one stream in one
// consumer group. Several processes with the same Group and different
// Consumer names share the entries.
type GroupOptions struct {
	Stream   string
	Group    string
	Consumer string // default DefaultConsumerName()
	// Start is the id the group starts from when it is created: "0" (the
	// default) processes the whole stream, "$" only new entries.
	Start string
	// Block is how long one XREADGROUP waits for new entries (default 1s);
	// it also bounds how long ConsumeGroup takes to notice ctx ending.
	Block time.Duration
	// Count is the most entries read at once (default 100).
	Count int64
	// MinIdle: entries delivered to a consumer and not acknowledged for this
	// long (it crashed, or its handler failed) are claimed with XAUTOCLAIM
	// (default 30s). Claiming runs at start and every MinIdle/2.
	MinIdle time.Duration
	Logger  *slog.Logger
}

// Handler processes one stream entry. A nil error acknowledges it (XACK). An
// error leaves it pending: it is delivered again after GroupOptions.MinIdle
// (to this or another consumer), so handlers must be idempotent and should
// return errors only for passing failures (Redis down); bad input should be
// dealt with (e.g. dead-lettered) and acknowledged.
type Handler func(ctx context.Context, msg redis.XMessage) error

// BatchHandler processes the entries of one read at once (to pipeline its
// own Redis work) and returns how many of them, from the first, it handled:
// those are acknowledged, the rest stay pending and are claimed again after
// GroupOptions.MinIdle. The same idempotency rules as Handler apply.
type BatchHandler func(ctx context.Context, msgs []redis.XMessage) (int, error)

// perEntry runs a Handler entry by entry, stopping at the first failure
// (handlers fail only when Redis does: the rest would fail too).
func perEntry(h Handler) BatchHandler {
	return func(ctx context.Context, msgs []redis.XMessage) (int, error) {
		for i, m := range msgs {
			if ctx.Err() != nil {
				return i, nil
			}
			if err := h(ctx, m); err != nil {
				return i, fmt.Errorf("entry %s: %w", m.ID, err)
			}
		}
		return len(msgs), nil
	}
}

// DefaultConsumerName is host-pid: unique per process, stable for its life.
func DefaultConsumerName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "liandong"
	}
	return h + "-" + strconv.Itoa(os.Getpid())
}

func (o GroupOptions) withDefaults() GroupOptions {
	if o.Consumer == "" {
		o.Consumer = DefaultConsumerName()
	}
	if o.Start == "" {
		o.Start = "0"
	}
	if o.Block <= 0 {
		o.Block = DefaultGroupBlock
	}
	if o.Count <= 0 {
		o.Count = DefaultGroupCount
	}
	if o.MinIdle <= 0 {
		o.MinIdle = DefaultGroupMinIdle
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ConsumeGroup reads the stream in the consumer group until ctx ends (then it
// returns nil): it creates the group if needed (MKSTREAM), claims entries
// left pending by crashed consumers (XAUTOCLAIM), reads new ones
// (XREADGROUP BLOCK), hands each to handle and acknowledges it when handle
// returns nil. Redis being unreachable is logged and retried with backoff; it
// never ends the loop.
func ConsumeGroup(ctx context.Context, rdb redis.UniversalClient, opt GroupOptions, handle Handler) error {
	if handle == nil {
		return fmt.Errorf("%w: consume group: stream, group and handler are required", ErrInvalidOptions)
	}
	return ConsumeGroupBatch(ctx, rdb, opt, perEntry(handle))
}

// ConsumeGroupBatch is ConsumeGroup with a handler that gets each read's
// entries at once.
func ConsumeGroupBatch(ctx context.Context, rdb redis.UniversalClient, opt GroupOptions, handle BatchHandler) error {
	if opt.Stream == "" || opt.Group == "" || handle == nil {
		return fmt.Errorf("%w: consume group: stream, group and handler are required", ErrInvalidOptions)
	}
	opt = opt.withDefaults()
	c := &groupConsumer{rdb: rdb, opt: opt, handle: handle, log: opt.Logger.With("stream", opt.Stream, "group", opt.Group)}
	return c.run(ctx)
}

type groupConsumer struct {
	rdb     redis.UniversalClient
	opt     GroupOptions
	handle  BatchHandler
	log     *slog.Logger
	backoff time.Duration
	down    bool
}

func (c *groupConsumer) run(ctx context.Context) error {
	created := false
	var nextClaim time.Time
	for ctx.Err() == nil {
		if !created {
			if err := c.create(ctx); err != nil {
				c.fail(ctx, "create group", err)
				continue
			}
			created = true
		}
		if !time.Now().Before(nextClaim) {
			if err := c.claim(ctx); err != nil {
				if isNoGroup(err) {
					created = false
				}
				c.fail(ctx, "claim pending entries", err)
				continue
			}
			nextClaim = time.Now().Add(c.opt.MinIdle / 2)
		}
		res, err := c.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: c.opt.Group, Consumer: c.opt.Consumer,
			Streams: []string{c.opt.Stream, ">"}, Count: c.opt.Count, Block: c.opt.Block,
		}).Result()
		if errors.Is(err, redis.Nil) {
			c.ok()
			continue
		}
		if err != nil {
			if isNoGroup(err) {
				created = false // the stream or group was deleted: recreate
			}
			c.fail(ctx, "read group", err)
			continue
		}
		c.ok()
		for _, s := range res {
			c.process(ctx, s.Messages)
		}
	}
	return nil
}

// process hands the entries to the handler and acknowledges the handled
// ones with one XACK (one round trip per batch, not per entry).
func (c *groupConsumer) process(ctx context.Context, msgs []redis.XMessage) {
	done := make([]string, 0, len(msgs))
	live := make([]redis.XMessage, 0, len(msgs))
	for _, m := range msgs {
		if m.Values == nil {
			// Deleted from the stream (trimmed) while pending: nothing to do.
			done = append(done, m.ID)
			continue
		}
		live = append(live, m)
	}
	if len(live) > 0 && ctx.Err() == nil {
		n, err := c.handle(ctx, live)
		n = min(max(n, 0), len(live))
		if err != nil && ctx.Err() == nil {
			c.log.Warn("calllog: entries not processed; they stay pending and are retried",
				"pending", len(live)-n, "err", err)
		}
		for _, m := range live[:n] {
			done = append(done, m.ID)
		}
	}
	if len(done) == 0 {
		return
	}
	// Acknowledge what was handled even if ctx just ended, so a clean stop
	// leaves nothing pending; bounded by its own timeout.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := c.rdb.XAck(actx, c.opt.Stream, c.opt.Group, done...).Err(); err != nil {
		// Not fatal: the entries are redelivered and handlers are idempotent.
		c.log.Warn("calllog: xack failed; the entries will be redelivered", "entries", len(done), "err", err)
	}
}

func (c *groupConsumer) create(ctx context.Context) error {
	err := c.rdb.XGroupCreateMkStream(ctx, c.opt.Stream, c.opt.Group, c.opt.Start).Err()
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		return err
	}
	return nil
}

// claim takes over every entry idle for MinIdle, whoever it was delivered
// to (including this consumer, whose handler may have failed), and
// processes it.
func (c *groupConsumer) claim(ctx context.Context) error {
	start := "0-0"
	for ctx.Err() == nil {
		msgs, next, err := c.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: c.opt.Stream, Group: c.opt.Group, Consumer: c.opt.Consumer,
			MinIdle: c.opt.MinIdle, Start: start, Count: c.opt.Count,
		}).Result()
		if err != nil {
			return err
		}
		if len(msgs) > 0 {
			c.log.Info("calllog: claimed pending entries", "count", len(msgs))
		}
		c.process(ctx, msgs)
		if next == "0-0" || next == "" {
			return nil
		}
		start = next
	}
	return nil
}

func (c *groupConsumer) ok() {
	if c.down {
		c.log.Info("calllog: consumer reached redis again")
	}
	c.down, c.backoff = false, 0
}

// fail logs a failure (once per outage) and waits a growing backoff.
func (c *groupConsumer) fail(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	if !c.down {
		c.log.Warn("calllog: consumer: "+what+" failed; retrying", "err", err)
	}
	c.down = true
	c.backoff = min(max(2*c.backoff, 50*time.Millisecond), 2*time.Second)
	t := time.NewTimer(c.backoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func isNoGroup(err error) bool { return redis.HasErrorPrefix(err, "NOGROUP") }

package calllog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// run is the writer goroutine: the only reader of the queue and the only
// user of the Redis client and the writer spool.
func (l *Log) run() {
	defer close(l.done)
	tick := time.NewTicker(l.opt.SyncInterval)
	defer tick.Stop()
	lastSync := time.Now()
	for {
		select {
		case <-l.stop:
			l.drain()
			return
		default:
		}
		worked := l.step()
		if time.Since(lastSync) >= l.opt.SyncInterval {
			// Also under sustained load, when the loop never waits.
			l.syncOverflow()
			lastSync = time.Now()
		}
		if worked {
			continue
		}
		select {
		case <-l.wake:
		case <-tick.C:
		case <-l.stop:
		}
	}
}

// canTry reports whether Redis may be tried now (it is up, or the backoff
// after the last failure has passed).
func (l *Log) canTry() bool {
	return !l.down || !time.Now().Before(l.nextTry)
}

func (l *Log) markDown(err error) {
	if !l.down {
		l.log.Warn("calllog: redis unreachable; spooling events to disk", "err", err, "spool", l.wsp.path)
		l.backoff = l.opt.RetryMin
	} else {
		l.backoff = min(l.backoff*2, l.opt.RetryMax)
	}
	l.down = true
	l.redisDown.Store(true)
	l.nextTry = time.Now().Add(l.backoff)
}

func (l *Log) markUp() {
	if l.down {
		l.mu.Lock()
		oflBytes := l.ofl.unread()
		l.mu.Unlock()
		l.log.Info("calllog: redis reachable again; replaying spool in order",
			"spool_bytes", l.wsp.unread(), "overflow_bytes", oflBytes)
	}
	l.down = false
	l.redisDown.Store(false)
}

// step does one unit of work and reports whether it did anything. Order is
// what keeps per-call order: writer spool, then held batch and memory queue,
// then overflow spool.
func (l *Log) step() bool {
	l.busy.Store(true)
	defer func() {
		l.busy.Store(len(l.held) > 0)
		l.wspBytes.Store(l.wsp.unread())
	}()

	if l.wsp.pending() {
		if !l.canTry() {
			return l.spillQueue()
		}
		evs, off, err := l.wsp.readBatch(l.opt.BatchSize, l.wsp.size, l.reject)
		if err != nil {
			l.log.Error("calllog: read spool", "err", err)
			return false
		}
		if len(evs) > 0 {
			if err := l.send(l.wctx, evs); err != nil {
				l.markDown(err)
				l.spillQueue()
				return false
			}
			l.replayed.Add(uint64(len(evs)))
		}
		l.wsp.readOff = off
		if !l.wsp.pending() {
			if err := l.wsp.truncate(); err != nil {
				l.log.Error("calllog: truncate spool", "err", err)
			}
			l.wspPending.Store(false)
		}
		return true
	}

	batch := l.held
	if len(batch) == 0 {
		batch = l.pop(l.opt.BatchSize)
	}
	if len(batch) > 0 {
		if l.canTry() {
			err := l.send(l.wctx, batch)
			if err == nil {
				l.held = nil
				return true
			}
			l.markDown(err)
		}
		if err := l.spill(batch); err != nil {
			l.held = batch
			return false
		}
		l.held = nil
		return true
	}

	if !l.canTry() {
		return false
	}
	l.mu.Lock()
	if !l.overflow {
		l.mu.Unlock()
		return false
	}
	err := l.ofl.flush()
	limit := l.ofl.size
	l.mu.Unlock()
	if err != nil {
		l.log.Error("calllog: flush overflow spool", "err", err)
		return false
	}
	l.oflDirty = true
	evs, off, err := l.ofl.readBatch(l.opt.BatchSize, limit, l.reject)
	if err != nil {
		l.log.Error("calllog: read overflow spool", "err", err)
		return false
	}
	if len(evs) > 0 {
		if err := l.send(l.wctx, evs); err != nil {
			l.markDown(err)
			return false
		}
		l.replayed.Add(uint64(len(evs)))
	}
	l.ofl.readOff = off
	if len(evs) == 0 || off == limit {
		// Caught up? Decide under the lock, so no Emit slips in between.
		l.mu.Lock()
		if err := l.ofl.flush(); err == nil && l.ofl.readOff == l.ofl.size {
			if err := l.ofl.truncate(); err != nil {
				l.log.Error("calllog: truncate overflow spool", "err", err)
			} else {
				l.overflow = false
				l.log.Info("calllog: overflow spool replayed; back to the memory queue")
			}
		}
		l.mu.Unlock()
	}
	return true
}

// pop takes up to n events off the queue.
func (l *Log) pop(n int) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	n = min(n, l.qLen)
	if n == 0 {
		return nil
	}
	out := make([]Event, n)
	for i := range out {
		j := (l.qHead + i) % len(l.q)
		out[i] = l.q[j]
		l.q[j] = Event{} // drop the payload reference
	}
	l.qHead = (l.qHead + n) % len(l.q)
	l.qLen -= n
	return out
}

// spill appends events to the writer spool and makes them durable before
// they leave memory.
func (l *Log) spill(evs []Event) error {
	for i := range evs {
		if err := l.wsp.appendEvent(&evs[i]); err != nil {
			l.log.Error("calllog: spool write failed; events stay in memory", "err", err)
			return err
		}
	}
	if err := l.wsp.flush(); err != nil {
		l.log.Error("calllog: spool flush failed; events stay in memory", "err", err)
		return err
	}
	if err := l.wsp.sync(); err != nil {
		l.log.Error("calllog: spool fsync failed; events stay in memory", "err", err)
		return err
	}
	l.wspPending.Store(true)
	l.spooled.Add(uint64(len(evs)))
	return nil
}

// spillQueue moves what is in memory (held batch first) to the writer
// spool, so the queue has room during an outage.
func (l *Log) spillQueue() bool {
	did := false
	for {
		batch := l.held
		if len(batch) == 0 {
			batch = l.pop(l.opt.BatchSize)
		}
		if len(batch) == 0 {
			return did
		}
		if err := l.spill(batch); err != nil {
			l.held = batch
			return did
		}
		l.held = nil
		did = true
	}
}

// syncOverflow makes the overflow spool's appended lines durable.
func (l *Log) syncOverflow() {
	l.mu.Lock()
	if l.ofl.appended == l.ofl.size && !l.oflDirty {
		l.mu.Unlock()
		return
	}
	err := l.ofl.flush()
	l.mu.Unlock()
	if err == nil {
		err = l.ofl.sync()
	}
	if err != nil {
		l.log.Error("calllog: overflow spool sync failed", "err", err)
		return
	}
	l.oflDirty = false
}

// drain runs after Close: deliver what Redis will take, spool the rest.
func (l *Log) drain() {
	for l.wctx.Err() == nil && !l.down {
		l.mu.Lock()
		pendingMem := l.qLen > 0
		l.mu.Unlock()
		if !pendingMem && len(l.held) == 0 {
			break
		}
		if !l.step() {
			break
		}
	}
	l.spillQueue()
	l.syncOverflow()
	l.wspPending.Store(l.wsp.pending())
}

// send delivers events to Redis: one script call per run of up to
// ScriptBatch events of one hotline, all in one pipeline. It returns an
// error only for failures worth retrying (connection, timeout, a server
// that is loading or read-only); events Redis refuses for good are saved
// to rejected.jsonl.
func (l *Log) send(ctx context.Context, evs []Event) error {
	err := l.sendOnce(ctx, evs)
	if err != nil && isNoScript(err) {
		// Redis restarted (script cache empty): load and retry. The seq
		// check makes the retry safe for what was already applied.
		if lerr := l.script.Load(ctx, l.rdb).Err(); lerr != nil {
			return fmt.Errorf("load apply script: %w", lerr)
		}
		err = l.sendOnce(ctx, evs)
	}
	return err
}

type chunk struct {
	evs  []*Event
	cmd  *redis.Cmd
	keys []string
	args []any
}

func (l *Log) sendOnce(ctx context.Context, evs []Event) error {
	ctx, cancel := context.WithTimeout(ctx, l.opt.WriteTimeout)
	defer cancel()
	chunks := l.chunks(evs)
	pipe := l.rdb.Pipeline()
	for _, c := range chunks {
		c.cmd = pipe.EvalSha(ctx, l.script.Hash(), c.keys, c.args...)
	}
	_, perr := pipe.Exec(ctx)
	var poison []*chunk
	for _, c := range chunks {
		err := c.cmd.Err()
		if err == nil {
			l.count(c.cmd)
			continue
		}
		if isNoScript(err) || retryable(err) {
			return fmt.Errorf("apply events: %w", err)
		}
		poison = append(poison, c)
	}
	if perr != nil && len(poison) == 0 && retryable(perr) {
		return fmt.Errorf("apply events: %w", perr)
	}
	// A chunk Redis refused: apply its events one by one so only the bad
	// ones are set aside. Already-applied ones come back as duplicates.
	for _, c := range poison {
		for _, ev := range c.evs {
			one := l.chunks([]Event{*ev})[0]
			cmd := l.script.Run(ctx, l.rdb, one.keys, one.args...)
			if err := cmd.Err(); err != nil {
				if retryable(err) {
					return fmt.Errorf("apply event: %w", err)
				}
				l.rejectEvent(ev, err.Error())
				continue
			}
			l.count(cmd)
		}
	}
	l.markUp()
	return nil
}

func (l *Log) count(cmd *redis.Cmd) {
	res, err := cmd.Int64Slice()
	if err != nil {
		return
	}
	for _, r := range res {
		if r == 1 {
			l.written.Add(1)
		} else {
			l.dups.Add(1)
		}
	}
}

// chunks groups events by hotline, in order, into script calls.
func (l *Log) chunks(evs []Event) []*chunk {
	trimMode, trimVal := "", ""
	switch {
	case l.opt.MaxLen > 0:
		trimMode, trimVal = "MAXLEN", strconv.FormatInt(l.opt.MaxLen, 10)
	case l.opt.MinIDAge > 0:
		trimMode, trimVal = "MINID", strconv.FormatInt(time.Now().Add(-l.opt.MinIDAge).UnixMilli(), 10)
	}
	// One group per hotline and stream (call events, work orders); order
	// within a group is emission order, which is all per-entity order needs.
	type group struct {
		hotline string
		wo      bool
	}
	byGroup := map[group][]*Event{}
	var order []group
	for i := range evs {
		g := group{evs[i].Hotline, isWorkOrderType(evs[i].Type)}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], &evs[i])
	}
	var out []*chunk
	for _, g := range order {
		list := byGroup[g]
		for len(list) > 0 {
			n := min(len(list), l.opt.ScriptBatch)
			out = append(out, l.buildChunk(g.hotline, g.wo, list[:n], trimMode, trimVal))
			list = list[n:]
		}
	}
	return out
}

func (l *Log) buildChunk(hotline string, wo bool, evs []*Event, trimMode, trimVal string) *chunk {
	streamKey, recordKey, entity, keep := StreamKey, RecordKey, "call", l.opt.Retention
	if wo {
		streamKey, recordKey, entity, keep = WorkOrderStreamKey, WorkOrderKey, "order", l.opt.WorkOrderRetention
	}
	c := &chunk{evs: evs, keys: []string{streamKey(l.opt.Prefix, hotline)}}
	keyIdx := map[string]int{}
	c.args = append(make([]any, 0, 7+len(evs)*14), trimMode, trimVal,
		int64(keep/time.Second), int64(l.opt.OpenCallTTL/time.Second), hotline, entity, len(evs))
	for _, ev := range evs {
		idx, ok := keyIdx[ev.CallID]
		if !ok {
			c.keys = append(c.keys, recordKey(l.opt.Prefix, hotline, ev.CallID))
			idx = len(c.keys)
			keyIdx[ev.CallID] = idx
		}
		data := "{}"
		switch {
		case wo:
			data = ev.Payload["order"]
		case len(ev.Payload) > 0:
			data = payloadJSON(ev.Payload)
		}
		ops := recordOps(ev)
		c.args = append(c.args, idx, ev.ID, ev.CallID, seqString(ev.Seq), ev.TimeMS, string(ev.Type), data, len(ops))
		for _, o := range ops {
			if o.code == "z" {
				o.field = CallerOrdersKey(l.opt.Prefix, hotline, o.field)
			}
			c.args = append(c.args, o.code, o.field, o.value)
		}
	}
	return c
}

func isNoScript(err error) bool {
	return errors.Is(err, redis.ErrNoScript) || redis.HasErrorPrefix(err, "NOSCRIPT")
}

// retryable tells a passing failure (retry later, spool meanwhile) from a
// refusal of the data itself.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return true // network, timeout, context, closed pool
	}
	msg := strings.TrimPrefix(rerr.Error(), "ERR ")
	for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "MOVED", "ASK", "NOREPLICAS", "OOM"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

package calllog

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultPrefix             = "liandong:"
	DefaultQueueSize          = 65536
	DefaultBatchSize          = 4096
	DefaultScriptBatch        = 128
	DefaultRetention          = 30 * 24 * time.Hour
	DefaultOpenCallTTL        = 48 * time.Hour
	DefaultWorkOrderRetention = 180 * 24 * time.Hour
	DefaultWriteTimeout       = 2 * time.Second
	DefaultSyncInterval       = 50 * time.Millisecond
	DefaultRetryMin           = 100 * time.Millisecond
	DefaultRetryMax           = 2 * time.Second
)

// Options configures a Log. The zero value of every field but SpoolDir means
// its default.
type Options struct {
	// Prefix namespaces every key (default "liandong:").
	Prefix string
	// SpoolDir holds the local spool files; required. One Log per directory.
	SpoolDir string
	// QueueSize bounds the in-memory queue, in events (default 65536). When
	// it is full, Emit writes to the overflow spool instead.
	QueueSize int
	// BatchSize is the most events the writer sends in one pipeline
	// (default 4096). Batches only grow this big when a backlog exists, so
	// this costs no latency at low rates.
	BatchSize int
	// ScriptBatch is the most events applied by one script call (default
	// 128); bounds how long Redis is busy with one call.
	ScriptBatch int
	// MaxLen trims each stream to about this many entries (XADD MAXLEN ~).
	// 0: no length trimming.
	MaxLen int64
	// MinIDAge trims entries older than this (XADD MINID ~ now-age).
	// 0: no age trimming. At most one of MaxLen and MinIDAge may be set.
	MinIDAge time.Duration
	// Retention is how long a call record is kept after call.ended
	// (default 30 days).
	Retention time.Duration
	// OpenCallTTL expires the record of a call that never ends (default 48h).
	OpenCallTTL time.Duration
	// WorkOrderRetention is how long a work-order record is kept after its
	// last revision (default 180 days).
	WorkOrderRetention time.Duration
	// RegionCodes are the accepted 行政区划代码 of work orders (default
	// DefaultRegionCodes).
	RegionCodes []string
	// WriteTimeout bounds one pipeline round trip (default 2s).
	WriteTimeout time.Duration
	// SyncInterval is how often spooled lines are fsynced (default 50ms).
	SyncInterval time.Duration
	// RetryMin and RetryMax bound the backoff between attempts to reach
	// Redis while it is down (defaults 100ms and 2s).
	RetryMin, RetryMax time.Duration
	// Logger receives warnings (outage, spool, corrupt lines); default
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.ScriptBatch == 0 {
		o.ScriptBatch = DefaultScriptBatch
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.OpenCallTTL == 0 {
		o.OpenCallTTL = DefaultOpenCallTTL
	}
	if o.WorkOrderRetention == 0 {
		o.WorkOrderRetention = DefaultWorkOrderRetention
	}
	if o.RegionCodes == nil {
		o.RegionCodes = DefaultRegionCodes
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.RetryMin == 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax == 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Validate reports the first invalid field, after defaults are applied.
func (o Options) Validate() error {
	o = o.withDefaults()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidOptions, fmt.Sprintf(format, a...))
	}
	switch {
	case o.SpoolDir == "":
		return bad("spool dir is required")
	case strings.ContainsAny(o.Prefix, "{} "):
		return bad("prefix %q must not contain braces or spaces", o.Prefix)
	case o.QueueSize < 1:
		return bad("queue size %d < 1", o.QueueSize)
	case o.BatchSize < 1:
		return bad("batch size %d < 1", o.BatchSize)
	case o.ScriptBatch < 1 || o.ScriptBatch > 1000:
		return bad("script batch %d not in 1..1000", o.ScriptBatch)
	case o.MaxLen < 0:
		return bad("max len %d < 0", o.MaxLen)
	case o.MinIDAge < 0:
		return bad("min id age %s < 0", o.MinIDAge)
	case o.MaxLen > 0 && o.MinIDAge > 0:
		return bad("set at most one of max len and min id age")
	case o.Retention < time.Second || o.OpenCallTTL < time.Second || o.WorkOrderRetention < time.Second:
		return bad("retention, open call ttl and work order retention must be at least 1s")
	case o.WriteTimeout <= 0 || o.SyncInterval <= 0:
		return bad("write timeout and sync interval must be positive")
	case o.RetryMin <= 0 || o.RetryMax < o.RetryMin:
		return bad("retry backoff %s..%s is invalid", o.RetryMin, o.RetryMax)
	}
	for _, c := range o.RegionCodes {
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			return bad("region code %q is not 6 digits", c)
		}
	}
	return nil
}

// StreamKey is the key of a hotline's event stream. The hotline is a Cluster
// hash tag so the stream and its calls' records live in one slot and one
// script can update both atomically.
func StreamKey(prefix, hotline string) string {
	return prefix + "{" + hotline + "}:events"
}

// RecordKey is the key of a call's record hash (CDR).
func RecordKey(prefix, hotline, callID string) string {
	return prefix + "{" + hotline + "}:call:" + callID
}

package calllog_test

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
)

// The gateway opens one Log, numbers each call's events with a Call, and
// closes the Log on shutdown. Emit never waits on Redis.
func ExampleLog() {
	ctx := context.Background()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:       []string{"127.0.0.1:6379"},
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		MaxRetries: 1, // the Log retries (and spools) by itself
	})
	defer rdb.Close()
	l, err := calllog.Open(ctx, rdb, calllog.Options{SpoolDir: "/var/lib/liandong/spool", Logger: slog.Default()})
	if err != nil {
		return
	}
	defer func() {
		stop, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = l.Close(stop)
	}()

	call := l.Call("12345", "1732790000.42")
	_ = call.Emit(calllog.CallStarted, map[string]string{"caller": "13812345678", "line": "12345", "channel": "pstn"})
	_ = call.Emit(calllog.IVRChoice, map[string]string{"menu": "main", "choice": "2"})
	_ = call.Emit(calllog.CallEnded, map[string]string{"cause": "caller_hangup"})
}

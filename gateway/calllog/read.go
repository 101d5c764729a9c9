package calllog

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ReadRecord returns the record (CDR) hash of a call, for the API and
// supervisors. The caller number in it is unmasked: mask it before logging.
func ReadRecord(ctx context.Context, rdb redis.UniversalClient, prefix, hotline, callID string) (map[string]string, error) {
	rec, err := rdb.HGetAll(ctx, RecordKey(prefix, hotline, callID)).Result()
	if err != nil {
		return nil, fmt.Errorf("read call record %s: %w", callID, err)
	}
	if len(rec) == 0 {
		return nil, fmt.Errorf("read call record %s: %w", callID, ErrNotFound)
	}
	return rec, nil
}

// ReadWorkOrder returns the latest revision of a work order and its number.
func ReadWorkOrder(ctx context.Context, rdb redis.UniversalClient, prefix, hotline, orderNo string) (*WorkOrder, uint64, error) {
	vals, err := rdb.HMGet(ctx, WorkOrderKey(prefix, hotline, orderNo), "order", "last_seq").Result()
	if err != nil {
		return nil, 0, fmt.Errorf("read work order %s: %w", orderNo, err)
	}
	js, ok := vals[0].(string)
	if !ok {
		return nil, 0, fmt.Errorf("read work order %s: %w", orderNo, ErrNotFound)
	}
	w, err := decodeWorkOrder(js)
	if err != nil {
		return nil, 0, fmt.Errorf("read work order %s: %w", orderNo, err)
	}
	rev, _ := vals[1].(string)
	n, err := strconv.ParseUint(rev, 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("read work order %s: bad revision %q", orderNo, rev)
	}
	return w, n, nil
}

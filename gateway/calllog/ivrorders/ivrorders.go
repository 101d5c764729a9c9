// Package ivrorders adapts the work-order records of gateway/calllog to the
// ivr package's WorkOrders interface ("查询工单办理进度": the latest work
// order of the caller's number and its state). It sits apart from calllog so
// calllog does not import ivr; ivr imports nothing of the gateway.
package ivrorders

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
	"liandong/ivr"
)

// Lookup finds the latest work order of a caller number in Redis.
type Lookup struct {
	RDB      redis.UniversalClient
	Prefix   string   // default calllog.DefaultPrefix
	Hotlines []string // searched for the caller's orders
	// StateNames maps a feedback status (accepted, in_progress, done,
	// returned; "" before any feedback) to what the caller hears, from
	// configuration. A status_text the ticketing side sent wins; a status
	// with no name is passed as is.
	StateNames map[string]string
}

var _ ivr.WorkOrders = (*Lookup)(nil)

// Latest implements ivr.WorkOrders: the order with the latest 受理时间 among
// the number's orders, its state, and its lead unit as the department.
// ivr.ErrNotFound when the number has no order.
func (l *Lookup) Latest(ctx context.Context, callerNumber string) (ivr.WorkOrder, error) {
	prefix := l.Prefix
	if prefix == "" {
		prefix = calllog.DefaultPrefix
	}
	v, err := calllog.LatestOrder(ctx, l.RDB, prefix, l.Hotlines, callerNumber)
	if errors.Is(err, calllog.ErrNotFound) {
		return ivr.WorkOrder{}, fmt.Errorf("latest work order: %w", ivr.ErrNotFound)
	}
	if err != nil {
		return ivr.WorkOrder{}, err
	}
	state := v.StatusText
	if state == "" {
		state = v.Status
		if name, ok := l.StateNames[v.Status]; ok {
			state = name
		}
	}
	dept := v.StatusUnit
	if dept == "" {
		dept = v.Order.LeadUnit
	}
	return ivr.WorkOrder{ID: v.Order.OrderNo, State: state, Department: dept}, nil
}

package api

import (
	"context"
	"errors"
	"net/http"

	"liandong/gateway/calllog"
)

// Orders reads a work order with the ticketing side's feedback on it.
type Orders interface {
	Order(ctx context.Context, hotline, orderNo string) (*calllog.OrderView, error)
}

// OrdersFunc adapts a function to Orders.
type OrdersFunc func(ctx context.Context, hotline, orderNo string) (*calllog.OrderView, error)

// Order implements Orders.
func (f OrdersFunc) Order(ctx context.Context, hotline, orderNo string) (*calllog.OrderView, error) {
	return f(ctx, hotline, orderNo)
}

func mountOrders(mux *http.ServeMux, orders Orders) {
	// A work order (工单/警单), its current state and its feedback history
	// (受理, 办理中, 办结, 退回) as the ticketing side reported it.
	mux.HandleFunc("GET /api/v1/orders/{hotline}/{no}", func(w http.ResponseWriter, r *http.Request) {
		v, err := orders.Order(r.Context(), r.PathValue("hotline"), r.PathValue("no"))
		switch {
		case errors.Is(err, calllog.ErrNotFound):
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no work order " + r.PathValue("no") + " on hotline " + r.PathValue("hotline")})
		case err != nil:
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		default:
			writeJSON(w, http.StatusOK, v)
		}
	})
}

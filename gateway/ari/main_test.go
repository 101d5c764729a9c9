package ari

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: sockets, pingers, resyncs and
// HTTP keep-alives all end with Client.Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

package dialplan

import (
	_ "embed"
	"strings"
)

//go:embed builtin.conf
var builtinConf string

// Builtin returns a new copy of the emulator's built-in dialplan: the
// contexts the lab Asterisk runs (from-pstn with 12345 and 110 into
// Stasis(${ARI_APP}), from-agents, lab-internal). Set the global ARI_APP to
// change the application calls are handed to; Load adds a user's file.
// The error can only be a defect of the embedded file (tests parse it).
func Builtin() (*Dialplan, error) {
	return Parse(strings.NewReader(builtinConf), "builtin.conf")
}

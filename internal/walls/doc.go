// Package walls holds the test that checks liandong's import graph against
// the rules of docs/architecture.md: which packages may import ari/v5, pion,
// go-redis and the emulator, and that dependencies point one way.
package walls

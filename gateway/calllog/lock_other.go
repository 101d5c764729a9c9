//go:build !unix

package calllog

import (
	"os"
	"path/filepath"
)

// lockDir on systems without flock only creates the lock file; keep one Log
// per spool directory by configuration there.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "spool.lock"), os.O_CREATE|os.O_RDWR, 0o600)
}

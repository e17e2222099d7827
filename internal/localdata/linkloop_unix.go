//go:build unix

package localdata

import (
	"errors"
	"syscall"
)

// isLinkLoop reports a path whose symbolic links loop (ELOOP).
func isLinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }

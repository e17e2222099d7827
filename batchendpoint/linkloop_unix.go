//go:build unix

package batchendpoint

import (
	"errors"
	"syscall"
)

// isLinkLoop reports a path whose symbolic links loop (ELOOP).
func isLinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }

//go:build unix

package localfs

import (
	"os"
	"syscall"
)

// openReadFlags: O_NONBLOCK makes opening a FIFO return at once; it changes
// nothing for the regular files that are read.
const openReadFlags = os.O_RDONLY | syscall.O_NONBLOCK

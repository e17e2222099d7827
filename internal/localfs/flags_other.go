//go:build !unix

package localfs

import "os"

// openReadFlags: without O_NONBLOCK the mode checks in Open are what
// keep special files from being opened.
const openReadFlags = os.O_RDONLY

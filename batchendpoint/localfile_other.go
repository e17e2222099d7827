//go:build !unix

package batchendpoint

import "os"

// openReadFlags: without O_NONBLOCK the mode checks in openRegular are what
// keep special files from being opened.
const openReadFlags = os.O_RDONLY

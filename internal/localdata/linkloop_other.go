//go:build !unix

package localdata

import "strings"

// isLinkLoop reports a path whose symbolic links loop; Windows has no ELOOP
// errno, so the OS's message is matched.
func isLinkLoop(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "too many levels of symbolic links")
}

//go:build unix

package localdata

import (
	"os"
	"testing"
)

// TestMain doubles as checkAsNobody's child: with AZMLBATCH_CHECK_PATH set the
// binary checks that path as an unprivileged user and exits instead of testing.
func TestMain(m *testing.M) {
	if path := os.Getenv("AZMLBATCH_CHECK_PATH"); path != "" {
		os.Exit(checkChild(path))
	}
	os.Exit(m.Run())
}

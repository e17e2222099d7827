package batchendpoint_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
)

// TestMain shares one Azurite across the tests (fake.RunTests) and then fails
// the run if any goroutine is left behind: every Invoke, Wait, upload and
// download must have ended, and every fake workspace and test server closed.
func TestMain(m *testing.M) {
	code := fake.RunTests(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines left after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

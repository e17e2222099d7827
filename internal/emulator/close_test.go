package emulator_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// countingTransport counts the blob writes under /azureml/ (the artifacts
// container where job logs go).
type countingTransport struct {
	next http.RoundTripper
	logs atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/azureml/") {
		c.logs.Add(1)
	}
	return c.next.RoundTrip(r)
}

// TestCloseWritesNoLogsOfRunningJobs: Close cancels the jobs still running and
// does not write their logs to storage (nobody can read them after Close; a
// hundred jobs writing at once held a local workspace's shutdown for its whole
// job timeout). Jobs that end on their own write theirs (TestFailedMiniBatchLogs).
func TestCloseWritesNoLogsOfRunningJobs(t *testing.T) {
	ct := &countingTransport{next: http.DefaultTransport}
	e := newEnv(t, envOpts{storage: true, opts: &emulator.Options{StepDelay: time.Hour, StorageClient: &http.Client{Transport: ct}}})
	var names []string
	for range 5 {
		names = append(names, e.invokeOK("heart", body(map[string]any{"d": input("UriFolder", "https://example.blob.core.windows.net/c/d")}, nil), nil))
	}
	for _, n := range names {
		info, ok := e.s.Job(n)
		require.True(t, ok)
		require.Equal(t, emulator.StatusPreparing, info.Status)
	}
	require.NoError(t, e.s.Close())
	assert.Zero(t, ct.logs.Load(), "log blobs written for jobs canceled by Close")
}

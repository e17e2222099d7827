package batchendpoint

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// TestWatcherVanishedJob: a job that leaves a complete list is read by name,
// and its 404 ends it with a *NotFoundError event; the others end normally.
func TestWatcherVanishedJob(t *testing.T) {
	f := newSTFake(t) // pages of 2, filters ignored
	running := func(name string) wire.Job {
		j := stJob(name, "ep", "")
		j.Properties.Status = "Running"
		return j
	}
	f.addJob(running("j1"))
	f.addJob(running("j2"))
	f.addJob(stJob("j3", "ep", ""))
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)
	var mu sync.Mutex
	var events []JobEvent
	changed := false
	w := c.NewJobWatcher(&JobWatcherOptions{Interval: time.Millisecond, NotFoundAfter: time.Nanosecond, ReadsPerSecond: 1000, ExitWhenDone: true,
		OnEvent: func(e JobEvent) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
			if e.Name == "j3" && !changed {
				// After the first round: j1 completes, j2 is deleted.
				changed = true
				f.mu.Lock()
				f.jobs[0].Properties.Status = "Completed"
				f.jobs = append(f.jobs[:1], f.jobs[2:]...)
				f.mu.Unlock()
			}
		}})
	require.NoError(t, w.Add("j1", "j2", "j3"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, w.Run(ctx))
	byName := map[string][]JobEvent{}
	for _, e := range events {
		byName[e.Name] = append(byName[e.Name], e)
	}
	require.Len(t, byName["j1"], 2)
	assert.Equal(t, JobStatusRunning, byName["j1"][0].Status)
	assert.Equal(t, JobStatus(""), byName["j1"][0].Previous)
	assert.Equal(t, JobStatusCompleted, byName["j1"][1].Status)
	assert.True(t, byName["j1"][1].Done)
	require.Len(t, byName["j2"], 2)
	assert.True(t, byName["j2"][1].Done)
	var nf *NotFoundError
	require.ErrorAs(t, byName["j2"][1].Err, &nf)
	assert.Equal(t, "j2", nf.Name)
	require.Len(t, byName["j3"], 1)
	assert.True(t, byName["j3"][0].Done)
	assert.Equal(t, 1, f.count(http.MethodGet, "/jobs/j2"), "the vanished job is read by name once")
	assert.Zero(t, f.count(http.MethodGet, "/jobs/j1"), "listed jobs are never read by name")
}

// TestPacerReserve: below the reserve of remaining reads, requests are spaced
// further apart, up to four times the interval at none left.
func TestPacerReserve(t *testing.T) {
	cases := []struct {
		header  string
		stretch float64
	}{
		{"", 1}, {"junk", 1}, {"249", 1}, {"100", 1}, {"50", 2.5}, {"0", 4}, {"-3", 4},
	}
	for _, c := range cases {
		p := pacer{interval: time.Second, reserve: 100, stretch: 1}
		resp := &http.Response{Header: http.Header{}}
		if c.header != "" {
			resp.Header.Set("x-ms-ratelimit-remaining-subscription-reads", c.header)
		}
		p.observe(resp)
		assert.InDelta(t, c.stretch, p.stretch, 1e-9, c.header)
	}
	p := pacer{interval: time.Second, reserve: -1, stretch: 1}
	resp := &http.Response{Header: http.Header{"X-Ms-Ratelimit-Remaining-Subscription-Reads": {"0"}}}
	p.observe(resp)
	assert.Equal(t, 1.0, p.stretch, "a negative reserve never stretches")
}

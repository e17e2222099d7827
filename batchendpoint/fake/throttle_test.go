package fake_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func TestARMThrottleOptions(t *testing.T) {
	tests := []struct {
		name      string
		opts      fake.ThrottleOptions
		header    string // x-ms-ratelimit-remaining-subscription-reads of the first GetJob
		throttled bool
	}{
		{"default on", fake.ThrottleOptions{}, "249", false},
		{"custom bucket", fake.ThrottleOptions{Reads: fake.BucketLimit{Capacity: 2, RefillPerSecond: 1}}, "1", true},
		{"off", fake.ThrottleOptions{Off: true}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// azcore gives up when Retry-After (1 s at least) exceeds MaxRetryDelay.
			co := &batchendpoint.ClientOptions{}
			co.Retry.MaxRetryDelay = 5 * time.Second
			w := fake.NewWorkspace(t, &fake.Options{NoStorage: true, InProcess: true, ARMThrottle: tc.opts, ClientOptions: co})
			w.AddEndpoint(fake.Endpoint{Name: "hello", DefaultDeployment: "pipe"})
			w.AddPipelineDeployment("hello", fake.PipelineDeployment{Name: "pipe", Simulate: &fake.Simulation{
				Duration: func(fake.SimulatedJob) time.Duration { return 50 * time.Millisecond }}})
			ctx := ctxT(t)
			job, err := w.Client().Invoke(ctx, "hello", batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"x": inputs.String("1")}}, nil)
			require.NoError(t, err)
			w.ResetThrottle()
			w.ClearRequests()
			for i := range 3 {
				_, err = w.Client().GetJob(ctx, job.Name(), nil)
				require.NoError(t, err, "GetJob %d: the client waits out a 429's Retry-After", i)
			}
			reqs := w.Requests(fake.RouteGetJob)
			require.NotEmpty(t, reqs)
			assert.Equal(t, tc.header, reqs[0].ResponseHeader.Get("x-ms-ratelimit-remaining-subscription-reads"))
			st := w.ThrottleStats()
			if tc.opts.Off {
				assert.Empty(t, st.Principals)
			} else {
				assert.Equal(t, 3, st.Served[fake.OpReads])
			}
			if tc.throttled {
				assert.Equal(t, 1, st.Throttled[fake.OpReads])
				assert.Contains(t, statuses(reqs), http.StatusTooManyRequests)
			} else {
				assert.Zero(t, st.Throttled[fake.OpReads])
			}
			d, err := job.Wait(ctx, fastWait)
			require.NoError(t, err)
			assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
		})
	}
}

func statuses(reqs []fake.Request) []int {
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = r.Status
	}
	return out
}

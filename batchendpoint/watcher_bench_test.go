package batchendpoint_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
)

// scaleResult is what following a set of jobs to their end cost.
type scaleResult struct {
	reads, throttled int           // ARM reads served and answered 429 (the fake's throttle counters)
	lastDone         time.Duration // from the start of following to the last job seen completed
	failed           int           // jobs whose follower returned an error (not counted in lastDone)
	elapsed          time.Duration // until every follower returned
}

func (r scaleResult) readsPerSecond() float64 { return float64(r.reads) / r.elapsed.Seconds() }

// scaleDuration spreads jobs over [lo, hi): job i of a set runs lo + (i*7919 mod n)/n of the range.
func scaleDuration(n int, lo, hi time.Duration) func(fake.SimulatedJob) time.Duration {
	return func(j fake.SimulatedJob) time.Duration {
		i := j.Index % n
		return lo + time.Duration(int64(hi-lo)*int64((i*7919)%n)/int64(n))
	}
}

// invokeMany creates n jobs on ep-a, 16 at a time.
func invokeMany(tb testing.TB, c *batchendpoint.Client, n int) []*batchendpoint.Job {
	tb.Helper()
	ctx := context.Background()
	jobs := make([]*batchendpoint.Job, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				jobs[i], errs[i] = c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Input: scaleInput}, nil)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		require.NoError(tb, err)
	}
	return jobs
}

// followWithWatcher follows jobs with one JobWatcher (default budget).
func followWithWatcher(tb testing.TB, w *fake.Workspace, jobs []*batchendpoint.Job) scaleResult {
	tb.Helper()
	w.ResetThrottle()
	start := time.Now()
	var mu sync.Mutex
	var last time.Time
	failed := 0
	wt := w.Client().NewJobWatcher(&batchendpoint.JobWatcherOptions{ExitWhenDone: true, OnEvent: func(e batchendpoint.JobEvent) {
		if e.Done {
			mu.Lock()
			if e.Err != nil || e.Status != batchendpoint.JobStatusCompleted {
				failed++
			} else {
				last = time.Now()
			}
			mu.Unlock()
		}
	}})
	wt.AddJobs(jobs...)
	require.NoError(tb, wt.Run(context.Background()))
	elapsed := time.Since(start)
	st := w.ThrottleStats()
	return scaleResult{reads: st.Served[fake.OpReads], throttled: st.Throttled[fake.OpReads], lastDone: last.Sub(start), failed: failed, elapsed: elapsed}
}

// followWithWait follows each job with its own Job.Wait (default options).
func followWithWait(tb testing.TB, w *fake.Workspace, jobs []*batchendpoint.Job) scaleResult {
	tb.Helper()
	w.ResetThrottle()
	start := time.Now()
	var mu sync.Mutex
	var last time.Time
	failed := 0
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			_, err := j.Wait(context.Background(), nil)
			mu.Lock()
			if err != nil {
				failed++
			} else {
				last = time.Now()
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	st := w.ThrottleStats()
	return scaleResult{reads: st.Served[fake.OpReads], throttled: st.Throttled[fake.OpReads], lastDone: last.Sub(start), failed: failed, elapsed: elapsed}
}

// TestJobWatcherBudget (the CI-sized run of BenchmarkJobWatcher): 500 jobs of
// mixed durations followed by one watcher against the fake with ARM's read
// throttling at its documented limits stay within the watcher's budget,
// without a 429, and every job is seen completed.
func TestJobWatcherBudget(t *testing.T) {
	const n = 500
	w := scaleEnv(t, nil, scaleDuration(n, 500*time.Millisecond, 5*time.Second))
	jobs := invokeMany(t, w.Client(), n)
	r := followWithWatcher(t, w, jobs)
	t.Logf("watcher, %d jobs: %d reads in %s (%.1f/s), %d x 429, last completion seen at %s", n, r.reads, r.elapsed.Round(time.Millisecond), r.readsPerSecond(), r.throttled, r.lastDone.Round(time.Millisecond))
	assert.Zero(t, r.failed)
	assert.Zero(t, r.throttled, "no 429 at ARM's documented limits")
	assert.LessOrEqual(t, r.readsPerSecond(), float64(batchendpoint.DefaultWatcherReadsPerSecond)*1.1+1, "the watcher keeps to its budget")
}

// BenchmarkJobWatcher follows the same mixed-duration jobs (10,000; 500 with
// -short) once with a JobWatcher and once with one Job.Wait each, against the
// fake with ARM read throttling on at its documented limits (250 reads,
// refilled at 25/s, per principal), and reports for each: ARM reads per
// second (served reads over the time until every follower returned), answers
// 429, seconds until the last job was seen completed, and followers that
// returned an error (Job.Wait gives up after WaitOptions.MaxTransientErrors
// throttled polls in a row). Run with -benchtime=1x (one round is minutes long):
//
//	go test -run '^$' -bench BenchmarkJobWatcher -benchtime=1x ./batchendpoint/
func BenchmarkJobWatcher(b *testing.B) {
	n, lo, hi := 10000, 5*time.Second, 60*time.Second
	if testing.Short() {
		n, lo, hi = 500, 500*time.Millisecond, 5*time.Second
	}
	for b.Loop() {
		w := scaleEnv(b, &fake.Options{RequestLogLimit: 1000}, scaleDuration(n, lo, hi))
		c := w.Client()
		watched := followWithWatcher(b, w, invokeMany(b, c, n))
		waited := followWithWait(b, w, invokeMany(b, c, n))
		b.ReportMetric(watched.readsPerSecond(), "watcher-reads/s")
		b.ReportMetric(float64(watched.throttled), "watcher-429s")
		b.ReportMetric(watched.lastDone.Seconds(), "watcher-last-s")
		b.ReportMetric(float64(watched.failed), "watcher-failed")
		b.ReportMetric(waited.readsPerSecond(), "wait-reads/s")
		b.ReportMetric(float64(waited.throttled), "wait-429s")
		b.ReportMetric(waited.lastDone.Seconds(), "wait-last-s")
		b.ReportMetric(float64(waited.failed), "wait-failed")
		b.Logf("%d jobs, %s-%s: watcher %d reads %.1f/s %d x 429 last %.1fs failed %d | Job.Wait %d reads %.1f/s %d x 429 last %.1fs failed %d",
			n, lo, hi, watched.reads, watched.readsPerSecond(), watched.throttled, watched.lastDone.Seconds(), watched.failed,
			waited.reads, waited.readsPerSecond(), waited.throttled, waited.lastDone.Seconds(), waited.failed)
	}
}

// BenchmarkJobWatcherCancel measures how long Run takes to return after its
// ctx is cancelled while it follows running jobs (median and worst, in ms).
func BenchmarkJobWatcherCancel(b *testing.B) {
	w := scaleEnv(b, nil, nil)
	h := w.HoldJobs(batchendpoint.JobStatusRunning)
	b.Cleanup(h.Release)
	jobs := invokeMany(b, w.Client(), 20)
	var lat []time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		wt := w.Client().NewJobWatcher(&batchendpoint.JobWatcherOptions{Interval: 20 * time.Millisecond, ReadsPerSecond: 200})
		wt.AddJobs(jobs...)
		done := make(chan time.Time, 1)
		go func() { _ = wt.Run(ctx); done <- time.Now() }()
		time.Sleep(30 * time.Millisecond)
		at := time.Now()
		cancel()
		lat = append(lat, (<-done).Sub(at))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-cancel-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "worst-cancel-ms")
}

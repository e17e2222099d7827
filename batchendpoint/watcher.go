package batchendpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Defaults of JobWatcherOptions.
const (
	// DefaultWatcherReadsPerSecond is the watcher's default ARM read budget.
	// Azure Resource Manager refills a subscription and principal's read bucket
	// at 25 reads per second (250 at most), so 10 leaves room for the caller's
	// other reads.
	DefaultWatcherReadsPerSecond = 10
	// DefaultWatcherReserveReads is the default reserve of ARM reads: below it
	// (x-ms-ratelimit-remaining-subscription-reads) the watcher slows down.
	DefaultWatcherReserveReads = 50
	// DefaultWatcherInterval is the default shortest time from the start of
	// one round of list pages to the next: Job.Wait's first delay. With many
	// jobs a round takes longer (pages at ReadsPerSecond) and the next follows
	// at once.
	DefaultWatcherInterval = 2 * time.Second
	// DefaultWatcherNotFoundAfter is how long a job may be absent from the
	// list before the watcher asks for it by name.
	DefaultWatcherNotFoundAfter = 2 * time.Minute
)

// JobWatcher follows many jobs to their end within Azure Resource Manager's
// read budget: it reads their status from pages of the workspace's ARM jobs
// list (one request answers a page of jobs) instead of one GET per job,
// paces its requests (JobWatcherOptions.ReadsPerSecond, slowing down as
// x-ms-ratelimit-remaining-subscription-reads nears the reserve), and waits
// out 429 answers for their Retry-After. Jobs can be added at any time, also
// while Run runs. It is safe for concurrent use; Run runs at most once at a
// time. Job.Wait remains the way to follow one job.
type JobWatcher struct {
	c *Client
	o JobWatcherOptions

	mu      sync.Mutex // guards the fields below
	jobs    map[string]*watched
	pending int
	stats   JobWatcherStats
	running bool
	wake    chan struct{} // a job was added
}

type watched struct {
	name     string
	status   JobStatus
	since    time.Time // added, or last listed
	seen     bool      // listed at least once
	lastSeen int       // the round it was last listed in
	done     bool
}

// NewJobWatcher returns a watcher of jobs in the client's workspace, empty
// until Add. It makes no request until Run.
func (c *Client) NewJobWatcher(options *JobWatcherOptions) *JobWatcher {
	o := JobWatcherOptions{}
	if options != nil {
		o = *options
	}
	if o.ReadsPerSecond <= 0 {
		o.ReadsPerSecond = DefaultWatcherReadsPerSecond
	}
	if o.ReserveReads == 0 {
		o.ReserveReads = DefaultWatcherReserveReads
	}
	if o.Interval <= 0 {
		o.Interval = DefaultWatcherInterval
	}
	if o.NotFoundAfter <= 0 {
		o.NotFoundAfter = DefaultWatcherNotFoundAfter
	}
	return &JobWatcher{c: c, o: o, jobs: map[string]*watched{}, wake: make(chan struct{}, 1)}
}

// Add watches the jobs of these names. A name already watched is ignored.
// An invalid name is an error and nothing is added.
func (w *JobWatcher) Add(names ...string) error {
	for _, n := range names {
		if err := validateJobResourceName("name", n); err != nil {
			return err
		}
	}
	w.add(names, nil)
	return nil
}

// AddJobs watches these jobs; their last known status is the Previous of
// their first event, and a job already ended is not watched.
func (w *JobWatcher) AddJobs(jobs ...*Job) {
	names := make([]string, 0, len(jobs))
	statuses := make([]JobStatus, 0, len(jobs))
	for _, j := range jobs {
		if j == nil {
			continue
		}
		names = append(names, j.Name())
		statuses = append(statuses, j.Status())
	}
	w.add(names, statuses)
}

func (w *JobWatcher) add(names []string, statuses []JobStatus) {
	now := time.Now()
	w.mu.Lock()
	for i, n := range names {
		k := strings.ToLower(n)
		if _, ok := w.jobs[k]; ok {
			continue
		}
		j := &watched{name: n, since: now, lastSeen: -1}
		if statuses != nil {
			j.status = statuses[i]
			j.done = j.status.IsTerminal()
		}
		w.jobs[k] = j
		if !j.done {
			w.pending++
		}
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Pending returns the number of watched jobs that have not ended.
func (w *JobWatcher) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pending
}

// Stats returns the counts of the watcher's requests so far.
func (w *JobWatcher) Stats() JobWatcherStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// errWatcherRunning is returned by a second concurrent Run.
var errWatcherRunning = errors.New("batchendpoint: JobWatcher.Run is already running")

// Run follows the watched jobs until ctx ends (it returns ctx's error, within
// moments of the cancel) or, with ExitWhenDone, until none is running (nil).
// Transient failures (connection errors, 408, 429, 5xx) are retried after a
// pause; any other service error ends Run with that error (a 401 or 403 will
// not pass by itself).
func (w *JobWatcher) Run(ctx context.Context) (err error) {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return errWatcherRunning
	}
	w.running = true
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
	}()
	if w.c.opts.DataPlaneOnly {
		return errors.New("watching jobs needs ARM access; create the client without DataPlaneOnly")
	}
	o := ListJobsOptions{Tag: w.o.Tag, Properties: w.o.Properties, ListViewType: ListViewTypeAll}
	q, err := jobsQuery(&o)
	if err != nil {
		return withField(err, "JobWatcherOptions")
	}
	first := w.c.armURL("/jobs", q.Values())
	p := pacer{interval: time.Duration(float64(time.Second) / w.o.ReadsPerSecond), reserve: w.o.ReserveReads}
	for round := 0; ; round++ {
		for w.Pending() == 0 {
			if w.o.ExitWhenDone {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-w.wake:
			}
		}
		start := time.Now()
		w.mu.Lock()
		w.stats.Rounds++
		w.mu.Unlock()
		complete, err := w.listRound(ctx, &p, first, round)
		if err != nil {
			return err
		}
		if err := w.lookUpMissing(ctx, &p, round, complete); err != nil {
			return err
		}
		if w.Pending() == 0 {
			continue
		}
		if err := pause(ctx, time.Until(start.Add(w.o.Interval))); err != nil {
			return err
		}
	}
}

// listRound reads list pages until every pending job has been listed in this
// round or the list ends (complete).
func (w *JobWatcher) listRound(ctx context.Context, p *pacer, next string, round int) (complete bool, err error) {
	for next != "" {
		if err := w.c.checkNextLink(next); err != nil {
			return false, err
		}
		var page wire.List[wire.Job]
		if _, err := w.get(ctx, p, next, &page); err != nil {
			return false, err
		}
		events, left := w.apply(page.Value, round)
		w.emit(events)
		if left == 0 {
			return false, nil
		}
		next = page.NextLink
	}
	return true, nil
}

// apply records what a page says about watched jobs; left is the number of
// pending jobs not yet listed in this round.
func (w *JobWatcher) apply(jobs []wire.Job, round int) (events []JobEvent, left int) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range jobs {
		j := w.jobs[strings.ToLower(jobs[i].Name)]
		if j == nil || j.done {
			continue
		}
		j.seen, j.lastSeen, j.since = true, round, now
		if e, ok := w.update(j, detailsOf(jobs[i].Details())); ok {
			events = append(events, e)
		}
	}
	for _, j := range w.jobs {
		if !j.done && j.lastSeen != round {
			left++
		}
	}
	return events, left
}

// update moves j to d's status; w.mu is held.
func (w *JobWatcher) update(j *watched, d JobDetails) (JobEvent, bool) {
	if d.Status == j.status && !d.Status.IsTerminal() {
		return JobEvent{}, false
	}
	e := JobEvent{Name: j.name, Status: d.Status, Previous: j.status, Job: d}
	j.status = d.Status
	if d.Status.IsTerminal() {
		j.done, e.Done = true, true
		w.pending--
	}
	return e, true
}

// lookUpMissing reads by name the pending jobs missing from the list for
// NotFoundAfter (at most a few per round, within the budget): the list may
// lag behind a creation, filter a job out, or a job may have been deleted.
func (w *JobWatcher) lookUpMissing(ctx context.Context, p *pacer, round int, complete bool) error {
	const maxPerRound = 5
	now := time.Now()
	var names []string
	w.mu.Lock()
	for _, j := range w.jobs {
		if !j.done && j.lastSeen != round && (complete || !j.seen) && now.Sub(j.since) >= w.o.NotFoundAfter && len(names) < maxPerRound {
			names = append(names, j.name)
		}
	}
	w.mu.Unlock()
	for _, n := range names {
		var job wire.Job
		_, err := w.get(ctx, p, w.c.armURL("/jobs/"+url.PathEscape(n), nil), &job)
		var re *azcore.ResponseError
		switch {
		case err == nil:
			w.mu.Lock()
			j := w.jobs[strings.ToLower(n)]
			j.since = time.Now()
			e, ok := w.update(j, detailsOf(job.Details()))
			w.mu.Unlock()
			if ok {
				w.emit([]JobEvent{e})
			}
		case errors.As(err, &re) && re.StatusCode == http.StatusNotFound:
			w.mu.Lock()
			j := w.jobs[strings.ToLower(n)]
			e := JobEvent{Name: j.name, Status: j.status, Previous: j.status, Done: true,
				Err: &NotFoundError{ResourceType: ResourceJob, Name: j.name, Workspace: w.c.ws, Err: err, Fix: "the job does not exist (any more) in this workspace"}}
			if !j.done {
				j.done = true
				w.pending--
			}
			w.mu.Unlock()
			w.emit([]JobEvent{e})
		default:
			return err
		}
	}
	return nil
}

func (w *JobWatcher) emit(events []JobEvent) {
	if w.o.OnEvent == nil {
		return
	}
	for _, e := range events {
		w.o.OnEvent(e)
	}
}

// get sends one paced ARM GET, without the pipeline's retries: a 429 waits for
// its Retry-After and a transient failure for a growing pause, then the same
// request is sent again. Other errors are returned.
func (w *JobWatcher) get(ctx context.Context, p *pacer, u string, out any) (*http.Response, error) {
	backoff := time.Second
	for {
		if err := p.wait(ctx); err != nil {
			return nil, err
		}
		req, err := runtime.NewRequest(policy.WithRetryOptions(ctx, policy.RetryOptions{MaxRetries: -1}), http.MethodGet, u)
		if err != nil {
			return nil, err
		}
		w.mu.Lock()
		w.stats.Requests++
		w.mu.Unlock()
		resp, err := w.c.armPL.Do(req)
		if err == nil {
			p.observe(resp)
			switch {
			case runtime.HasStatusCode(resp, http.StatusOK):
				if err := runtime.UnmarshalAsJSON(resp, out); err != nil {
					return resp, fmt.Errorf("decoding GET %s: %w", redactURL(u), err)
				}
				return resp, nil
			case resp.StatusCode == http.StatusTooManyRequests:
				w.mu.Lock()
				w.stats.Throttled++
				w.mu.Unlock()
				d, ok := retryAfter(resp)
				if !ok {
					d = backoff
				}
				_ = resp.Body.Close()
				if err := pause(ctx, d); err != nil {
					return nil, err
				}
				continue
			}
			err = serviceError(resp)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !transient(err) {
			return resp, err
		}
		if err := pause(ctx, backoff); err != nil {
			return nil, err
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// pacer spaces requests: at least interval apart, stretched up to four
// times when the service reports fewer remaining reads than reserve.
type pacer struct {
	interval time.Duration
	reserve  int
	stretch  float64 // 1 = no stretching
	next     time.Time
}

func (p *pacer) wait(ctx context.Context) error {
	if err := pause(ctx, time.Until(p.next)); err != nil {
		return err
	}
	if p.stretch < 1 {
		p.stretch = 1
	}
	p.next = time.Now().Add(time.Duration(float64(p.interval) * p.stretch))
	return nil
}

// observe reads x-ms-ratelimit-remaining-subscription-reads.
func (p *pacer) observe(resp *http.Response) {
	v := resp.Header.Get("x-ms-ratelimit-remaining-subscription-reads")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if v == "" || err != nil || p.reserve <= 0 {
		return
	}
	p.stretch = 1
	if n < p.reserve {
		p.stretch = 1 + 3*float64(p.reserve-max(n, 0))/float64(p.reserve)
	}
}

// pause waits d (nothing when d <= 0) or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

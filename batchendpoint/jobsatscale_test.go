package batchendpoint_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// scaleEnv is a workspace whose deployments simulate their jobs (no storage):
// endpoint ep-a with model deployment model-dep (default) and pipeline
// deployment pipe-dep, endpoint ep-b with model deployment model-dep. Jobs run for run(job), 0 when nil.
func scaleEnv(t testing.TB, o *fake.Options, run func(fake.SimulatedJob) time.Duration) *fake.Workspace {
	t.Helper()
	if o == nil {
		o = &fake.Options{}
	}
	o.InProcess, o.NoStorage = true, true
	w := fake.NewWorkspace(t, o)
	sim := &fake.Simulation{Duration: run}
	w.AddEndpoint(fake.Endpoint{Name: "ep-a", DefaultDeployment: "model-dep"})
	w.AddModelDeployment("ep-a", fake.ModelDeployment{Name: "model-dep", Simulate: sim})
	w.AddPipelineDeployment("ep-a", fake.PipelineDeployment{Name: "pipe-dep", Simulate: sim})
	w.AddEndpoint(fake.Endpoint{Name: "ep-b", DefaultDeployment: "model-dep"})
	w.AddModelDeployment("ep-b", fake.ModelDeployment{Name: "model-dep", Simulate: sim})
	return w
}

var scaleInput = inputs.StorageURL("https://x.blob.core.windows.net/c/d")

func scaleCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestJobTagsRoundTrip: tags, description and properties sent at invoke come
// back on the ARM job; UpdateJobTags replaces (or merges) the caller's tags and
// keeps the service's and the repeatability tag.
func TestJobTagsRoundTrip(t *testing.T) {
	w := scaleEnv(t, nil, nil)
	c, ctx := w.Client(), scaleCtx(t)
	job, err := c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Deployment: "pipe-dep",
		Inputs:      map[string]inputs.Input{"n": inputs.String("1")},
		Tags:        map[string]string{"team": "risk", "run": "nightly"},
		Description: "nightly risk scoring\nsecond line",
		Properties:  map[string]string{"batch": "42"}}, nil)
	require.NoError(t, err)
	post := w.Requests(fake.RouteInvoke)[0]
	rid := post.Header.Get("repeatability_request-id")
	assert.JSONEq(t, `{"team":"risk","run":"nightly","azmlbatch.rid.`+rid+`":"`+rid+`"}`, jsonField(t, post.Body, "properties", "tags"))

	got, err := c.GetJob(ctx, job.Name(), nil)
	require.NoError(t, err)
	d := got.Details()
	assert.Equal(t, "risk", d.Tags["team"])
	assert.Equal(t, "nightly", d.Tags["run"])
	assert.Equal(t, "true", d.Tags[batchendpoint.TagBatchRun], "the service's tags stay")
	assert.Equal(t, rid, d.RepeatabilityID)
	assert.Equal(t, rid, d.Tags[batchendpoint.RepeatabilityTagKey(rid)])
	assert.Equal(t, "nightly risk scoring\nsecond line", d.Description)
	assert.Equal(t, "42", d.Properties["batch"])

	up, err := c.UpdateJobTags(ctx, job.Name(), map[string]string{"team": "fraud", "owner": "ana"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "fraud", up.Tags["team"])
	assert.NotContains(t, up.Tags, "run", "the caller's tags are replaced")
	assert.Equal(t, rid, up.RepeatabilityID, "the repeatability tag is kept")
	assert.Equal(t, "true", up.Tags[batchendpoint.TagBatchRun])
	puts := w.Requests(fake.RoutePutJob)
	require.Len(t, puts, 1)
	assert.Equal(t, "PUT", puts[0].Method)

	up, err = c.UpdateJobTags(ctx, job.Name(), map[string]string{"stage": "2"}, &batchendpoint.UpdateJobTagsOptions{Merge: true})
	require.NoError(t, err)
	assert.Equal(t, "fraud", up.Tags["team"], "merge keeps the other caller tags")
	assert.Equal(t, "2", up.Tags["stage"])

	got, err = c.GetJob(ctx, job.Name(), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "fraud", "owner": "ana", "stage": "2"}, callerTags(got.Details().Tags))
	assert.Equal(t, "42", got.Details().Properties["batch"], "properties are untouched")

	_, err = c.UpdateJobTags(ctx, job.Name(), map[string]string{"azureml.batchrun": "false"}, nil)
	var ve *batchendpoint.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "tags.azureml.batchrun", ve.Field)
}

func callerTags(tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		if !strings.HasPrefix(k, "azureml.") && !strings.HasPrefix(k, "azmlbatch.") && k != "inputType" && k != "outputType" {
			out[k] = v
		}
	}
	return out
}

// TestFindJobAfterResetAfterCreate: the connection drops after the service
// created the job; the error names FindJob and the id, and one list request
// finds exactly that job among others.
func TestFindJobAfterResetAfterCreate(t *testing.T) {
	w := scaleEnv(t, nil, nil)
	c, ctx := w.Client(), scaleCtx(t)
	for range 3 {
		_, err := c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Input: scaleInput}, nil)
		require.NoError(t, err)
	}
	w.ResetConnections(fake.RouteInvoke, 1, true)
	_, err := c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Input: scaleInput, Tags: map[string]string{"k": "v"}}, nil)
	var amb *batchendpoint.AmbiguousInvokeError
	require.ErrorAs(t, err, &amb)
	assert.Contains(t, err.Error(), `Client.FindJob(ctx, "ep-a", "`+amb.RepeatabilityID+`", nil)`)
	require.Len(t, w.Jobs(), 4, "the service created the job")
	var created fake.JobInfo
	for _, j := range w.Jobs() {
		if j.RepeatabilityID == amb.RepeatabilityID {
			created = j
		}
	}
	require.NotEmpty(t, created.Name)

	w.ClearRequests()
	job, err := c.FindJob(ctx, amb.Endpoint, amb.RepeatabilityID, nil)
	require.NoError(t, err)
	assert.Equal(t, created.Name, job.Name())
	assert.Equal(t, amb.RepeatabilityID, job.Details().RepeatabilityID)
	lists := w.Requests(fake.RouteListJobs)
	require.Len(t, lists, 1, "one list request")
	assert.Equal(t, batchendpoint.RepeatabilityTagKey(amb.RepeatabilityID), lists[0].Query.Get("tag"))
	assert.Equal(t, "All", lists[0].Query.Get("listViewType"))
	assert.Equal(t, 1, w.RequestCount(), "no other request")

	_, err = c.FindJob(ctx, "ep-a", "00000000-0000-0000-0000-000000000000", nil)
	var nf *batchendpoint.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, batchendpoint.ResourceJob, nf.ResourceType)
	_, err = c.FindJob(ctx, "ep-a", amb.RepeatabilityID, &batchendpoint.FindJobOptions{Deployment: "other"})
	require.ErrorAs(t, err, &nf, "the deployment must match")
	_, err = c.FindJob(ctx, "ep-a", "", nil)
	var ve *batchendpoint.ValidationError
	require.ErrorAs(t, err, &ve)
}

// TestListJobsFilters: each filter returns exactly the matching jobs, and each
// service-side filter is in the list request's query.
func TestListJobsFilters(t *testing.T) {
	w := scaleEnv(t, nil, nil)
	c, ctx := w.Client(), scaleCtx(t)
	type spec struct {
		ep  string
		req batchendpoint.InvokeRequest
	}
	specs := []spec{
		{"ep-a", batchendpoint.InvokeRequest{Input: scaleInput, Tags: map[string]string{"team": "a"}}},                             // a0
		{"ep-a", batchendpoint.InvokeRequest{Input: scaleInput, Tags: map[string]string{"team": "b"}}},                             // a1
		{"ep-b", batchendpoint.InvokeRequest{Input: scaleInput, Tags: map[string]string{"team": "a"}}},                             // b0
		{"ep-a", batchendpoint.InvokeRequest{Deployment: "pipe-dep", Properties: map[string]string{"batch": "7", "owner": "ana"}}}, // a2
		{"ep-a", batchendpoint.InvokeRequest{Deployment: "pipe-dep", Properties: map[string]string{"batch": "8"}}},                 // a3 (held Running)
	}
	var names []string
	var created []time.Time
	for i, s := range specs {
		if i == 4 {
			h := w.HoldJobs(batchendpoint.JobStatusRunning)
			t.Cleanup(h.Release)
		}
		j, err := c.Invoke(ctx, s.ep, s.req, nil)
		require.NoError(t, err)
		names = append(names, j.Name())
		if i < 4 {
			_, err = w.WaitJob(ctx, j.Name())
			require.NoError(t, err)
		} else {
			_, err = w.WaitJobStatus(ctx, j.Name(), batchendpoint.JobStatusRunning)
			require.NoError(t, err)
		}
		got, err := c.GetJob(ctx, j.Name(), nil)
		require.NoError(t, err)
		created = append(created, got.Details().CreatedAt) // as the service reports it
		time.Sleep(2 * time.Millisecond)                   // distinct creation times
	}
	a0, a1, a2, a3 := names[0], names[1], names[3], names[4]
	// newest first
	tests := []struct {
		name  string
		ep    string
		opts  *batchendpoint.ListJobsOptions
		want  []string
		query map[string]string
	}{
		{"endpoint", "ep-a", nil, []string{a3, a2, a1, a0}, map[string]string{"tag": "azureml.batchrun"}},
		{"other endpoint", "ep-b", nil, []string{names[2]}, map[string]string{"tag": "azureml.batchrun"}},
		{"tag", "ep-a", &batchendpoint.ListJobsOptions{Tag: "team"}, []string{a1, a0}, map[string]string{"tag": "team"}},
		{"jobType", "ep-a", &batchendpoint.ListJobsOptions{JobType: "Pipeline"}, []string{a3, a2, a1, a0}, map[string]string{"jobType": "Pipeline"}},
		{"jobType other", "ep-a", &batchendpoint.ListJobsOptions{JobType: "Command"}, nil, map[string]string{"jobType": "Command"}},
		{"listViewType all", "ep-a", &batchendpoint.ListJobsOptions{ListViewType: batchendpoint.ListViewTypeAll}, []string{a3, a2, a1, a0}, map[string]string{"listViewType": "All"}},
		{"listViewType archived", "ep-a", &batchendpoint.ListJobsOptions{ListViewType: batchendpoint.ListViewTypeArchivedOnly}, nil, map[string]string{"listViewType": "ArchivedOnly"}},
		{"property name", "ep-a", &batchendpoint.ListJobsOptions{Properties: map[string]string{"batch": ""}}, []string{a3, a2}, map[string]string{"properties": "batch"}},
		{"property value", "ep-a", &batchendpoint.ListJobsOptions{Properties: map[string]string{"batch": "7", "owner": "ana"}}, []string{a2}, map[string]string{"properties": "batch=7,owner=ana"}},
		{"deployment", "ep-a", &batchendpoint.ListJobsOptions{Deployment: "pipe-dep"}, []string{a3, a2}, map[string]string{"tag": "azureml.batchrun"}},
		{"status", "ep-a", &batchendpoint.ListJobsOptions{Statuses: []batchendpoint.JobStatus{batchendpoint.JobStatusRunning}}, []string{a3}, nil},
		{"status completed", "ep-a", &batchendpoint.ListJobsOptions{Statuses: []batchendpoint.JobStatus{batchendpoint.JobStatusCompleted}}, []string{a2, a1, a0}, nil},
		{"created after", "ep-a", &batchendpoint.ListJobsOptions{CreatedAfter: created[1]}, []string{a3, a2, a1}, nil},
		{"created before", "ep-a", &batchendpoint.ListJobsOptions{CreatedBefore: created[1]}, []string{a0}, nil},
		{"created window", "ep-a", &batchendpoint.ListJobsOptions{CreatedAfter: created[1], CreatedBefore: created[3]}, []string{a1}, nil},
		{"limit", "ep-a", &batchendpoint.ListJobsOptions{Limit: 3}, []string{a3, a2, a1}, nil},
		{"tag and limit", "ep-a", &batchendpoint.ListJobsOptions{Tag: "team", Limit: 1}, []string{a1}, map[string]string{"tag": "team"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.ClearRequests()
			var got []string
			pager := c.NewListJobsPager(tc.ep, tc.opts)
			for pager.More() {
				page, err := pager.NextPage(ctx)
				require.NoError(t, err)
				for _, j := range page.Jobs {
					got = append(got, j.Name)
				}
			}
			assert.Equal(t, tc.want, got)
			reqs := w.Requests(fake.RouteListJobs)
			require.NotEmpty(t, reqs)
			for k, v := range tc.query {
				assert.Equal(t, v, reqs[0].Query.Get(k), "query %s", k)
			}
			if tc.opts != nil && tc.opts.Limit > 0 {
				// The limit is reached without reading further pages.
				assert.LessOrEqual(t, len(reqs), (tc.opts.Limit+1)/2+1)
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		for _, o := range []*batchendpoint.ListJobsOptions{
			{Properties: map[string]string{"a,b": ""}}, {Properties: map[string]string{"a": "x,y"}}, {ListViewType: "Some"},
		} {
			_, err := c.NewListJobsPager("ep-a", o).NextPage(ctx)
			var ve *batchendpoint.ValidationError
			require.ErrorAs(t, err, &ve, "%+v", o)
		}
	})
}

// TestJobWatcher: every job's status changes are reported, its terminal status
// once; jobs added while it runs are followed; a job the list never shows is read
// by name, and one the service does not know ends with a *NotFoundError; pages
// carry the watcher's filters; no 429 at the documented limits.
func TestJobWatcher(t *testing.T) {
	durations := []time.Duration{0, 30 * time.Millisecond, 80 * time.Millisecond, 150 * time.Millisecond}
	w := scaleEnv(t, nil, func(j fake.SimulatedJob) time.Duration { return durations[j.Index%len(durations)] })
	c, ctx := w.Client(), scaleCtx(t)
	invoke := func(tags map[string]string) *batchendpoint.Job {
		j, err := c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Input: scaleInput, Tags: tags}, nil)
		require.NoError(t, err)
		return j
	}
	watch := map[string]string{"watch": "1"}
	var first []*batchendpoint.Job
	for range 6 {
		first = append(first, invoke(watch))
	}
	invoke(nil) // not watched, and not on the watcher's pages
	late := invoke(watch)
	untagged := invoke(nil) // watched, but the list filter hides it: read by name
	var mu sync.Mutex
	events := map[string][]batchendpoint.JobEvent{}
	added := false
	var wt *batchendpoint.JobWatcher
	wt = c.NewJobWatcher(&batchendpoint.JobWatcherOptions{
		Tag: "watch", Interval: 20 * time.Millisecond, NotFoundAfter: 100 * time.Millisecond, ReadsPerSecond: 100, ExitWhenDone: true,
		OnEvent: func(e batchendpoint.JobEvent) {
			mu.Lock()
			events[e.Name] = append(events[e.Name], e)
			mu.Unlock()
			if !added {
				added = true // Add from the callback, while Run runs
				assert.NoError(t, wt.Add(late.Name()))
			}
		},
	})
	wt.AddJobs(first...)
	require.NoError(t, wt.Add(untagged.Name(), "batchjob-00000000-0000-0000-0000-000000000000"))
	require.NoError(t, wt.Run(ctx))
	assert.Zero(t, wt.Pending())

	mu.Lock()
	defer mu.Unlock()
	for _, j := range append(first, late, untagged) {
		evs := events[j.Name()]
		require.NotEmpty(t, evs, j.Name())
		last := evs[len(evs)-1]
		assert.True(t, last.Done, j.Name())
		assert.Equal(t, batchendpoint.JobStatusCompleted, last.Status, j.Name())
		assert.NoError(t, last.Err)
		done := 0
		for i, e := range evs {
			if e.Done {
				done++
			}
			assert.NotEqual(t, e.Previous, e.Status, "only changes are reported")
			if i > 0 {
				assert.Equal(t, evs[i-1].Status, e.Previous, "events chain")
			}
		}
		assert.Equal(t, 1, done, "one terminal event for %s", j.Name())
	}
	ghost := events["batchjob-00000000-0000-0000-0000-000000000000"]
	require.Len(t, ghost, 1)
	var nf *batchendpoint.NotFoundError
	require.ErrorAs(t, ghost[0].Err, &nf)
	assert.True(t, ghost[0].Done)

	lists := w.Requests(fake.RouteListJobs)
	require.NotEmpty(t, lists)
	for _, r := range lists {
		assert.Equal(t, "watch", r.Query.Get("tag"))
		assert.Equal(t, "All", r.Query.Get("listViewType"))
	}
	gets := w.Requests(fake.RouteGetJob)
	for _, r := range gets {
		assert.True(t, strings.HasSuffix(urlOf(t, r).Path, untagged.Name()) || strings.HasSuffix(urlOf(t, r).Path, "batchjob-00000000-0000-0000-0000-000000000000"),
			"only jobs missing from the list are read by name: %s", r.URL)
	}
	st := wt.Stats()
	assert.Equal(t, len(lists)+len(gets), st.Requests)
	assert.Zero(t, st.Throttled)
	assert.Zero(t, w.ThrottleStats().Throttled[fake.OpReads])
}

// TestJobWatcherThrottled: answers 429 are waited out (Retry-After) and counted,
// and every job still ends.
func TestJobWatcherThrottled(t *testing.T) {
	w := scaleEnv(t, nil, nil)
	c, ctx := w.Client(), scaleCtx(t)
	j, err := c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Input: scaleInput}, nil)
	require.NoError(t, err)
	w.FailRequests(fake.RouteListJobs, 2, 429, "0")
	var done []batchendpoint.JobEvent
	wt := c.NewJobWatcher(&batchendpoint.JobWatcherOptions{Interval: 10 * time.Millisecond, ReadsPerSecond: 100, ExitWhenDone: true,
		OnEvent: func(e batchendpoint.JobEvent) {
			if e.Done {
				done = append(done, e)
			}
		}})
	require.NoError(t, wt.Add(j.Name()))
	require.NoError(t, wt.Run(ctx))
	require.Len(t, done, 1)
	assert.Equal(t, batchendpoint.JobStatusCompleted, done[0].Status)
	assert.Equal(t, 2, wt.Stats().Throttled)
}

// TestJobWatcherRunStops: Run ends with ctx's error, a second concurrent Run is
// refused, and a watcher without jobs waits for them.
func TestJobWatcherRunStops(t *testing.T) {
	w := scaleEnv(t, nil, nil)
	c := w.Client()
	h := w.HoldJobs(batchendpoint.JobStatusRunning)
	t.Cleanup(h.Release)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j, err := c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Input: scaleInput}, nil)
	require.NoError(t, err)
	_, err = w.WaitJobStatus(ctx, j.Name(), batchendpoint.JobStatusRunning)
	require.NoError(t, err)
	var statuses []batchendpoint.JobStatus
	running := make(chan struct{})
	wt := c.NewJobWatcher(&batchendpoint.JobWatcherOptions{Interval: time.Hour, OnEvent: func(e batchendpoint.JobEvent) {
		statuses = append(statuses, e.Status)
		if e.Status == batchendpoint.JobStatusRunning {
			close(running)
		}
	}})
	wt.AddJobs(j)
	errc := make(chan error, 1)
	go func() { errc <- wt.Run(ctx) }()
	select {
	case <-running:
	case <-time.After(30 * time.Second):
		t.Fatal("no Running event")
	}
	require.Error(t, wt.Run(ctx), "a second Run is refused")
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	assert.Equal(t, []batchendpoint.JobStatus{batchendpoint.JobStatusRunning}, statuses)
	assert.Equal(t, 1, wt.Pending())

	empty := c.NewJobWatcher(nil)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	require.ErrorIs(t, empty.Run(ctx2), context.DeadlineExceeded)
	assert.Zero(t, empty.Stats().Requests, "no jobs, no requests")
}

// jsonField is the JSON of the field at path in body.
func jsonField(t *testing.T, body []byte, path ...string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v))
	for _, p := range path {
		m, ok := v.(map[string]any)
		require.True(t, ok, "no object at %s", p)
		v = m[p]
	}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

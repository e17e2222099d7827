package batchendpoint_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

const campaignEP = "campaign"

// newCampaignWorkspace is a fake workspace without storage whose endpoint runs
// a pipeline deployment taking one literal: jobs complete without data.
func newCampaignWorkspace(t *testing.T) *fake.Workspace {
	t.Helper()
	w := fake.NewWorkspace(t, &fake.Options{NoStorage: true, StepDelay: -1})
	w.AddEndpoint(fake.Endpoint{Name: campaignEP, DefaultDeployment: "echo"})
	w.AddPipelineDeployment(campaignEP, fake.PipelineDeployment{Name: "echo", Inputs: map[string]string{"n": ""}})
	return w
}

func campaignRequest(i int) batchendpoint.InvokeRequest {
	return batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"n": inputs.Integer(int64(i))}}
}

// Callers sharing one RepeatabilityID through the client, at once, get one job.
func TestInvokeConcurrentSameRepeatabilityID(t *testing.T) {
	rounds, par := 100, 16
	if testing.Short() {
		rounds = 25
	}
	w := newCampaignWorkspace(t)
	c := w.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for round := range rounds {
		id := uuid.NewString()
		names := make([]string, par)
		errs := make([]error, par)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range par {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				j, err := c.Invoke(ctx, campaignEP, campaignRequest(round), &batchendpoint.InvokeOptions{RepeatabilityID: id})
				if err == nil {
					names[i] = j.Name()
					if j.RepeatabilityID() != id {
						err = fmt.Errorf("job handle has repeatability id %q, want %q", j.RepeatabilityID(), id)
					}
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "round %d caller %d", round, i)
		}
		for _, n := range names {
			require.Equal(t, names[0], n, "round %d: every caller holds the same job", round)
		}
		var created []string
		for _, j := range w.Jobs() {
			if j.RepeatabilityID == id {
				created = append(created, j.Name)
			}
		}
		require.Equal(t, []string{names[0]}, created, "round %d: one job", round)
	}
	assert.Len(t, w.Jobs(), rounds)
}

// campaignFault is one kind of disturbance of the invoke POST.
type campaignFault struct {
	name   string
	weight int
	fault  func(r *rand.Rand) fake.Fault
}

var campaignFaults = []campaignFault{
	{"none", 40, func(*rand.Rand) fake.Fault { return fake.Fault{} }},
	{"reset before job creation", 8, func(*rand.Rand) fake.Fault { return fake.Fault{Action: fake.FaultResetBefore} }},
	{"reset after job creation", 8, func(*rand.Rand) fake.Fault { return fake.Fault{Action: fake.FaultResetAfter} }},
	{"429 without Retry-After", 4, func(*rand.Rand) fake.Fault {
		return fake.Fault{Action: fake.FaultRespond, Status: http.StatusTooManyRequests}
	}},
	{"429 Retry-After: 0", 5, func(*rand.Rand) fake.Fault {
		return fake.Fault{Action: fake.FaultRespond, Status: http.StatusTooManyRequests, RetryAfter: "0"}
	}},
	{"429 retry-after-ms", 5, func(r *rand.Rand) fake.Fault {
		return fake.Fault{Action: fake.FaultRespond, Status: http.StatusTooManyRequests,
			Header: http.Header{"Retry-After-Ms": {fmt.Sprint(r.IntN(20))}}}
	}},
	{"503 without Retry-After", 5, func(*rand.Rand) fake.Fault {
		return fake.Fault{Action: fake.FaultRespond, Status: http.StatusServiceUnavailable}
	}},
	{"503 Retry-After: 0", 5, func(*rand.Rand) fake.Fault {
		return fake.Fault{Action: fake.FaultRespond, Status: http.StatusServiceUnavailable, RetryAfter: "0"}
	}},
	{"503 Retry-After: 1", 2, func(*rand.Rand) fake.Fault {
		return fake.Fault{Action: fake.FaultRespond, Status: http.StatusServiceUnavailable, RetryAfter: "1"}
	}},
	{"500", 6, func(*rand.Rand) fake.Fault {
		return fake.Fault{Action: fake.FaultRespond, Status: http.StatusInternalServerError}
	}},
	{"slow answer", 12, func(r *rand.Rand) fake.Fault {
		return fake.Fault{Delay: time.Duration(5+r.IntN(60)) * time.Millisecond}
	}},
}

// campaignOutcome is how one caller ended.
type campaignOutcome struct {
	job      string
	id       string
	err      error
	attempts int
}

// invokeReconciling follows the documented reconciliation and nothing more: on
// an *AmbiguousInvokeError, invoke again with its RepeatabilityID and FirstSent
// until a job or a definite error comes back. (Once the id is the caller's, the
// client itself reports a 429 or unresent 503 as ambiguous: it says nothing
// about the earlier attempt.)
func invokeReconciling(ctx context.Context, c *batchendpoint.Client, i int) campaignOutcome {
	var o campaignOutcome
	var first time.Time
	for o.attempts < 100 {
		o.attempts++
		j, err := c.Invoke(ctx, campaignEP, campaignRequest(i), &batchendpoint.InvokeOptions{RepeatabilityID: o.id, RepeatabilityFirstSent: first})
		if err == nil {
			o.job = j.Name()
			o.id = j.RepeatabilityID()
			return o
		}
		var amb *batchendpoint.AmbiguousInvokeError
		if errors.As(err, &amb) {
			o.id, first = amb.RepeatabilityID, amb.FirstSent
			continue
		}
		o.err = err
		return o
	}
	o.err = fmt.Errorf("no job after %d attempts", o.attempts)
	return o
}

// Seeded faults on the invoke POST; callers that reconcile as documented end
// with exactly one job or a definite error, no repeatability id has two jobs,
// and every job the fake created is held by a caller. The fault sequence is
// seeded; which caller meets which fault depends on arrival order.
func TestFaultCampaign(t *testing.T) {
	invokes, conc := 1000, 16
	if testing.Short() {
		invokes = 200
	}
	w := newCampaignWorkspace(t)
	c := w.Client()
	// Warm the lookup cache so the faults meet POSTs only.
	_, err := c.Invoke(context.Background(), campaignEP, campaignRequest(-1), nil)
	require.NoError(t, err)
	warm := len(w.Jobs())

	rng := rand.New(rand.NewPCG(20261201, 7))
	total := 0
	for _, f := range campaignFaults {
		total += f.weight
	}
	handles := map[string][]*fake.FaultHandle{}
	// One fault per POST, for more POSTs than the invokes (resends take faults too);
	// POSTs beyond the list run undisturbed.
	for range invokes * 2 {
		n := rng.IntN(total)
		for _, f := range campaignFaults {
			if n < f.weight {
				ff := f.fault(rng)
				ff.Route = fake.RouteInvoke
				ff.PathContains = "/" + campaignEP + "/"
				handles[f.name] = append(handles[f.name], w.InjectFault(ff))
				break
			}
			n -= f.weight
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	began := time.Now()
	outcomes := make([]campaignOutcome, invokes)
	work := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				outcomes[i] = invokeReconciling(ctx, c, i)
			}
		}()
	}
	for i := range invokes {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(began)
	w.ClearFaults()

	held := map[string]int{}
	var definite []error
	attempts := 0
	for i, o := range outcomes {
		attempts += o.attempts
		switch {
		case o.job != "" && o.err == nil:
			held[o.job]++
		case o.job == "" && o.err != nil:
			definite = append(definite, o.err)
			var amb *batchendpoint.AmbiguousInvokeError
			require.False(t, errors.As(o.err, &amb), "caller %d ended on an ambiguous error: %v", i, o.err)
		default:
			t.Fatalf("caller %d ended with job %q and error %v", i, o.job, o.err)
		}
	}
	jobs := w.Jobs()[warm:]
	perID := map[string]int{}
	duplicates, unfindable := 0, 0
	for _, j := range jobs {
		require.NotEmpty(t, j.RepeatabilityID, "job %s", j.Name)
		perID[j.RepeatabilityID]++
		if perID[j.RepeatabilityID] > 1 {
			duplicates++
		}
		if held[j.Name] == 0 {
			unfindable++
		}
	}
	for name, n := range held {
		require.Equal(t, 1, n, "job %s is held by %d callers", name, n)
	}
	hits := map[string]int{}
	var kinds []string
	for name, hs := range handles {
		for _, h := range hs {
			hits[name] += h.Hits()
		}
		kinds = append(kinds, name)
	}
	sort.Strings(kinds)
	t.Logf("fault campaign: %d invokes at concurrency %d in %v: %d POSTs (%d Invoke calls), %d jobs, %d definite errors, %d duplicate jobs, %d jobs no caller holds",
		invokes, conc, elapsed.Round(time.Millisecond), w.RequestCount(fake.RouteInvoke)-1, attempts, len(jobs), len(definite), duplicates, unfindable)
	for _, k := range kinds {
		t.Logf("  faults hit: %-28s %d", k, hits[k])
	}
	for _, err := range definite {
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re, "a definite error is a service answer")
		assert.Equal(t, http.StatusTooManyRequests, re.StatusCode, "only an unresent 429 to a first attempt ends a caller without a job: %v", err)
	}
	assert.Zero(t, duplicates, "repeatability ids with more than one job")
	assert.Zero(t, unfindable, "jobs no caller ended up with")
	assert.Equal(t, invokes-len(definite), len(jobs), "one job per caller that got one")
	assert.Positive(t, hits["reset after job creation"], "the campaign reached the ambiguous case it is about")
}

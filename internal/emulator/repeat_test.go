package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// concurrentPost sends n POSTs of body with hdr to url at once (released
// together) and returns their answers.
func concurrentPost(t *testing.T, hc *http.Client, url, token string, body []byte, hdr map[string]string, n int) []resp {
	t.Helper()
	out := make([]resp, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			res, err := hc.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			out[i], errs[i] = resp{status: res.StatusCode, header: res.Header, body: b}, err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "request %d", i)
	}
	return out
}

func jobsWithID(s *emulator.Server, id string) []string {
	var names []string
	for _, j := range s.Jobs() {
		if j.RepeatabilityID == id {
			names = append(names, j.Name)
		}
	}
	return names
}

// Overlapping POSTs with one id create one job, whatever the body size: the id
// is reserved before the work and the others replay the first answer.
func TestRepeatabilityConcurrentSameID(t *testing.T) {
	big := strings.Repeat("x", 16<<20)
	cases := []struct {
		name        string
		rounds, par int
		description string
	}{
		{name: "100 rounds of 16", rounds: 100, par: 16},
		// JSON-decoding 16 MiB is slow under -race (about 6 s a round on a shared 2-core machine): few rounds, many overlapping.
		{name: "16 MiB body", rounds: 2, par: 8, description: big},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{opts: &emulator.Options{StepDelay: -1}})
			hc := e.hc // keeps 32 idle connections per host: rounds reuse them
			tok := e.token(emulator.AudienceML)
			extra := map[string]any{}
			if tc.description != "" {
				extra["padding"] = tc.description // decoded and ignored, not echoed
			}
			raw, err := json.Marshal(body(map[string]any{}, extra))
			require.NoError(t, err)
			for round := range tc.rounds {
				id := uuid.NewString()
				rs := concurrentPost(t, hc, e.ws.ScoringURI("pipe"), tok, raw, map[string]string{"repeatability_request-id": id}, tc.par)
				names := map[string]bool{}
				for _, r := range rs {
					require.Equal(t, http.StatusCreated, r.status, "round %d: %.300s", round, r.body)
					assert.Equal(t, "accepted", r.header.Get("Repeatability-Result"))
					assert.Equal(t, "hello", r.header.Get("azureml-model-deployment"))
					names[r.json(t)["name"].(string)] = true
				}
				require.Len(t, names, 1, "round %d: every answer names the one job", round)
				require.Len(t, jobsWithID(e.s, id), 1, "round %d: jobs created", round)
			}
			assert.Len(t, e.s.Jobs(), tc.rounds)
		})
	}
}

// Which first answers are remembered and replayed: everything the invoke
// handler answered below 500 (the guidelines: the same response again); not
// faults that answered or dropped the connection before the handler ran, as
// nothing happened then.
func TestRepeatabilityFirstAnswerReplay(t *testing.T) {
	cases := []struct {
		name       string
		setup      func(e *env)
		body       map[string]any
		hdr        map[string]string
		wantFirst  int // 0: the connection is reset
		wantSecond int
		replayed   bool // the second answer is the first one again
		jobs       int
	}{
		{name: "validation error is replayed", body: body(map[string]any{"bad name!": literal("1")}, nil),
			wantFirst: http.StatusBadRequest, wantSecond: http.StatusBadRequest, replayed: true, jobs: 0},
		{name: "unknown deployment is replayed even after it is created", body: body(map[string]any{}, nil),
			hdr:       map[string]string{"azureml-model-deployment": "later"},
			wantFirst: http.StatusNotFound, wantSecond: http.StatusNotFound, replayed: true, jobs: 0},
		{name: "created job is replayed", body: body(map[string]any{}, nil),
			wantFirst: http.StatusCreated, wantSecond: http.StatusCreated, replayed: true, jobs: 1},
		{name: "injected 503 is not remembered", body: body(map[string]any{}, nil),
			setup: func(e *env) {
				e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Status: http.StatusServiceUnavailable, RetryAfter: "0"})
			},
			wantFirst: http.StatusServiceUnavailable, wantSecond: http.StatusCreated, jobs: 1},
		{name: "injected 500 is not remembered", body: body(map[string]any{}, nil),
			setup: func(e *env) {
				e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Action: emulator.FaultRespond})
			},
			wantFirst: http.StatusInternalServerError, wantSecond: http.StatusCreated, jobs: 1},
		{name: "reset before the handler is not remembered", body: body(map[string]any{}, nil),
			setup: func(e *env) {
				e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Action: emulator.FaultResetBefore})
			},
			wantFirst: 0, wantSecond: http.StatusCreated, jobs: 1},
		{name: "reset after the job was created replays the job", body: body(map[string]any{}, nil),
			setup: func(e *env) {
				e.s.InjectFault(emulator.Fault{Route: emulator.RouteInvoke, Action: emulator.FaultResetAfter})
			},
			wantFirst: 0, wantSecond: http.StatusCreated, jobs: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{opts: &emulator.Options{StepDelay: -1}})
			if tc.setup != nil {
				tc.setup(e)
			}
			id := uuid.NewString()
			hdr := map[string]string{"repeatability_request-id": id}
			for k, v := range tc.hdr {
				hdr[k] = v
			}
			raw, err := json.Marshal(tc.body)
			require.NoError(t, err)
			post := func() (resp, error) {
				req, err := http.NewRequest(http.MethodPost, e.ws.ScoringURI("pipe"), bytes.NewReader(raw))
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+e.token(emulator.AudienceML))
				for k, v := range hdr {
					req.Header.Set(k, v)
				}
				res, err := e.hc.Do(req)
				if err != nil {
					return resp{}, err
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				return resp{status: res.StatusCode, header: res.Header, body: b}, err
			}
			first, err := post()
			if tc.wantFirst == 0 {
				require.Error(t, err, "the connection is reset")
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.wantFirst, first.status, "%s", first.body)
			}
			if tc.name == "unknown deployment is replayed even after it is created" {
				require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "later"}))
			}
			second, err := post()
			require.NoError(t, err)
			require.Equal(t, tc.wantSecond, second.status, "%s", second.body)
			assert.Equal(t, "accepted", second.header.Get("Repeatability-Result"))
			if tc.replayed {
				assert.Equal(t, string(first.body), string(second.body), "the same answer again")
				assert.Equal(t, first.header.Get("Content-Type"), second.header.Get("Content-Type"))
			}
			assert.Len(t, jobsWithID(e.s, id), tc.jobs)
			assert.Len(t, e.s.Jobs(), tc.jobs)
			if tc.wantSecond == http.StatusCreated {
				third, err := post()
				require.NoError(t, err)
				assert.Equal(t, string(second.body), string(third.body), "a created job is replayed from then on")
				assert.Len(t, e.s.Jobs(), tc.jobs)
			}
		})
	}
}

func innerCode(t *testing.T, r resp) string {
	t.Helper()
	m := r.json(t)
	ie, _ := dig(m, "error", "innerError").(map[string]any)
	require.NotNil(t, ie, "no innerError: %s", r.body)
	return ie["code"].(string)
}

// A used id with another request is rejected, the original still replays.
func TestRepeatabilityDifferentRequestRejected(t *testing.T) {
	e := newEnv(t, envOpts{opts: &emulator.Options{StepDelay: -1}})
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "other"}))
	id := uuid.NewString()
	orig := body(map[string]any{}, map[string]any{"description": "first"})
	first := e.invoke("pipe", orig, map[string]string{"repeatability_request-id": id})
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	cases := []struct {
		name string
		body map[string]any
		hdr  map[string]string
	}{
		{name: "another body", body: body(map[string]any{}, map[string]any{"description": "second"})},
		{name: "another deployment", body: orig, hdr: map[string]string{"azureml-model-deployment": "other"}},
		{name: "the guidelines' header spelling", body: body(map[string]any{"x": literal("1")}, nil), hdr: map[string]string{"Repeatability-Request-ID": id}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"repeatability_request-id": id}
			if _, ok := tc.hdr["Repeatability-Request-ID"]; ok {
				hdr = map[string]string{}
			}
			for k, v := range tc.hdr {
				hdr[k] = v
			}
			r := e.invoke("pipe", tc.body, hdr)
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			assert.Equal(t, "rejected", r.header.Get("Repeatability-Result"))
			code, msg := r.errCode(t)
			assert.Equal(t, "UserError", code)
			assert.Equal(t, "RepeatabilityRequestMismatch", innerCode(t, r))
			assert.Contains(t, msg, id)
			assert.Contains(t, msg, "new repeatability id")
			assert.Len(t, e.s.Jobs(), 1)
		})
	}
	again := e.invoke("pipe", orig, map[string]string{"repeatability_request-id": id})
	require.Equal(t, http.StatusCreated, again.status)
	assert.Equal(t, string(first.body), string(again.body))
	assert.Len(t, e.s.Jobs(), 1)
}

// Repeatability-First-Sent: malformed is 400, older than the tracked window is
// 412 (the service cannot know whether it ran the request), inside it is normal.
func TestRepeatabilityFirstSent(t *testing.T) {
	now := time.Now().UTC()
	cases := []struct {
		name      string
		window    time.Duration
		firstSent string
		status    int
		result    string
		code      string
	}{
		{name: "malformed", firstSent: "yesterday", status: http.StatusBadRequest, result: "rejected", code: "BadArgument"},
		{name: "RFC 3339 is not an HTTP date", firstSent: now.Format(time.RFC3339), status: http.StatusBadRequest, result: "rejected", code: "BadArgument"},
		{name: "older than the default window", firstSent: now.Add(-6 * time.Minute).Format(http.TimeFormat), status: http.StatusPreconditionFailed, result: "rejected", code: "RepeatabilityWindowExpired"},
		{name: "inside the default window", firstSent: now.Add(-4 * time.Minute).Format(http.TimeFormat), status: http.StatusCreated, result: "accepted"},
		{name: "RFC 850 date form", firstSent: now.Add(-time.Minute).Format(time.RFC850), status: http.StatusCreated, result: "accepted"},
		{name: "inside a configured window", window: time.Hour, firstSent: now.Add(-30 * time.Minute).Format(http.TimeFormat), status: http.StatusCreated, result: "accepted"},
		{name: "older than a configured window", window: time.Minute, firstSent: now.Add(-2 * time.Minute).Format(http.TimeFormat), status: http.StatusPreconditionFailed, result: "rejected", code: "RepeatabilityWindowExpired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{opts: &emulator.Options{StepDelay: -1, RepeatabilityWindow: tc.window}})
			id := uuid.NewString()
			r := e.invoke("pipe", body(map[string]any{}, nil), map[string]string{"repeatability_request-id": id, "Repeatability-First-Sent": tc.firstSent})
			require.Equal(t, tc.status, r.status, "%s", r.body)
			assert.Equal(t, tc.result, r.header.Get("Repeatability-Result"))
			if tc.code != "" {
				assert.Equal(t, tc.code, innerCode(t, r))
				_, msg := r.errCode(t)
				assert.Contains(t, msg, "Repeatability-First-Sent")
				assert.Empty(t, e.s.Jobs(), "no job from a rejected request")
			} else {
				assert.Len(t, e.s.Jobs(), 1)
			}
		})
	}
}

// Records are kept for the window and then forgotten: the same id then runs again.
func TestRepeatabilityRetention(t *testing.T) {
	e := newEnv(t, envOpts{opts: &emulator.Options{StepDelay: -1, RepeatabilityWindow: 10 * time.Minute}})
	var mu sync.Mutex
	clock := time.Now()
	emulator.SetClock(e.s, func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	id := map[string]string{"repeatability_request-id": uuid.NewString()}
	b := body(map[string]any{}, nil)
	first := e.invokeOK("pipe", b, id)
	advance(9 * time.Minute)
	assert.Equal(t, first, e.invokeOK("pipe", b, id), "inside the window: replayed")
	advance(2 * time.Minute)
	second := e.invokeOK("pipe", b, id)
	assert.NotEqual(t, first, second, "after the window the id is forgotten")
	assert.Len(t, e.s.Jobs(), 2)
	// A resend that states its first-sent time is refused instead of run again.
	advance(11 * time.Minute)
	hdr := map[string]string{"repeatability_request-id": id["repeatability_request-id"],
		"Repeatability-First-Sent": clock.Add(-11 * time.Minute).UTC().Format(http.TimeFormat)}
	r := e.invoke("pipe", b, hdr)
	assert.Equal(t, http.StatusPreconditionFailed, r.status, "%s", r.body)
	assert.Len(t, e.s.Jobs(), 2)
}

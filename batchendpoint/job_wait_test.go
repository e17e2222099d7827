package batchendpoint_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

const scriptedJob = "batchjob-7a7a7a7a-0000-4000-8000-000000000007"

// reply is one scripted answer to a job GET.
type reply struct {
	status    int               // 0: 200
	jobStatus string            // for a 200 without body: the job's status (default Running)
	body      string            // verbatim body
	header    map[string]string // response headers
	// headerAt computes headers from the fake clock at answer time (HTTP dates).
	headerAt func(now time.Time) map[string]string
	err      error // a transport failure instead of an answer
	broken   bool  // the body breaks off mid-answer
	block    bool  // hang until the request's ctx ends
}

// scriptedService is an in-memory policy.Transporter: job GETs are answered
// from a script (the last reply repeats), POST .../cancel from cancelReplies,
// anything else 404. It records when (on the clock of the synctest bubble)
// each job GET arrived, and how many were ever in flight at once.
type scriptedService struct {
	mu            sync.Mutex
	replies       []reply
	cancelReplies []reply
	latency       time.Duration // of every job GET
	gets          []time.Time
	hosts         map[string]int // of the job GETs
	cancels       int
	inflight, max int
}

func (s *scriptedService) Do(req *http.Request) (*http.Response, error) {
	var r reply
	s.mu.Lock()
	switch {
	case req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/jobs/"+scriptedJob):
		r = s.replies[min(len(s.gets), len(s.replies)-1)]
		s.gets = append(s.gets, time.Now())
		if s.hosts == nil {
			s.hosts = map[string]int{}
		}
		s.hosts[req.URL.Host]++
		s.inflight++
		s.max = max(s.max, s.inflight)
		defer func() { s.mu.Lock(); s.inflight--; s.mu.Unlock() }()
	case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/jobs/"+scriptedJob+"/cancel"):
		r = reply{status: http.StatusAccepted, body: "{}"}
		if len(s.cancelReplies) > 0 {
			r = s.cancelReplies[min(s.cancels, len(s.cancelReplies)-1)]
		}
		s.cancels++
	default:
		r = reply{status: http.StatusNotFound, body: `{"error":{"code":"NotFound","message":"no route"}}`}
	}
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency) // lets other goroutines start their polls meanwhile
	}
	if r.block {
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	resp := &http.Response{StatusCode: r.status, Header: http.Header{"Content-Type": {"application/json"}}, Request: req}
	if resp.StatusCode == 0 {
		resp.StatusCode = http.StatusOK
	}
	resp.Status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	body := r.body
	if body == "" {
		if resp.StatusCode == http.StatusOK {
			st := r.jobStatus
			if st == "" {
				st = "Running"
			}
			body = fmt.Sprintf(`{"name":%q,"properties":{"status":%q,"jobType":"Pipeline"}}`, scriptedJob, st)
		} else {
			body = fmt.Sprintf(`{"error":{"code":"Status%d","message":"scripted"}}`, resp.StatusCode)
		}
	}
	for k, v := range r.header {
		resp.Header.Set(k, v)
	}
	if r.headerAt != nil {
		for k, v := range r.headerAt(time.Now()) {
			resp.Header.Set(k, v)
		}
	}
	if r.broken {
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(body[:len(body)/2]), errReader{io.ErrUnexpectedEOF}))
	} else {
		resp.Body = io.NopCloser(strings.NewReader(body))
	}
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// getsSince returns the job GETs' arrival times relative to start.
func (s *scriptedService) getsSince(start time.Time) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, t := range s.gets {
		out = append(out, t.Sub(start))
	}
	return out
}

func (s *scriptedService) counts() (gets, cancels int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.gets), s.cancels
}

// scriptedJobHandle builds a client on s (no sockets: the transport is s) and
// attaches to the job without a request (a resume token), so every job GET s
// records was made by the code under test. Call it inside the synctest bubble.
func scriptedJobHandle(t *testing.T, s *scriptedService, retry policy.RetryOptions) (*batchendpoint.Client, *batchendpoint.Job) {
	t.Helper()
	return scriptedJobHandleOn(t, s, retry, false)
}

// scriptedJobHandleOn is scriptedJobHandle, on the data plane if dataPlane.
func scriptedJobHandleOn(t *testing.T, s *scriptedService, retry policy.RetryOptions, dataPlane bool) (*batchendpoint.Client, *batchendpoint.Job) {
	t.Helper()
	c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, &batchendpoint.ClientOptions{DataPlaneOnly: dataPlane, ClientOptions: azcore.ClientOptions{
		Transport: s,
		Retry:     retry,
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.microsoftonline.com/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager:     {Endpoint: "https://127.0.0.1:1", Audience: "https://management.azure.com"},
			batchendpoint.ServiceName: {Audience: "https://ml.azure.com"},
		}},
	}})
	require.NoError(t, err)
	tok := fmt.Sprintf(`{"type":"JobDetails","token":{"name":%q,"scoringUri":"https://127.0.0.1:2/jobs","dataPlane":%t,"workspace":{"SubscriptionID":%q,"ResourceGroup":%q,"Name":%q},"status":"Running"}}`,
		scriptedJob, dataPlane, testSub, testRG, testWSN)
	job, err := c.ResumeJob(tok, nil)
	require.NoError(t, err)
	return c, job
}

func resetErr() error {
	return &url.Error{Op: "Get", URL: "https://127.0.0.1:1/jobs", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
}

// timeoutErr is a net.Error that timed out, as net/http's TLS handshake timeout.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "net/http: TLS handshake timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestWaitHonoursRetryAfter: a Retry-After (any form, on a 429, 503 or 200) is a
// floor for the next poll: the next GET comes exactly that long after the
// answer (fake clock), never sooner, even when it exceeds MaxDelay.
func TestWaitHonoursRetryAfter(t *testing.T) {
	opts := &batchendpoint.WaitOptions{MinDelay: 100 * time.Millisecond, MaxDelay: 200 * time.Millisecond}
	for _, tc := range []struct {
		name     string
		first    reply
		opts     *batchendpoint.WaitOptions
		wantNext time.Duration
	}{
		{"429 Retry-After 1", reply{status: 429, header: map[string]string{"Retry-After": "1"}}, opts, time.Second},
		{"503 Retry-After 5", reply{status: 503, header: map[string]string{"Retry-After": "5"}}, opts, 5 * time.Second},
		{"429 Retry-After HTTP date", reply{status: 429, headerAt: func(now time.Time) map[string]string {
			return map[string]string{"Retry-After": now.Add(3 * time.Second).UTC().Format(http.TimeFormat)}
		}}, opts, 3 * time.Second},
		{"503 Retry-After HTTP date", reply{status: 503, headerAt: func(now time.Time) map[string]string {
			return map[string]string{"Retry-After": now.Add(7 * time.Second).UTC().Format(http.TimeFormat)}
		}}, opts, 7 * time.Second},
		{"429 retry-after-ms", reply{status: 429, header: map[string]string{"retry-after-ms": "1500"}}, opts, 1500 * time.Millisecond},
		{"503 x-ms-retry-after-ms", reply{status: 503, header: map[string]string{"x-ms-retry-after-ms": "2500"}}, opts, 2500 * time.Millisecond},
		{"ms form preferred over seconds", reply{status: 503, header: map[string]string{"retry-after-ms": "300", "Retry-After": "9"}}, opts, 300 * time.Millisecond},
		{"200 Retry-After 2", reply{header: map[string]string{"Retry-After": "2"}}, opts, 2 * time.Second},
		{"503 without Retry-After: own delay", reply{status: 503}, opts, 100 * time.Millisecond},
		{"Retry-After below the own delay: the own delay", reply{status: 503, header: map[string]string{"Retry-After": "1"}},
			&batchendpoint.WaitOptions{MinDelay: 3 * time.Second}, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scriptedService{replies: []reply{tc.first, {jobStatus: "Completed"}}}
				_, job := scriptedJobHandle(t, s, policy.RetryOptions{})
				start := time.Now()
				d, err := job.Wait(context.Background(), tc.opts)
				require.NoError(t, err)
				assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
				assert.Equal(t, []time.Duration{0, tc.wantNext}, s.getsSince(start), "one GET per poll, the second exactly after the delay")
			})
		})
	}
}

// TestWaitStopsOnPermanentErrors: anything but a connection failure or
// 408/429/500/502/503/504 ends Wait after exactly one poll, with an error that
// names the job.
func TestWaitStopsOnPermanentErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		r          reply
		wantStatus int    // the *azcore.ResponseError's status, 0: none
		wantText   string // in the error
	}{
		{"200 with an HTML body", reply{body: "<html><body>Sign in to the proxy</body></html>", header: map[string]string{"Content-Type": "text/html"}}, 0, "not a job"},
		{"200 with truncated JSON", reply{body: `{"name":"x","properties":{"status":`}, 0, "not a job"},
		{"200 JSON without status", reply{body: `{"name":"x","properties":{}}`}, 0, "no properties.status"},
		{"200 JSON of the wrong shape", reply{body: `[1,2,3]`}, 0, "not a job"},
		{"400", reply{status: 400}, 400, "Status400"},
		{"401", reply{status: 401}, 401, "Status401"},
		{"403", reply{status: 403}, 403, "Status403"},
		{"404", reply{status: 404}, 404, "Status404"},
		{"409", reply{status: 409}, 409, "Status409"},
		{"501", reply{status: 501}, 501, "Status501"},
		{"505", reply{status: 505}, 505, "Status505"},
		{"certificate not trusted", reply{err: &url.Error{Op: "Get", URL: "https://127.0.0.1:1", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}}, 0, "certificate"},
		{"unsupported scheme", reply{err: &url.Error{Op: "Get", URL: "ftp://x", Err: errors.New("unsupported protocol scheme")}}, 0, "unsupported protocol scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scriptedService{replies: []reply{tc.r, {jobStatus: "Completed"}}}
				_, job := scriptedJobHandle(t, s, policy.RetryOptions{})
				start := time.Now()
				_, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Second})
				require.Error(t, err)
				assert.Equal(t, []time.Duration{0}, s.getsSince(start), "exactly one poll, at once")
				assert.Contains(t, err.Error(), scriptedJob)
				assert.Contains(t, err.Error(), tc.wantText)
				var re *azcore.ResponseError
				if tc.wantStatus == 0 {
					assert.False(t, errors.As(err, &re))
				} else {
					require.ErrorAs(t, err, &re)
					assert.Equal(t, tc.wantStatus, re.StatusCode)
				}
				assert.False(t, errors.Is(err, context.DeadlineExceeded))
				assert.Equal(t, batchendpoint.JobStatusRunning, job.Status(), "the last known status is kept")
			})
		})
	}
}

// TestWaitCapsTransientErrors: N transient failures in a row make exactly N
// polls (the pipeline does not retry them behind Wait's back), spaced by a
// growing delay, and Wait returns the last failure wrapped with the count and
// the job's name.
func TestWaitCapsTransientErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		r          reply
		max        int // WaitOptions.MaxTransientErrors
		wantPolls  int
		wantStatus int             // the last error's status, 0: a transport error
		wantIs     error           // errors.Is target for transport errors
		wantGaps   []time.Duration // between consecutive polls, when checked
	}{
		{"408", reply{status: 408}, 3, 3, 408, nil, nil},
		{"429", reply{status: 429}, 3, 3, 429, nil, nil},
		{"500", reply{status: 500}, 3, 3, 500, nil, nil},
		{"502", reply{status: 502}, 3, 3, 502, nil, nil},
		{"503 growing delay", reply{status: 503}, 6, 6, 503, nil, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}},
		{"504", reply{status: 504}, 3, 3, 504, nil, nil},
		{"default cap", reply{status: 503}, 0, batchendpoint.DefaultMaxTransientErrors, 503, nil, nil},
		{"negative: the first ends it", reply{status: 503}, -1, 1, 503, nil, nil},
		{"connection reset", reply{err: resetErr()}, 4, 4, 0, syscall.ECONNRESET, nil},
		{"connection refused", reply{err: &url.Error{Op: "Get", URL: "https://127.0.0.1:1", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}}, 2, 2, 0, syscall.ECONNREFUSED, nil},
		{"EOF before the answer", reply{err: &url.Error{Op: "Get", URL: "https://127.0.0.1:1", Err: io.EOF}}, 2, 2, 0, io.EOF, nil},
		{"body cut mid-answer", reply{broken: true}, 3, 3, 0, io.ErrUnexpectedEOF, nil},
		{"TLS handshake timeout", reply{err: &url.Error{Op: "Get", URL: "https://127.0.0.1:1", Err: timeoutErr{}}}, 2, 2, 0, timeoutErr{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scriptedService{replies: []reply{tc.r}}
				_, job := scriptedJobHandle(t, s, policy.RetryOptions{}) // default pipeline retries: 3
				start := time.Now()
				_, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Second, MaxDelay: 8 * time.Second, MaxTransientErrors: tc.max})
				require.Error(t, err)
				gets := s.getsSince(start)
				require.Len(t, gets, tc.wantPolls, "one GET per poll")
				if tc.wantGaps != nil {
					var gaps []time.Duration
					for i := 1; i < len(gets); i++ {
						gaps = append(gaps, gets[i]-gets[i-1])
					}
					assert.Equal(t, tc.wantGaps, gaps)
				}
				assert.Contains(t, err.Error(), scriptedJob)
				assert.Contains(t, err.Error(), fmt.Sprintf("%d polls in a row failed", tc.wantPolls))
				var re *azcore.ResponseError
				if tc.wantStatus != 0 {
					require.ErrorAs(t, err, &re)
					assert.Equal(t, tc.wantStatus, re.StatusCode)
				} else {
					assert.ErrorIs(t, err, tc.wantIs)
				}
			})
		})
	}
}

// TestWaitTransientCountResets: a successful poll starts the count again, so
// failures that never come MaxTransientErrors in a row don't end the wait.
func TestWaitTransientCountResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := reply{status: 503}
		s := &scriptedService{replies: []reply{fail, fail, {}, fail, fail, {}, {err: resetErr()}, fail, {jobStatus: "Completed"}}}
		_, job := scriptedJobHandle(t, s, policy.RetryOptions{})
		d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Second, MaxTransientErrors: 3})
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
		gets, _ := s.counts()
		assert.Equal(t, 9, gets)
	})
}

// TestWaitDeadlineBeforeRetryAfter: when the service's Retry-After (or the own
// delay) would carry the next poll past the deadline, Wait returns at once, with
// an error that is a DeadlineExceeded and still carries the service's answer.
func TestWaitDeadlineBeforeRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		r          reply
		timeout    time.Duration // WaitOptions.Timeout
		ctxTimeout time.Duration // the caller's deadline
		wantStatus int
		wantText   string
	}{
		{"Timeout below a 429's Retry-After", reply{status: 429, header: map[string]string{"Retry-After": "5"}}, 2 * time.Second, 0, 429, "service asked for the next poll in 5s"},
		{"ctx deadline below a 503's Retry-After", reply{status: 503, header: map[string]string{"Retry-After": "30"}}, 0, 10 * time.Second, 503, "service asked for the next poll in 30s"},
		{"Retry-After ending exactly at the deadline", reply{status: 503, header: map[string]string{"Retry-After": "2"}}, 2 * time.Second, 0, 503, "in 2s"},
		{"Timeout below a 200's Retry-After", reply{header: map[string]string{"Retry-After": "60"}}, time.Minute - time.Millisecond, 0, 0, "in 1m0s"},
		{"own delay past the deadline", reply{}, 500 * time.Millisecond, 0, 0, "next poll is due in 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scriptedService{replies: []reply{tc.r, {jobStatus: "Completed"}}}
				_, job := scriptedJobHandle(t, s, policy.RetryOptions{})
				ctx := context.Background()
				if tc.ctxTimeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
					defer cancel()
				}
				start := time.Now()
				_, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: time.Second, Timeout: tc.timeout})
				assert.Zero(t, time.Since(start), "returned at once, without sleeping")
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Contains(t, err.Error(), tc.wantText)
				assert.Contains(t, err.Error(), scriptedJob)
				var re *azcore.ResponseError
				if tc.wantStatus != 0 {
					require.ErrorAs(t, err, &re)
					assert.Equal(t, tc.wantStatus, re.StatusCode)
				}
				assert.Equal(t, []time.Duration{0}, s.getsSince(start))
			})
		})
	}
}

// TestWaitReturnsOnCancel: cancelling ctx ends Wait at the same instant (fake
// clock) wherever it is — sleeping, in a GET, waiting for another poll to end —
// with an error that is context.Canceled, and the job is not cancelled.
func TestWaitReturnsOnCancel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replies []reply
		busy    bool // another goroutine's Poll holds the job's turn with a hanging GET
	}{
		{"during the delay", []reply{{}}, false},
		{"during a Retry-After", []reply{{status: 503, header: map[string]string{"Retry-After": "3600"}}}, false},
		{"during the GET", []reply{{block: true}}, false},
		{"waiting for another poll", []reply{{block: true}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scriptedService{replies: tc.replies}
				_, job := scriptedJobHandle(t, s, policy.RetryOptions{})
				other, stopOther := context.WithCancel(context.Background())
				defer stopOther()
				if tc.busy {
					go func() { _, _ = job.Poll(other, nil) }()
					synctest.Wait()
				}
				ctx, cancel := context.WithCancel(context.Background())
				type result struct {
					err error
					at  time.Time
				}
				done := make(chan result, 1)
				go func() {
					_, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: time.Hour})
					done <- result{err, time.Now()}
				}()
				time.Sleep(time.Minute) // Wait is now blocked wherever the case puts it
				synctest.Wait()
				select {
				case r := <-done:
					t.Fatalf("Wait returned before the cancel: %v", r.err)
				default:
				}
				cancelled := time.Now()
				cancel()
				r := <-done
				assert.Equal(t, cancelled, r.at, "returned at the instant of the cancel")
				assert.ErrorIs(t, r.err, context.Canceled)
				assert.Contains(t, r.err.Error(), scriptedJob)
				gets, cancels := s.counts()
				assert.Zero(t, cancels, "cancelling the wait does not cancel the job")
				assert.Equal(t, 1, gets, "one GET (with busy: the other goroutine's; Wait never got its turn)")
				assert.Equal(t, batchendpoint.JobStatusRunning, job.Status())
				stopOther()
			})
		})
	}
}

// TestCancelAndPollReturnOnCtxCancel: Job.Cancel and Job.Poll return at the
// instant their ctx is cancelled (fake clock), whether the request hangs, the
// pipeline sleeps between its retries, or (Poll) another poll holds the turn.
func TestCancelAndPollReturnOnCtxCancel(t *testing.T) {
	cancelOp := func(ctx context.Context, j *batchendpoint.Job) error { return j.Cancel(ctx, nil) }
	pollOp := func(ctx context.Context, j *batchendpoint.Job) error { _, err := j.Poll(ctx, nil); return err }
	for _, tc := range []struct {
		name     string
		op       func(context.Context, *batchendpoint.Job) error
		get      reply // the job GETs' answer
		post     reply // the cancel POST's answer
		busy     bool  // another goroutine's Poll holds the turn first
		wantGets int
		wantPost int
	}{
		{"Cancel: POST hangs", cancelOp, reply{}, reply{block: true}, false, 0, 1},
		{"Cancel: retry sleep after 503", cancelOp, reply{}, reply{status: 503, header: map[string]string{"Retry-After": "50"}}, false, 0, 1},
		{"Cancel: retry sleep after a reset", cancelOp, reply{}, reply{err: resetErr()}, false, 0, 1},
		{"Poll: GET hangs", pollOp, reply{block: true}, reply{}, false, 1, 0},
		{"Poll: retry sleep after 503", pollOp, reply{status: 503}, reply{}, false, 1, 0},
		{"Poll: waiting for another poll", pollOp, reply{block: true}, reply{}, true, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scriptedService{replies: []reply{tc.get}, cancelReplies: []reply{tc.post}}
				_, job := scriptedJobHandle(t, s, policy.RetryOptions{MaxRetries: 5, RetryDelay: time.Minute, MaxRetryDelay: time.Hour})
				other, stopOther := context.WithCancel(context.Background())
				defer stopOther()
				if tc.busy {
					go func() { _, _ = job.Poll(other, nil) }()
					synctest.Wait()
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan time.Time, 1)
				var err error
				go func() {
					err = tc.op(ctx, job)
					done <- time.Now()
				}()
				time.Sleep(time.Second)
				synctest.Wait()
				gets, posts := s.counts()
				require.Equal(t, tc.wantGets, gets, "the request was sent and the call is blocked")
				require.Equal(t, tc.wantPost, posts)
				cancelled := time.Now()
				cancel()
				at := <-done
				assert.Equal(t, cancelled, at, "returned at the instant of the cancel")
				assert.ErrorIs(t, err, context.Canceled)
				stopOther()
			})
		})
	}
}

// TestPollKeepsPipelineRetries: Job.Poll (one read) leaves retrying to the
// client's retry policy, while Wait, its own retry loop, turns it off: with
// MaxRetries 2, a 503 costs Poll 3 GETs and Wait 1 per poll.
func TestPollKeepsPipelineRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &scriptedService{replies: []reply{{status: 503}}}
		_, job := scriptedJobHandle(t, s, policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Second, MaxRetryDelay: time.Second})
		_, err := job.Poll(context.Background(), nil)
		require.ErrorContains(t, err, scriptedJob)
		gets, _ := s.counts()
		assert.Equal(t, 3, gets, "Poll: the GET and 2 pipeline retries")
		_, err = job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Second, MaxTransientErrors: 2})
		require.ErrorContains(t, err, "2 polls in a row failed")
		gets, _ = s.counts()
		assert.Equal(t, 5, gets, "Wait: one GET per poll")
	})
}

// TestJobConcurrentUse (run with -race): Poll, Wait, Details, ResumeToken and
// pollers from Poller() (Poll, PollUntilDone) used at once on one Job are free
// of races, make one GET at a time, and all see the job complete.
func TestJobConcurrentUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		replies := make([]reply, 40)
		for i := range replies {
			replies[i] = reply{jobStatus: "Running"}
			if i%7 == 3 {
				replies[i] = reply{status: 503}
			}
		}
		replies = append(replies, reply{jobStatus: "Completed"})
		s := &scriptedService{replies: replies, latency: 2 * time.Millisecond}
		_, job := scriptedJobHandle(t, s, policy.RetryOptions{MaxRetries: -1})
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for range 4 {
			wg.Go(func() {
				d, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond})
				if err == nil && d.Status != batchendpoint.JobStatusCompleted {
					err = fmt.Errorf("Wait returned status %s", d.Status)
				}
				errs <- err
			})
			wg.Go(func() {
				for job.Status() != batchendpoint.JobStatusCompleted {
					_, _ = job.Poll(ctx, nil) // 503s are expected here
					time.Sleep(7 * time.Millisecond)
				}
			})
		}
		wg.Go(func() {
			for !job.Status().IsTerminal() {
				_ = job.Details()
				_, _ = job.ResumeToken()
				_ = job.Poller().Done()
				time.Sleep(3 * time.Millisecond)
			}
		})
		wg.Go(func() {
			p := job.Poller()
			for !p.Done() {
				_, _ = p.Poll(ctx)
				time.Sleep(5 * time.Millisecond)
			}
			_, err := p.Result(ctx)
			errs <- err
		})
		wg.Go(func() {
			var err error
			for {
				var d batchendpoint.JobDetails
				d, err = job.Poller().PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 4 * time.Millisecond})
				if err == nil && d.Status != batchendpoint.JobStatusCompleted {
					err = fmt.Errorf("PollUntilDone returned status %s", d.Status)
				}
				var re *azcore.ResponseError
				if !errors.As(err, &re) || re.StatusCode != 503 {
					break // PollUntilDone ends at a failed poll: start it again
				}
			}
			errs <- err
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		assert.Equal(t, 1, s.max, "one GET of the job in flight at a time")
		assert.Len(t, s.gets, len(replies), "no GET once the job had ended")
		_, err := job.ResumeToken()
		assert.Error(t, err, "no token for an ended job")
	})
}

// TestWaitDataPlane: a DataPlaneOnly client's Wait (GET {scoringUri}/{job} on
// the data-plane pipeline) classifies, counts and honours Retry-After the same.
func TestWaitDataPlane(t *testing.T) {
	for _, tc := range []struct {
		name      string
		replies   []reply
		wantGets  []time.Duration
		wantErr   string
		wantFinal batchendpoint.JobStatus
	}{
		{"Retry-After on 429", []reply{{status: 429, header: map[string]string{"Retry-After": "4"}}, {jobStatus: "Completed"}}, []time.Duration{0, 4 * time.Second}, "", batchendpoint.JobStatusCompleted},
		{"not a job", []reply{{body: "<html>"}}, []time.Duration{0}, "not a job", batchendpoint.JobStatusRunning},
		{"503s in a row", []reply{{status: 503}}, []time.Duration{0, time.Second, 3 * time.Second}, "3 polls in a row failed", batchendpoint.JobStatusRunning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &scriptedService{replies: tc.replies}
				_, job := scriptedJobHandleOn(t, s, policy.RetryOptions{}, true)
				start := time.Now()
				d, err := job.Wait(context.Background(), &batchendpoint.WaitOptions{MinDelay: time.Second, MaxTransientErrors: 3})
				if tc.wantErr == "" {
					require.NoError(t, err)
				} else {
					require.ErrorContains(t, err, tc.wantErr)
				}
				assert.Equal(t, tc.wantFinal, d.Status)
				gets := s.getsSince(start)
				assert.Equal(t, tc.wantGets, gets)
				s.mu.Lock()
				assert.Equal(t, map[string]int{"127.0.0.1:2": len(gets)}, s.hosts, "every GET went to the scoring URI's host")
				s.mu.Unlock()
			})
		})
	}
}

package batchendpoint_test

// The resend edge, in fake time (testing/synctest) over an in-memory transport:
// a resend whose wait outlasts ctx's deadline returns at once, a cancel during
// the wait returns at the cancel, and either way the error carries the
// repeatability id.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// scripted answers the n-th request (from 0) with answer(n, r).
type scripted struct {
	mu     sync.Mutex
	n      int
	answer func(n int, r *http.Request) (*http.Response, error)
}

func (s *scripted) Do(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := s.n
	s.n++
	s.mu.Unlock()
	return s.answer(n, r)
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func answer(r *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: header, Request: r,
		Body: io.NopCloser(strings.NewReader(body))}
}

func throttled(status int, h ...string) func(r *http.Request) *http.Response {
	return func(r *http.Request) *http.Response {
		hdr := http.Header{}
		for i := 0; i+1 < len(h); i += 2 {
			hdr.Set(h[i], h[i+1])
		}
		return answer(r, status, hdr, `{"error":{"code":"Throttled","message":"slow down"}}`)
	}
}

func created(r *http.Request) *http.Response {
	return answer(r, http.StatusCreated, nil, `{"name":"batchjob-1","properties":{"status":"Preparing"}}`)
}

func TestInvokeResendEdge(t *testing.T) {
	dialErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	cases := []struct {
		name     string
		deadline time.Duration // 0: none
		cancelAt time.Duration // 0: never
		answer   func(n int, r *http.Request) (*http.Response, error)
		elapsed  time.Duration // fake time until Invoke returns
		requests int
		id       string // InvokeOptions.RepeatabilityID: a resend of an earlier call
		check    func(t *testing.T, err error)
	}{
		{name: "resend of an earlier call refused by 429: the earlier job may exist", id: "id-1",
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				return throttled(429)(r), nil
			},
			requests: 1,
			check: func(t *testing.T, err error) {
				var amb *batchendpoint.AmbiguousInvokeError
				require.ErrorAs(t, err, &amb, "a 429 says nothing of the earlier attempt")
				assert.Equal(t, "id-1", amb.RepeatabilityID)
				var re *azcore.ResponseError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, 429, re.StatusCode)
			}},
		{name: "resend of an earlier call carries its first-sent time", id: "id-1",
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				if got := r.Header.Get("Repeatability-First-Sent"); got != "Mon, 30 Nov 2026 10:00:00 GMT" {
					return nil, fmt.Errorf("Repeatability-First-Sent %q", got)
				}
				return created(r), nil
			},
			requests: 1,
			check:    func(t *testing.T, err error) { require.NoError(t, err) }},
		{name: "429 Retry-After past the deadline returns at once", deadline: 10 * time.Second,
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				return throttled(429, "Retry-After", "30")(r), nil
			},
			elapsed: 0, requests: 1,
			check: interrupted(30*time.Second, false, context.DeadlineExceeded, http.StatusTooManyRequests)},
		{name: "503 Retry-After past the deadline: a job may exist", deadline: 10 * time.Second,
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				return throttled(503, "Retry-After", "30")(r), nil
			},
			elapsed: 0, requests: 1,
			check: interrupted(30*time.Second, true, context.DeadlineExceeded, http.StatusServiceUnavailable)},
		{name: "retry-after-ms past the deadline", deadline: 5 * time.Second,
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				return throttled(429, "retry-after-ms", "20000")(r), nil
			},
			elapsed: 0, requests: 1,
			check: interrupted(20*time.Second, false, context.DeadlineExceeded, http.StatusTooManyRequests)},
		{name: "second Retry-After past the deadline", deadline: 10 * time.Second,
			answer: func(n int, r *http.Request) (*http.Response, error) {
				if n == 0 {
					return throttled(429, "Retry-After", "4")(r), nil
				}
				return throttled(429, "Retry-After", "8")(r), nil
			},
			elapsed: 4 * time.Second, requests: 2,
			check: interrupted(8*time.Second, false, context.DeadlineExceeded, http.StatusTooManyRequests)},
		{name: "connect backoff past the deadline", deadline: 100 * time.Millisecond,
			answer:  func(int, *http.Request) (*http.Response, error) { return nil, dialErr },
			elapsed: 0, requests: 1,
			check: func(t *testing.T, err error) {
				interrupted(200*time.Millisecond, false, context.DeadlineExceeded, 0)(t, err)
				var op *net.OpError
				assert.ErrorAs(t, err, &op)
			}},
		{name: "cancel during the Retry-After wait", cancelAt: 5 * time.Second,
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				return throttled(429, "Retry-After", "30")(r), nil
			},
			elapsed: 5 * time.Second, requests: 1,
			check: interrupted(30*time.Second, false, context.Canceled, http.StatusTooManyRequests)},
		{name: "Retry-After within the deadline is honoured", deadline: 10 * time.Second,
			answer: func(n int, r *http.Request) (*http.Response, error) {
				if n == 0 {
					return throttled(429, "Retry-After", "2")(r), nil
				}
				return created(r), nil
			},
			elapsed: 2 * time.Second, requests: 2,
			check: func(t *testing.T, err error) { require.NoError(t, err) }},
		{name: "503 Retry-After within the deadline is honoured", deadline: 10 * time.Second,
			answer: func(n int, r *http.Request) (*http.Response, error) {
				if n == 0 {
					return throttled(503, "Retry-After", "1")(r), nil
				}
				return created(r), nil
			},
			elapsed: time.Second, requests: 2,
			check: func(t *testing.T, err error) { require.NoError(t, err) }},
		{name: "deadline while connecting: not sent, with the id", deadline: 3 * time.Second,
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				<-r.Context().Done() // the dial never completes
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: r.Context().Err()}
			},
			elapsed: 3 * time.Second, requests: 1,
			check: func(t *testing.T, err error) {
				interrupted(0, false, context.DeadlineExceeded, 0)(t, err)
				assert.Contains(t, err.Error(), "was not sent")
			}},
		{name: "deadline during the POST is ambiguous, with the id", deadline: 3 * time.Second,
			answer: func(_ int, r *http.Request) (*http.Response, error) {
				<-r.Context().Done() // the service never answers
				return nil, r.Context().Err()
			},
			elapsed: 3 * time.Second, requests: 1,
			check: func(t *testing.T, err error) {
				var amb *batchendpoint.AmbiguousInvokeError
				require.ErrorAs(t, err, &amb)
				assert.NotEmpty(t, amb.RepeatabilityID)
				assert.False(t, amb.FirstSent.IsZero(), "the first attempt's time, to resend with")
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &scripted{answer: tc.answer}
				c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, &batchendpoint.ClientOptions{ClientOptions: azcore.ClientOptions{
					Transport: tr,
					Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
						cloud.ResourceManager: {Endpoint: "https://management.example", Audience: "https://management.azure.com"}}},
				}})
				require.NoError(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.deadline > 0 {
					ctx, cancel = context.WithTimeout(ctx, tc.deadline)
					defer cancel()
				}
				if tc.cancelAt > 0 {
					go func() { time.Sleep(tc.cancelAt); cancel() }()
				}
				start := time.Now()
				_, err = c.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{Input: inputs.StorageURL(heartURL)},
					&batchendpoint.InvokeOptions{ScoringURI: "https://ep.example/jobs", RepeatabilityID: tc.id, RepeatabilityFirstSent: firstSent(tc.id)})
				assert.Equal(t, tc.elapsed, time.Since(start), "fake time until Invoke returned")
				assert.Equal(t, tc.requests, tr.count())
				tc.check(t, err)
			})
		})
	}
}

// interrupted checks an *InvokeInterruptedError (status 0: no service answer).
func interrupted(wait time.Duration, mayExist bool, ctxErr error, status int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var ie *batchendpoint.InvokeInterruptedError
		require.ErrorAs(t, err, &ie)
		require.NotEmpty(t, ie.RepeatabilityID)
		assert.Equal(t, "heart-classifier", ie.Endpoint)
		assert.Equal(t, wait, ie.Wait)
		assert.Equal(t, mayExist, ie.MayExist)
		assert.ErrorIs(t, err, ctxErr)
		msg := err.Error()
		assert.Contains(t, msg, `RepeatabilityID="`+ie.RepeatabilityID+`"`)
		if mayExist {
			assert.Contains(t, msg, "a job may exist")
		} else {
			assert.Contains(t, msg, "no job was created")
		}
		assert.NotContains(t, msg, "RESPONSE", "one line, not azcore's dump")
		if status != 0 {
			var re *azcore.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, status, re.StatusCode)
			assert.Contains(t, msg, "slow down")
		}
	}
}

// firstSent is the first-sent time a resend passes back (zero for a new call).
func firstSent(id string) time.Time {
	if id == "" {
		return time.Time{}
	}
	return time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
}

package batchendpoint_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// connCounter counts the connections requests got, and how many were new
// (not reused from the idle pool), through an httptrace.ClientTrace in ctx.
type connCounter struct{ got, fresh atomic.Int64 }

func (c *connCounter) ctx(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		c.got.Add(1)
		if !i.Reused {
			c.fresh.Add(1)
		}
	}})
}

// fanOutEnv is a fake workspace over TLS (not in-process: connections are
// real) with the endpoint e2eModelEP, a client of it, and a raw POST of the
// body that client sends, with the same headers and its own transport (a
// clone of the client's, so the same pool size).
type fanOutEnv struct {
	w      *fake.Workspace
	c      *batchendpoint.Client
	req    batchendpoint.InvokeRequest
	raw    func(ctx context.Context) error
	invoke func(ctx context.Context) error
}

func newFanOutEnv(tb testing.TB) *fanOutEnv {
	w := fake.NewWorkspace(tb, &fake.Options{NoStorage: true})
	w.AddEndpoint(fake.Endpoint{Name: e2eModelEP, DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-xgboost"})
	opts := w.ClientOptions()
	c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), opts)
	require.NoError(tb, err)
	e := &fanOutEnv{w: w, c: c, req: batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}}
	e.invoke = func(ctx context.Context) error {
		_, err := c.Invoke(ctx, e2eModelEP, e.req, nil)
		return err
	}
	// The body and headers the client sends, for the raw POSTs.
	w.ClearRequests()
	require.NoError(tb, e.invoke(context.Background()))
	sent := w.Requests(fake.RouteInvoke)
	require.Len(tb, sent, 1)
	body, uri := sent[0].Body, sent[0].URL
	tok, err := w.Credential().GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://ml.azure.com/.default"}})
	require.NoError(tb, err)
	hc := &http.Client{Transport: opts.Transport.(*http.Client).Transport.(*http.Transport).Clone()}
	tb.Cleanup(hc.CloseIdleConnections) // no connection goroutines left for goleak
	e.raw = func(ctx context.Context) error {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
		if err != nil {
			return err
		}
		r.Header.Set("Authorization", "Bearer "+tok.Token)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("azureml-model-deployment", "classifier-xgboost")
		r.Header.Set("repeatability_request-id", uuid.NewString())
		r.Header.Set("Repeatability-First-Sent", time.Now().UTC().Format(http.TimeFormat))
		resp, err := hc.Do(r)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("raw POST: %s", resp.Status)
		}
		return nil
	}
	return e
}

// fanOut makes n calls of f from `width` goroutines and returns the wall time.
func fanOut(ctx context.Context, n, width int, f func(context.Context) error) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, width)
	t0 := time.Now()
	for range width {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := f(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(t0)
	select {
	case err := <-errs:
		return d, err
	default:
		return d, nil
	}
}

// fanOutResult is one side's outcome after warm-up.
type fanOutResult struct {
	calls, requests, conns, fresh int64
}

// measureFanOut warms both sides up (one round of width calls each), then
// runs `rounds` interleaved rounds of perRound calls at width-way concurrency
// per side, and returns the per-round throughput ratios (invoke/raw) and
// each side's counts after warm-up.
func measureFanOut(tb testing.TB, e *fanOutEnv, rounds, perRound, width int) (ratios []float64, inv, raw fanOutResult) {
	ctx := context.Background()
	for _, f := range []func(context.Context) error{e.invoke, e.raw} {
		_, err := fanOut(ctx, width, width, f)
		require.NoError(tb, err)
	}
	var ci, cr connCounter
	ictx, rctx := ci.ctx(ctx), cr.ctx(ctx)
	side := func(f func(context.Context) error, ctx context.Context, res *fanOutResult) time.Duration {
		e.w.ClearRequests()
		d, err := fanOut(ctx, perRound, width, f)
		require.NoError(tb, err)
		res.calls += int64(perRound)
		res.requests += int64(e.w.RequestCount())
		return d
	}
	for i := range rounds {
		var di, dr time.Duration
		if i%2 == 0 {
			di = side(e.invoke, ictx, &inv)
			dr = side(e.raw, rctx, &raw)
		} else {
			dr = side(e.raw, rctx, &raw)
			di = side(e.invoke, ictx, &inv)
		}
		ratios = append(ratios, dr.Seconds()/di.Seconds()) // throughput ratio: invoke/raw
	}
	inv.conns, inv.fresh = ci.got.Load(), ci.fresh.Load()
	raw.conns, raw.fresh = cr.got.Load(), cr.fresh.Load()
	return ratios, inv, raw
}

// BenchmarkFanOut64 is issue 12's second acceptance figure: 10,000 invokes at
// 64-way concurrency through one client (the fake's client options: its
// transport keeps batchendpoint.DefaultMaxIdleConnsPerHost idle connections
// per host) against 10,000 raw POSTs of the same body to the same emulator
// process, in 5 interleaved rounds of 2,000 per side after a warm-up round.
// Metrics: throughput ratio (median over rounds, target >= 0.8) with its
// range, requests per invoke (target 1) and new connections after warm-up
// (target 0). b.N repeats the whole measurement.
func BenchmarkFanOut64(b *testing.B) {
	e := newFanOutEnv(b)
	b.ResetTimer()
	for range b.N {
		ratios, inv, raw := measureFanOut(b, e, 5, 2000, 64)
		b.ReportMetric(median(ratios), "throughput-ratio")
		b.ReportMetric(slices.Min(ratios), "ratio-min")
		b.ReportMetric(slices.Max(ratios), "ratio-max")
		b.ReportMetric(float64(inv.requests)/float64(inv.calls), "requests/invoke")
		b.ReportMetric(float64(inv.fresh), "new-conns-invoke")
		b.ReportMetric(float64(raw.fresh), "new-conns-raw")
		b.Logf("fan-out 64: %d invokes vs %d raw POSTs: throughput ratio median %.3f (range %.3f-%.3f); requests per invoke %.3f; new connections after warm-up: invoke %d of %d, raw %d of %d",
			inv.calls, raw.calls, median(ratios), slices.Min(ratios), slices.Max(ratios), float64(inv.requests)/float64(inv.calls), inv.fresh, inv.conns, raw.fresh, raw.conns)
	}
}

// TestFanOutConnectionsAndRequests asserts the counts of the fan-out
// benchmark, not its timing: after a warm-up round at 64-way concurrency,
// every invoke is exactly one request (the endpoint and deployment come from
// the cache) and no new connection is opened.
func TestFanOutConnectionsAndRequests(t *testing.T) {
	e := newFanOutEnv(t)
	n := 1000
	if testing.Short() {
		n = 300
	}
	_, inv, raw := measureFanOut(t, e, 1, n, 64)
	require.Equal(t, int64(n), inv.calls)
	require.Equal(t, inv.calls, inv.requests, "requests per invoke after warm-up")
	require.Equal(t, int64(0), inv.fresh, "new connections after warm-up (of %d)", inv.conns)
	require.Equal(t, int64(0), raw.fresh, "the raw side too (of %d)", raw.conns)
}

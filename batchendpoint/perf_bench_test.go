package batchendpoint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// rounds is the outcome of interleaved rounds of two workloads in one process:
// per round, the time ratio a/base, and both sides' allocations per operation.
type rounds struct {
	ratios             []float64
	allocsA, allocsB   []float64
	nsA, nsB           []float64
	perRound, numRound int
}

// interleave runs n rounds of perRound calls of a and of base, alternating
// which goes first (ABBA), so that a busy machine slows both alike. Each side's
// allocations are counted with runtime.MemStats.Mallocs (the whole process:
// the in-process server's share is the same on both sides).
func interleave(tb testing.TB, n, perRound int, a, base func() error) rounds {
	r := rounds{perRound: perRound, numRound: n}
	run := func(f func() error) (ns, allocs float64) {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		for range perRound {
			if err := f(); err != nil {
				tb.Fatal(err)
			}
		}
		d := time.Since(t0)
		runtime.ReadMemStats(&m1)
		return float64(d.Nanoseconds()) / float64(perRound), float64(m1.Mallocs-m0.Mallocs) / float64(perRound)
	}
	for i := range n {
		var na, aa, nb, ab float64
		if i%2 == 0 {
			na, aa = run(a)
			nb, ab = run(base)
		} else {
			nb, ab = run(base)
			na, aa = run(a)
		}
		r.ratios = append(r.ratios, na/nb)
		r.nsA, r.nsB = append(r.nsA, na), append(r.nsB, nb)
		r.allocsA, r.allocsB = append(r.allocsA, aa), append(r.allocsB, ab)
	}
	return r
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// report puts the medians and the ratio's range on the benchmark line and in the log.
func (r rounds) report(b *testing.B, what string) {
	b.ReportMetric(median(r.ratios), "ratio")
	b.ReportMetric(slices.Min(r.ratios), "ratio-min")
	b.ReportMetric(slices.Max(r.ratios), "ratio-max")
	b.ReportMetric(median(r.allocsA)/median(r.allocsB), "alloc-ratio")
	b.ReportMetric(median(r.nsA), "ns/a")
	b.ReportMetric(median(r.nsB), "ns/base")
	b.ReportMetric(median(r.allocsA), "allocs/a")
	b.ReportMetric(median(r.allocsB), "allocs/base")
	b.Logf("%s: %d interleaved rounds of %d: ratio median %.3f (range %.3f-%.3f); ns/op %.0f vs %.0f; allocs/op %.1f vs %.1f (%.2fx)",
		what, r.numRound, r.perRound, median(r.ratios), slices.Min(r.ratios), slices.Max(r.ratios),
		median(r.nsA), median(r.nsB), median(r.allocsA), median(r.allocsB), median(r.allocsA)/median(r.allocsB))
}

// rawPOSTer returns a raw net/http POST of sent (the body and headers an
// Invoke sent, as the bench service recorded them, its repeatability tag
// included) to the bench service; the 201 is read and decoded into a map.
func rawPOSTer(f *benchService, sent recorded) func() error {
	hc := f.arm.Client()
	body := sent.Body
	return func() error {
		r, err := http.NewRequest(http.MethodPost, f.scoringURI(), bytes.NewReader(body))
		if err != nil {
			return err
		}
		for _, h := range []string{"Authorization", "Content-Type", "azureml-model-deployment", "repeatability_request-id"} {
			r.Header.Set(h, sent.Header.Get(h))
		}
		r.Header.Set("Repeatability-First-Sent", time.Now().UTC().Format(http.TimeFormat))
		resp, err := hc.Do(r)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("raw POST: %s", resp.Status)
		}
		var v map[string]any
		return json.Unmarshal(b, &v)
	}
}

// BenchmarkInvokeVsRawPOST is issue 12's first acceptance figure: a
// steady-state Invoke (warm endpoint cache and connection) against a raw
// net/http POST of the same body to the same in-process TLS server, in
// interleaved rounds. The ratio metric is the median of the rounds' time
// ratios (target <= 1.15), ratio-min/max their range, alloc-ratio the
// allocations' (target <= 2). b.N is the number of rounds.
func BenchmarkInvokeVsRawPOST(b *testing.B) {
	f := startBenchService()
	b.Cleanup(f.close)
	c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, f.options())
	require.NoError(b, err)
	req := batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}
	ctx := context.Background()
	invoke := func() error {
		j, err := c.Invoke(ctx, "heart-classifier", req, nil)
		if err == nil && j.Name() == "" {
			err = fmt.Errorf("no job name")
		}
		return err
	}
	require.NoError(b, invoke()) // warm the cache and the connections
	f.mu.Lock()
	require.Len(b, f.infReqs, 1)
	sent := f.infReqs[0]
	f.mu.Unlock()
	require.Contains(b, string(sent.Body), sent.Header.Get("repeatability_request-id")) // the tag: the same body as Invoke's
	raw := rawPOSTer(f, sent)
	require.NoError(b, raw())
	f.mu.Lock()
	f.infReqs = nil
	f.mu.Unlock()
	b.ResetTimer()
	n := max(b.N, 5)
	interleave(b, n, 50, invoke, raw).report(b, "Invoke vs raw POST")
}

package batchendpoint_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/internal/bench"
)

// coldEnv is a fake workspace over TLS and the two helper programs of
// internal/bench, built into a temp dir, with what they need to reach it.
type coldEnv struct {
	w        *fake.Workspace
	lib, raw string   // the binaries
	env      []string // their environment
}

func newColdEnv(tb testing.TB) *coldEnv {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds two programs")
	}
	w := fake.NewWorkspace(tb, &fake.Options{NoStorage: true})
	w.AddEndpoint(fake.Endpoint{Name: e2eModelEP, DefaultDeployment: "classifier-xgboost"})
	w.AddModelDeployment(e2eModelEP, fake.ModelDeployment{Name: "classifier-xgboost"})
	w.HoldJobs("Preparing") // the jobs do nothing while the processes run
	dir := tb.TempDir()
	e := &coldEnv{w: w, lib: filepath.Join(dir, "coldlib"), raw: filepath.Join(dir, "coldraw")}
	_, src, _, _ := runtime.Caller(0) // build inside the module, wherever the test binary runs
	for bin, pkg := range map[string]string{e.lib: "coldlib", e.raw: "coldraw"} {
		cmd := exec.Command("go", "build", "-o", bin, "github.com/azmlbatch/azmlbatch/internal/bench/"+pkg)
		cmd.Dir = filepath.Dir(src)
		out, err := cmd.CombinedOutput()
		require.NoError(tb, err, "%s", out)
	}
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(tb, os.WriteFile(ca, w.CACertPEM(), 0o600))
	token := func(scope string) string {
		tok, err := w.Credential().GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
		require.NoError(tb, err)
		return tok.Token
	}
	ws := w.Workspace()
	e.env = append(os.Environ(), "SSL_CERT_FILE="+ca, "SSL_CERT_DIR="+dir,
		bench.EnvARM+"="+w.ARMEndpoint(),
		bench.EnvWorkspace+"="+ws.SubscriptionID+"/"+ws.ResourceGroup+"/"+ws.Name,
		bench.EnvEndpoint+"="+e2eModelEP, bench.EnvInput+"="+heartURL,
		bench.EnvARMToken+"="+token("https://management.azure.com/.default"),
		bench.EnvMLToken+"="+token("https://ml.azure.com/.default"))
	// What the library sends, for the raw program to send the same.
	w.ClearRequests()
	_, err := e.run(e.lib, nil)
	require.NoError(tb, err)
	var reqs []bench.Request
	for _, r := range w.Requests() {
		h := map[string][]string{}
		for k, v := range r.Header {
			switch strings.ToLower(k) {
			case "content-length", "host", "accept-encoding", "authorization":
				continue // net/http sets them
			}
			h[k] = v
		}
		reqs = append(reqs, bench.Request{Method: r.Method, URL: r.URL, Header: h, Body: r.Body, ML: strings.HasPrefix(r.Audience, "https://ml.azure.com"), NewRepeatabilityID: r.Route == fake.RouteInvoke})
	}
	require.NotEmpty(tb, reqs)
	b, err := json.Marshal(reqs)
	require.NoError(tb, err)
	rf := filepath.Join(dir, "requests.json")
	require.NoError(tb, os.WriteFile(rf, b, 0o600))
	e.env = append(e.env, bench.EnvRequests+"="+rf)
	return e
}

// run runs a binary to its end and returns its wall time.
func (e *coldEnv) run(bin string, extraEnv []string) (time.Duration, error) {
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clone(e.env), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if err != nil {
		return d, fmt.Errorf("%s: %w: %s", filepath.Base(bin), err, out.Bytes())
	}
	return d, nil
}

// BenchmarkColdProcess is issue 12's fourth acceptance figure: a process that
// builds a client and invokes once (internal/bench/coldlib: NewClient with a
// nil Transport, Invoke with a cold endpoint cache) against a Go program that
// sends the same HTTP requests (recorded from coldlib by the emulator: the
// endpoint GET, the deployment GET and the POST, same headers and bodies)
// with net/http alone (internal/bench/coldraw), both against one fake
// workspace over TLS, in interleaved rounds. ratio is the median of the
// rounds' wall-time ratios (target <= 1.3) with its range. It also reports
// the library program's package init (GODEBUG=inittrace=1, all packages
// summed; target < 1 ms). b.N is the number of rounds.
func BenchmarkColdProcess(b *testing.B) {
	e := newColdEnv(b)
	for range 2 { // warm the page cache
		_, err := e.run(e.lib, nil)
		require.NoError(b, err)
		_, err = e.run(e.raw, nil)
		require.NoError(b, err)
	}
	b.ResetTimer()
	var ratios, libMs, rawMs []float64
	for i := range max(b.N, 5) {
		var dl, dr time.Duration
		var err error
		if i%2 == 0 {
			dl, err = e.run(e.lib, nil)
			require.NoError(b, err)
			dr, err = e.run(e.raw, nil)
		} else {
			dr, err = e.run(e.raw, nil)
			require.NoError(b, err)
			dl, err = e.run(e.lib, nil)
		}
		require.NoError(b, err)
		ratios = append(ratios, dl.Seconds()/dr.Seconds())
		libMs, rawMs = append(libMs, float64(dl.Microseconds())/1e3), append(rawMs, float64(dr.Microseconds())/1e3)
	}
	b.StopTimer()
	var inits []float64
	for range 5 {
		ms, _, err := initTrace(e, e.lib)
		require.NoError(b, err)
		inits = append(inits, ms)
	}
	rawInit, _, err := initTrace(e, e.raw)
	require.NoError(b, err)
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(slices.Max(ratios), "ratio-max")
	b.ReportMetric(median(libMs), "lib-ms")
	b.ReportMetric(median(rawMs), "raw-ms")
	b.ReportMetric(median(inits), "lib-init-ms")
	b.Logf("cold process (build client + one invoke) vs raw net/http: ratio median %.3f (range %.3f-%.3f) over %d rounds; %.1f ms vs %.1f ms; package init of the library program %.2f ms (range %.2f-%.2f), of the raw one %.2f ms",
		median(ratios), slices.Min(ratios), slices.Max(ratios), len(ratios), median(libMs), median(rawMs), median(inits), slices.Min(inits), slices.Max(inits), rawInit)
}

// initTrace runs bin with GODEBUG=inittrace=1 and sums the clock (ms) and
// allocations of every package's init.
func initTrace(e *coldEnv, bin string) (ms float64, allocs int, err error) {
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clone(e.env), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		// init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 11 || f[0] != "init" {
			continue
		}
		c, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			continue
		}
		a, _ := strconv.Atoi(f[9])
		ms += c
		allocs += a
	}
	return ms, allocs, nil
}

// TestColdProcessRequests: the cold library process sends exactly the
// endpoint GET, the deployment GET and the invoke POST (what the raw program
// replays), and the raw program's replay creates a job too.
func TestColdProcessRequests(t *testing.T) {
	e := newColdEnv(t)
	for _, tc := range []struct {
		name string
		bin  string
	}{{"library", e.lib}, {"raw", e.raw}} {
		t.Run(tc.name, func(t *testing.T) {
			e.w.ClearRequests()
			_, err := e.run(tc.bin, nil)
			require.NoError(t, err)
			var routes []fake.Route
			for _, r := range e.w.Requests() {
				routes = append(routes, r.Route)
			}
			require.Equal(t, []fake.Route{fake.RouteGetBatchEndpoint, fake.RouteGetDeployment, fake.RouteInvoke}, routes)
		})
	}
}

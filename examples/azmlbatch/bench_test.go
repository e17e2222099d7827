package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// BenchmarkInvokeCLIVsRaw measures the wall time of one
// "azmlbatch batch-endpoint invoke" process against a running local workspace
// next to two baselines in interleaved rounds of the same run:
// internal/rawinvoke, a net/http-only Go program sending the same requests
// (GET endpoint, GET deployment, POST job), and internal/libinvoke, the
// smallest program invoking through the library. It reports the median
// ratios and medians, plus the binary sizes and whole-program package init
// (GODEBUG=inittrace=1).
//
//	go test -run '^$' -bench InvokeCLIVsRaw -benchtime 1x ./examples/azmlbatch
func BenchmarkInvokeCLIVsRaw(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// Jobs stay Preparing (an hour per status): a job scoring in this process
	// while the next round's program runs would be measured with it (the
	// ranges were 0.2-6x with jobs ending at once). Throttling off: every round reads ARM twice, and the raw baseline does
	// not retry a 429 (the comparison is of process cost, not of throttling).
	l, err := demo.StartLocal(ctx, &demo.LocalOptions{StepDelay: time.Hour, ARMThrottle: emulator.ThrottleOptions{Off: true}})
	require.NoError(b, err)
	defer func() {
		if err := l.Close(); err != nil {
			b.Log("stopping the local workspace:", err)
		}
	}()
	_, state, err := demo.WriteState(l, b.TempDir(), time.Hour)
	require.NoError(b, err)
	dir := b.TempDir()
	root := filepath.Join("..", "..")
	for out, pkg := range map[string]string{"azmlbatch": "./examples/azmlbatch", "rawinvoke": "./examples/azmlbatch/internal/rawinvoke",
		"libinvoke": "./examples/azmlbatch/internal/libinvoke"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg)
		cmd.Dir = root
		o, err := cmd.CombinedOutput()
		require.NoError(b, err, "%s", o)
	}
	const input = demo.SampleFolderURL
	cli := []string{filepath.Join(dir, "azmlbatch"), "batch-endpoint", "invoke", "--local", state, "-n", demo.Endpoint, "--input", input, "--query", "name", "-o", "tsv"}
	raw := []string{filepath.Join(dir, "rawinvoke"), state, demo.Endpoint, input}
	lib := []string{filepath.Join(dir, "libinvoke"), state, demo.Endpoint, input}
	timeRun := func(argv []string) time.Duration {
		t0 := time.Now()
		out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).Output()
		d := time.Since(t0)
		require.NoError(b, err)
		require.True(b, strings.HasPrefix(string(out), "batchjob-"), "%s", out)
		return d
	}
	rounds := 31
	if s := os.Getenv("AZMLBATCH_BENCH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	for i := 0; i < b.N; i++ {
		progs := [][]string{cli, raw, lib}
		for _, p := range progs {
			timeRun(p) // warm: page cache, the servers' TLS
		}
		times := make([][]float64, len(progs))
		var vsRaw, vsLib []float64
		for k := range rounds {
			d := make([]time.Duration, len(progs))
			for j := range progs {
				p := (j + k) % len(progs) // rotate the order every round
				d[p] = timeRun(progs[p])
				times[p] = append(times[p], ms(d[p]))
			}
			vsRaw = append(vsRaw, float64(d[0])/float64(d[1]))
			vsLib = append(vsLib, float64(d[0])/float64(d[2]))
		}
		b.ReportMetric(median(vsRaw), "cli/raw")
		b.ReportMetric(median(vsLib), "cli/lib")
		b.ReportMetric(median(times[0]), "cli-ms")
		b.ReportMetric(median(times[1]), "raw-ms")
		b.ReportMetric(median(times[2]), "lib-ms")
		for j, name := range []string{"azmlbatch", "rawinvoke", "libinvoke"} {
			b.Logf("%s: median %.1f ms [%.1f, %.1f] over %d rounds", name, median(times[j]), slices.Min(times[j]), slices.Max(times[j]), rounds)
		}
		b.Logf("ratio azmlbatch/rawinvoke: median %.2f [%.2f, %.2f]; azmlbatch/libinvoke: median %.2f [%.2f, %.2f]",
			median(vsRaw), slices.Min(vsRaw), slices.Max(vsRaw), median(vsLib), slices.Min(vsLib), slices.Max(vsLib))
	}
	for _, name := range []string{"azmlbatch", "rawinvoke", "libinvoke"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(b, err)
		b.Logf("%s binary: %.1f MB", name, float64(fi.Size())/1e6)
	}
	for _, argv := range [][]string{{filepath.Join(dir, "azmlbatch"), "--help"}, {filepath.Join(dir, "rawinvoke")}, {filepath.Join(dir, "libinvoke")}} {
		var inits []float64
		for range 11 {
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
			out, _ := cmd.CombinedOutput()
			inits = append(inits, initMillis(string(out)))
		}
		b.Logf("%s: package init (all packages but runtime) median %.2f ms [%.2f, %.2f]", filepath.Base(argv[0]), median(inits), slices.Min(inits), slices.Max(inits))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// initMillis sums the "@x ms, y ms clock" init times of inittrace lines, runtime excluded.
func initMillis(trace string) float64 {
	total := 0.0
	for _, line := range strings.Split(trace, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] != "init" || f[1] == "runtime" {
			continue
		}
		var v float64
		if _, err := fmt.Sscanf(f[4], "%g", &v); err == nil {
			total += v
		}
	}
	return total
}

// BenchmarkCommandTree is the cost of building the whole command tree and
// parsing an invoke command line, which every run pays.
func BenchmarkCommandTree(b *testing.B) {
	args := expandSets([]string{"batch-endpoint", "invoke", "-n", "heart-classifier", "--set", "inputs.heart_data.type=uri_folder", "inputs.heart_data.path=https://a.blob.core.windows.net/c/p"})
	for b.Loop() {
		a := &app{}
		root := a.rootCommand()
		cmd, rest, err := root.Find(args)
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			b.Fatal(err)
		}
	}
}

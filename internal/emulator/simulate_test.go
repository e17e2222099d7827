package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// invokeSim creates a job on endpoint ep of the bubble and returns its name.
func (b *bubble) invokeSim(ep string, tags map[string]string) string {
	b.t.Helper()
	tok, _ := emulator.MintToken("", emulator.AudienceML, 24*time.Hour)
	body := `{"properties":{"inputData":{}}}`
	if tags != nil {
		body = `{"properties":{"inputData":{},"tags":{`
		first := true
		for k, v := range tags {
			if !first {
				body += ","
			}
			first = false
			body += strconv.Quote(k) + ":" + strconv.Quote(v)
		}
		body += `}}}`
	}
	r := b.send(http.MethodPost, b.ws.ScoringURI(ep), tok, body)
	require.Equal(b.t, http.StatusCreated, r.status, "%s", r.body)
	return r.json(b.t)["name"].(string)
}

// offsets returns when (after start) the job entered each status.
func offsets(info emulator.JobInfo, start time.Time) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, h := range info.History {
		out[h.Status] = h.Time.Sub(start)
	}
	return out
}

func TestSimulatedJobs(t *testing.T) {
	const step = time.Second
	sim := &emulator.Simulation{
		Duration: func(j emulator.SimulatedJob) time.Duration {
			d, _ := time.ParseDuration(j.Tags["run"])
			return d
		},
		Outcome: func(j emulator.SimulatedJob) error {
			switch j.Tags["end"] {
			case "fail":
				return &emulator.JobError{Code: "UserError", Message: "simulated failure"}
			case "error":
				return errors.New("plain error")
			}
			return nil
		},
	}
	tests := []struct {
		name    string
		tags    map[string]string
		act     func(b *bubble, name string)
		status  string
		code    string
		history map[string]time.Duration
	}{
		{"completes after its duration", map[string]string{"run": "10s"}, nil, emulator.StatusCompleted, "",
			map[string]time.Duration{emulator.StatusPreparing: 0, emulator.StatusQueued: step, emulator.StatusRunning: 2 * step,
				emulator.StatusFinalizing: 2*step + 10*time.Second, emulator.StatusCompleted: 3*step + 10*time.Second}},
		{"outcome fails it", map[string]string{"run": "5s", "end": "fail"}, nil, emulator.StatusFailed, "UserError",
			map[string]time.Duration{emulator.StatusPreparing: 0, emulator.StatusQueued: step, emulator.StatusRunning: 2 * step,
				emulator.StatusFailed: 2*step + 5*time.Second}},
		{"a plain error is a SystemError", map[string]string{"end": "error"}, nil, emulator.StatusFailed, "SystemError", nil},
		{"canceled while running", map[string]string{"run": "1h"}, func(b *bubble, name string) {
			time.Sleep(3 * step)
			tok := principalToken("oid", "p")
			r := b.send(http.MethodPost, b.armURL("/jobs/"+name+"/cancel"), tok, "")
			require.Equal(b.t, http.StatusAccepted, r.status, "%s", r.body)
		}, emulator.StatusCanceled, "", map[string]time.Duration{emulator.StatusPreparing: 0, emulator.StatusQueued: step,
			emulator.StatusRunning: 2 * step, emulator.StatusCancelRequested: 3 * step, emulator.StatusCanceled: 3 * step}},
		{"FailJob", map[string]string{"run": "1h"}, func(b *bubble, name string) {
			time.Sleep(90 * time.Second)
			require.NoError(b.t, b.s.FailJob(name, "Injected", "boom"))
		}, emulator.StatusFailed, "Injected", nil},
		{"held in Running until released", map[string]string{"run": "1s"}, func(b *bubble, name string) {
			h := b.s.HoldJobs(emulator.StatusRunning, name)
			time.Sleep(time.Minute)
			info, _ := b.s.Job(name)
			assert.Equal(b.t, emulator.StatusRunning, info.Status)
			h.Release()
		}, emulator.StatusCompleted, "", map[string]time.Duration{emulator.StatusFinalizing: time.Minute, emulator.StatusCompleted: time.Minute + step}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBubble(t, &emulator.Options{StepDelay: step}, emulator.PipelineDeployment{Name: "sim", Simulate: sim})
				start := time.Now()
				name := b.invokeSim("sim", tc.tags)
				if tc.act != nil {
					tc.act(b, name)
				}
				info, err := b.s.WaitJob(context.Background(), name)
				require.NoError(t, err)
				assert.Equal(t, tc.status, info.Status)
				if tc.code != "" {
					require.NotNil(t, info.Error)
					assert.Equal(t, tc.code, info.Error.Code)
				}
				got := offsets(info, start)
				for st, want := range tc.history {
					assert.Equal(t, want, got[st], "entered %s", st)
				}
			})
		})
	}
}

func TestSimulatedJobsFailNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, nil, emulator.PipelineDeployment{Name: "sim", Simulate: &emulator.Simulation{}})
		b.s.FailNextJobs(1, "Scripted", "no")
		first, second := b.invokeSim("sim", nil), b.invokeSim("sim", nil)
		i1, err := b.s.WaitJob(context.Background(), first)
		require.NoError(t, err)
		i2, err := b.s.WaitJob(context.Background(), second)
		require.NoError(t, err)
		assert.Equal(t, emulator.StatusFailed, i1.Status)
		assert.Equal(t, "Scripted", i1.Error.Code)
		assert.Equal(t, emulator.StatusCompleted, i2.Status)
	})
}

// Many simulated jobs cost one timer each, not a goroutine: while 2,000 jobs
// run, the goroutine count stays where it was before they were created.
func TestSimulatedJobsAtScale(t *testing.T) {
	const n = 2000
	synctest.Test(t, func(t *testing.T) {
		sim := &emulator.Simulation{Duration: func(j emulator.SimulatedJob) time.Duration {
			return time.Duration(10+j.Index%50) * time.Second
		}}
		b := newBubble(t, &emulator.Options{StepDelay: time.Second}, emulator.PipelineDeployment{Name: "sim", Simulate: sim})
		synctest.Wait()
		base := runtime.NumGoroutine()
		names := make([]string, n)
		for i := range names {
			names[i] = b.invokeSim("sim", nil)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		assert.LessOrEqual(t, runtime.NumGoroutine(), base+2, "simulated jobs must not hold goroutines")
		running := 0
		for _, j := range b.s.Jobs() {
			if j.Status == emulator.StatusRunning {
				running++
			}
		}
		assert.Equal(t, n, running)
		time.Sleep(2 * time.Minute)
		for i, name := range names {
			info, ok := b.s.Job(name)
			require.True(t, ok)
			require.Equal(t, emulator.StatusCompleted, info.Status, "job %d", i)
		}
	})
}

// BenchmarkInvokeSimulated measures creating jobs by invoke (the data plane,
// which ARM does not throttle) in process, and what each job keeps while it
// runs (heap-B/job, stack-B/job, goroutines/job): a simulated job against one whose deployment
// function blocks until the job ends (the baseline, as any running job).
func BenchmarkInvokeSimulated(b *testing.B) {
	blocking := emulator.PipelineDeployment{Name: "sim", Run: func(ctx context.Context, _ *emulator.PipelineRun) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	simulated := emulator.PipelineDeployment{Name: "sim", Simulate: &emulator.Simulation{
		Duration: func(emulator.SimulatedJob) time.Duration { return time.Hour }}}
	for _, bc := range []struct {
		name string
		dep  emulator.PipelineDeployment
	}{{"simulated", simulated}, {"goroutine", blocking}} {
		b.Run(bc.name, func(b *testing.B) { benchInvoke(b, bc.dep) })
	}
}

func benchInvoke(b *testing.B, dep emulator.PipelineDeployment) {
	s, err := emulator.New(&emulator.Options{StepDelay: -1, ARMThrottle: emulator.ThrottleOptions{Off: true}})
	require.NoError(b, err)
	defer s.Close()
	ws, err := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: sub, ResourceGroup: rg, Name: wsName})
	require.NoError(b, err)
	require.NoError(b, ws.AddDatastore(emulator.Datastore{Name: "workspaceblobstore", AccountName: "devstoreaccount1", AccountKey: "a2V5", Container: "c", Default: true}))
	require.NoError(b, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "sim", DefaultDeployment: "sim"}))
	require.NoError(b, ws.AddPipelineDeployment("sim", dep))
	hc := &http.Client{Transport: s.InProcessTransport()}
	tok, _ := emulator.MintToken("", emulator.AudienceML, time.Hour)
	body := []byte(`{"properties":{"inputData":{"x":{"jobInputType":"Literal","value":"1"}},"tags":{"batch":"b1"}}}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, ws.ScoringURI("sim"), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			b.Fatalf("invoke: %v %v", err, res)
		}
		_ = res.Body.Close()
	}
	b.StopTimer()
	s.ClearRequests()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/job")
	b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/float64(b.N), "stack-B/job")
	b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(b.N), "goroutines/job")
}

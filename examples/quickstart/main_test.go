package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// expectedSummary scores the generated dataset directly, without the workspace.
func expectedSummary(t *testing.T) demo.Summary {
	t.Helper()
	dir := t.TempDir()
	files, err := demo.GenerateHeartData(filepath.Join(dir, "data"), 0, 0)
	require.NoError(t, err)
	rows, err := demo.ModelScore(context.Background(), emulator.MiniBatch{Files: files})
	require.NoError(t, err)
	p := filepath.Join(dir, "predictions.csv")
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(rows, "\n")+"\n"), 0o644))
	s, err := demo.Summarize(p)
	require.NoError(t, err)
	require.Equal(t, demo.DefaultFiles*demo.DefaultRowsPerFile, s.Rows)
	return s
}

// The whole walk on the local workspace: every job completes with the
// predictions the dataset implies, and nothing is left running.
func TestQuickstartLocal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a cold Azurite install included
	defer cancel()
	cfg, err := parseFlags(nil, &bytes.Buffer{})
	require.NoError(t, err)
	cfg.workDir = t.TempDir()
	var local *demo.Local
	cfg.onLocal = func(l *demo.Local) { local = l }
	var out bytes.Buffer
	results, err := quickstart(ctx, cfg, &out)
	t.Log(out.String())
	require.NoError(t, err)
	require.NotNil(t, local)

	want := expectedSummary(t)
	require.Len(t, results, 5)
	scenarios := []string{"data asset @latest", "datastore path", "storage URL", "named deployment", "pipeline + literal + output"}
	for i, r := range results {
		assert.Equal(t, scenarios[i], r.scenario)
		require.NoError(t, r.err, r.scenario)
		assert.Equal(t, batchendpoint.JobStatusCompleted, r.status, r.scenario)
		assert.Equal(t, want, r.summary, r.scenario)
		assert.Contains(t, r.studioURL, "https://ml.azure.com/runs/"+r.job, r.scenario)
	}
	assert.Equal(t, demo.PipelineDeployment, results[4].deployment)
	assert.True(t, strings.HasPrefix(results[4].job, "pipelinejob-"), results[4].job)
	for _, r := range results[:4] {
		assert.Equal(t, demo.ModelDeployment, r.deployment)
		assert.True(t, strings.HasPrefix(r.job, "batchjob-"), r.job)
	}

	// The pipeline job got the literal, the experiment name and the output location.
	info, ok := local.Server.Job(results[4].job)
	require.True(t, ok)
	assert.Equal(t, demo.Experiment, info.ExperimentName)
	assert.Equal(t, "append", info.Inputs["score_mode"].Value)
	assert.Contains(t, info.Outputs["score"].URI, local.Workspace.DatastoreID(demo.Datastore)+"/paths/batch-jobs/quickstart-")

	text := out.String()
	assert.Contains(t, text, "5 of 5 jobs completed")
	assert.Contains(t, text, "sig=REDACTED")
	assert.NotRegexp(t, `sig=[^R&]`, text, "no SAS signature in the output")

	// Azurite was stopped and reaped.
	assert.ErrorIs(t, syscall.Kill(local.Storage.PID(), 0), syscall.ESRCH)
	assert.NoDirExists(t, local.Dir)
}

func TestParseFlags(t *testing.T) {
	for _, env := range []string{"AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE_NAME"} {
		t.Setenv(env, "")
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
		azure   bool
	}{
		{name: "local by default", args: nil},
		{name: "azure", args: []string{"--subscription", "s", "--resource-group", "rg", "--workspace", "ws"}, azure: true},
		{name: "partial azure", args: []string{"--subscription", "s"}, wantErr: "needs all of"},
		{name: "extra argument", args: []string{"now"}, wantErr: "unexpected arguments"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFlags(tc.args, &bytes.Buffer{})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.Equal(t, 2, run(context.Background(), tc.args, &bytes.Buffer{}, &bytes.Buffer{}))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.azure, cfg.azure())
			assert.Equal(t, demo.Endpoint, cfg.endpoint)
		})
	}
}

func TestParseFlagsFromEnvironment(t *testing.T) {
	t.Setenv("AZURE_SUBSCRIPTION_ID", "s")
	t.Setenv("AZURE_RESOURCE_GROUP", "rg")
	t.Setenv("AZUREML_WORKSPACE_NAME", "ws")
	cfg, err := parseFlags(nil, &bytes.Buffer{})
	require.NoError(t, err)
	assert.True(t, cfg.azure())
	assert.Equal(t, "ws", cfg.workspace)
}

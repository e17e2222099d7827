package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func TestRequestFromFlags(t *testing.T) {
	dir := t.TempDir()
	yml := filepath.Join(dir, "inputs.yml")
	require.NoError(t, os.WriteFile(yml, []byte("endpoint: from-file\ninputs:\n  score_mode:\n    type: string\n    default: append\n"), 0o644))
	const url = "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"
	tests := []struct {
		name     string
		args     []string
		endpoint string
		check    func(t *testing.T, r batchendpoint.InvokeRequest)
		wantErr  string
	}{
		{name: "S2 input URL", args: []string{"-n", "heart-classifier", "--input", url}, endpoint: "heart-classifier",
			check: func(t *testing.T, r batchendpoint.InvokeRequest) {
				assert.Equal(t, inputs.KindURIFolder, r.Input.Kind())
				assert.Empty(t, r.Deployment)
			}},
		{name: "S3 deployment, uri_file", args: []string{"--name", "e", "-d", "dep", "--input", url + "/heart.csv", "--input-type", "uri_file"}, endpoint: "e",
			check: func(t *testing.T, r batchendpoint.InvokeRequest) {
				assert.Equal(t, "dep", r.Deployment)
				assert.Equal(t, inputs.KindURIFile, r.Input.Kind())
			}},
		{name: "S4 experiment and job name", args: []string{"-n", "e", "--experiment-name", "my-batch-job-experiment", "--job-name", "run-1", "--input", url}, endpoint: "e",
			check: func(t *testing.T, r batchendpoint.InvokeRequest) {
				assert.Equal(t, "my-batch-job-experiment", r.ExperimentName)
				assert.Equal(t, "run-1", r.JobName)
			}},
		{name: "--set takes several assignments", args: []string{"-n", "e", "--set", "inputs.heart_data.type=uri_folder", "inputs.heart_data.path=" + url, "--wait"}, endpoint: "e",
			check: func(t *testing.T, r batchendpoint.InvokeRequest) {
				require.Contains(t, r.Inputs, "heart_data")
				assert.Equal(t, inputs.KindURIFolder, r.Inputs["heart_data"].Kind())
			}},
		{name: "--file with --set and endpoint from the file", args: []string{"-f", yml, "--set", "inputs.score_mode.default=replace"}, endpoint: "from-file",
			check: func(t *testing.T, r batchendpoint.InvokeRequest) {
				assert.Equal(t, "replace", r.Inputs["score_mode"].(inputs.LiteralInput).Value())
			}},
		{name: "settings and output path", args: []string{"-n", "e", "--input", url, "-m", "5", "-c", "2", "--output-path", "azureml://datastores/workspaceblobstore/paths/out",
			"--set", "output_file_name=scores.csv"}, endpoint: "e",
			check: func(t *testing.T, r batchendpoint.InvokeRequest) {
				require.NotNil(t, r.Settings)
				assert.Equal(t, int64(5), *r.Settings.MiniBatchSize)
				assert.Equal(t, int32(2), *r.Settings.InstanceCount)
				assert.Equal(t, "out/scores.csv", r.Outputs["score"].Path())
				assert.Equal(t, inputs.KindURIFile, r.Outputs["score"].Kind())
			}},
		{name: "--inputs and --outputs JSON", args: []string{"-n", "e", "-d", "pipe",
			"--inputs", `{"heart_data": {"type": "uri_folder", "path": "` + url + `"}, "score_mode": {"type": "string", "default": "append"}}`,
			"--outputs", `{"score": {"type": "uri_file", "path": "azureml://datastores/workspaceblobstore/paths/out/p.csv"}}`,
			"--set", "inputs.score_mode.default=replace"}, endpoint: "e",
			check: func(t *testing.T, r batchendpoint.InvokeRequest) {
				assert.Equal(t, "pipe", r.Deployment)
				assert.Equal(t, inputs.KindURIFolder, r.Inputs["heart_data"].Kind())
				assert.Equal(t, "replace", r.Inputs["score_mode"].(inputs.LiteralInput).Value(), "--set applies over --inputs")
				assert.Equal(t, "out/p.csv", r.Outputs["score"].Path())
				assert.Equal(t, inputs.KindURIFile, r.Outputs["score"].Kind())
			}},
		{name: "--inputs not an object", args: []string{"-n", "e", "--inputs", "[1]"}, wantErr: "--inputs is not a JSON object"},
		{name: "--inputs with --file", args: []string{"-f", yml, "--inputs", "{}"}, wantErr: "either --file or --inputs"},
		{name: "no endpoint", args: []string{"--input", url}, wantErr: "--name/-n is required"},
		{name: "input and set inputs", args: []string{"-n", "e", "--input", url, "--set", "inputs.x.path=" + url}, wantErr: "either --input or inputs"},
		{name: "bad output path", args: []string{"-n", "e", "--input", url, "--output-path", "out"}, wantErr: "should start with 'azureml:'"},
		{name: "bad input type", args: []string{"-n", "e", "--input", url, "--input-type", "mltable_x"}, wantErr: "mltable_x"},
		{name: "stray argument", args: []string{"-n", "e", "now"}, wantErr: "unexpected argument"},
		{name: "download without wait", args: []string{"-n", "e", "--download", dir}, wantErr: "--download needs --wait"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseInvoke(tc.args)
			if err == nil {
				var ep string
				var req batchendpoint.InvokeRequest
				ep, req, err = c.request()
				if err == nil {
					assert.Equal(t, tc.endpoint, ep)
					tc.check(t, req)
				}
			}
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

// parseInvoke parses batch-endpoint invoke's flags as the command does.
func parseInvoke(args []string) (cli, error) {
	var c cli
	cmd := &cobra.Command{Use: "invoke"}
	bindInvokeFlags(cmd.Flags(), &c)
	if err := cmd.ParseFlags(expandSets(args)); err != nil {
		return c, err
	}
	if err := noArgs(cmd, cmd.Flags().Args()); err != nil {
		return c, err
	}
	return c, c.check(false)
}

func runJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	t.Log(stderr.String())
	require.Equal(t, 0, code, stderr.String())
	var j map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &j), stdout.String())
	return j
}

func TestRunEmulator(t *testing.T) {
	useLocalWorkspaceBinary(t)
	dl := t.TempDir()
	j := runJSON(t, "batch-endpoint", "invoke", "--emulator", "-n", demo.Endpoint, "-d", demo.PipelineDeployment, "--experiment-name", demo.Experiment,
		"--set", "inputs.heart_data.path="+exampleData, "inputs.score_mode.type=string", "inputs.score_mode.default=append",
		"--download", dl)
	assert.Equal(t, "Completed", j["status"])
	assert.Equal(t, demo.Experiment, j["experiment_name"])
	assert.Contains(t, j["services"].(map[string]any)["Studio"].(map[string]any)["endpoint"], j["name"])
	files, err := filepath.Glob(filepath.Join(dl, "*"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	s, err := demo.Summarize(files...)
	require.NoError(t, err)
	assert.Equal(t, 100, s.Rows)
}

// --local: a workspace.json like examples/localworkspace writes.
func TestRunLocalWorkspaceFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := demo.StartLocal(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	_, state, err := demo.WriteState(l, t.TempDir(), time.Hour)
	require.NoError(t, err)

	j := runJSON(t, "batch-endpoint", "invoke", "--local", state, "-n", demo.Endpoint, "--input", exampleData, "--mini-batch-size", "1", "--wait")
	assert.Equal(t, "Completed", j["status"])
	info, ok := l.Server.Job(j["name"].(string))
	require.True(t, ok)
	assert.Equal(t, demo.DefaultFiles, info.MiniBatches, "--mini-batch-size 1: one mini-batch per file")

	// Without --wait the command returns at once with the first status.
	t.Setenv("AZMLBATCH_LOCAL", state)
	j = runJSON(t, "batch-endpoint", "invoke", "-n", demo.Endpoint, "--input", exampleData)
	assert.NotEqual(t, "Completed", j["status"])
	_, err = l.Server.WaitJob(ctx, j["name"].(string))
	require.NoError(t, err)

	// --debug logs the requests on stderr, redacted: no SAS signature, no token.
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"--debug", "batch-endpoint", "invoke", "-n", demo.Endpoint, "--query", "name", "-o", "tsv",
		"--input", demo.SampleFolderURL + "?sv=2021-08-06&sr=c&sp=rl&sig=SECRETSIGNATURE"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stderr.String(), "DEBUG: Request: ==> OUTGOING REQUEST")
	assert.NotContains(t, stderr.String(), "SECRETSIGNATURE")
	tok, err := os.ReadFile(filepath.Join(filepath.Dir(state), "ml.token"))
	require.NoError(t, err)
	assert.NotContains(t, stderr.String(), strings.TrimSpace(string(tok))[:40], "a bearer token reached the debug log")
	assert.NotContains(t, stdout.String(), "DEBUG")
	_, err = l.Server.WaitJob(ctx, strings.TrimSpace(stdout.String()))
	require.NoError(t, err)
}

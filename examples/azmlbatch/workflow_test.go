package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// TestWorkflowScript runs the how-to's whole workflow as a shell script
// (testdata/workflow.sh: every command line with az ml replaced by azmlbatch,
// jq included) against a local workspace, then checks that each invoke the
// script sent has the body the library sends for the same request, and that
// the library refuses the requests the CLI refused.
func TestWorkflowScript(t *testing.T) {
	for _, tool := range []string{"bash", "jq", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (Debian: apt-get install %s)", tool, tool)
		}
	}
	bin := binaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := demo.StartLocal(ctx, &demo.LocalOptions{StepDelay: 200 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	_, state, err := demo.WriteState(l, t.TempDir(), time.Hour)
	require.NoError(t, err)

	work := t.TempDir()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("testdata", "workflow.sh"))
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "WORK="+work,
		"AZMLBATCH_LOCAL="+state, "AZURE_CONFIG_DIR="+t.TempDir(), "AZMLBATCH_EMULATOR=")
	out, err := cmd.CombinedOutput()
	t.Logf("workflow.sh:\n%s", out)
	require.NoError(t, err)

	vars := map[string]string{}
	for _, line := range lines(t, filepath.Join(work, "vars")) {
		k, v, _ := strings.Cut(line, "=")
		vars[k] = v
	}
	asset, err := inputs.DataAssetID(vars["DATA_ASSET_ID"])
	require.NoError(t, err)
	const folder = demo.SampleFolderURL
	file := func(name string) func(t *testing.T) batchendpoint.InvokeRequest {
		return func(t *testing.T) batchendpoint.InvokeRequest {
			f, err := batchendpoint.LoadInvokeFile(filepath.Join(work, name), nil)
			require.NoError(t, err)
			return f.Request
		}
	}
	req := func(r batchendpoint.InvokeRequest) func(*testing.T) batchendpoint.InvokeRequest {
		return func(*testing.T) batchendpoint.InvokeRequest { return r }
	}
	named := func(in inputs.Input) map[string]inputs.Input { return map[string]inputs.Input{"heart_data": in} }
	store := inputs.Datastore(demo.Datastore, demo.DatastorePath)
	// What the library is given for each command line of the script.
	want := map[string]func(*testing.T) batchendpoint.InvokeRequest{
		"s2":                  req(batchendpoint.InvokeRequest{Input: inputs.StorageURL(folder)}),
		"s3":                  req(batchendpoint.InvokeRequest{Deployment: demo.ModelDeployment, Input: inputs.StorageURL(folder)}),
		"s4-pipeline":         req(batchendpoint.InvokeRequest{Deployment: demo.PipelineDeployment, ExperimentName: demo.Experiment, Inputs: named(inputs.StorageURL(folder))}),
		"s11-file-as-written": file("s11-literal-inputs.yml"),
		"s11-set-as-written":  req(batchendpoint.InvokeRequest{Inputs: map[string]inputs.Input{"score_mode": inputs.String("append")}}),
		"s8-set":              req(batchendpoint.InvokeRequest{Inputs: named(asset.Folder())}),
		"s8-input":            req(batchendpoint.InvokeRequest{Input: asset}),
		"s8-file":             file("s8-inputs.yml"),
		"s9-set":              req(batchendpoint.InvokeRequest{Inputs: named(store)}),
		"s9-input":            req(batchendpoint.InvokeRequest{Input: store.Folder()}),
		"s9-file":             file("s9-inputs.yml"),
		"s10-set":             req(batchendpoint.InvokeRequest{Inputs: named(inputs.StorageURL(folder))}),
		"s10-input":           req(batchendpoint.InvokeRequest{Input: inputs.StorageURL(folder).Folder()}),
		"s10-file":            file("s10-inputs.yml"),
		"s10-uri-file":        req(batchendpoint.InvokeRequest{Input: inputs.StorageURL(folder + "/" + demo.SampleFile).File()}),
		"s10-uri-file-file":   file("s10-file-inputs.yml"),
		"s11-pipeline-file":   file("s11-inputs.yml"),
		"s11-pipeline-set": req(batchendpoint.InvokeRequest{Deployment: demo.PipelineDeployment, Inputs: map[string]inputs.Input{
			"heart_data": inputs.StorageURL(folder), "score_mode": inputs.String("append")}}),
		"s12":    file("inputs-and-outputs.yml"),
		"follow": req(batchendpoint.InvokeRequest{Input: inputs.StorageURL(folder)}),
		"cancel": req(batchendpoint.InvokeRequest{Input: inputs.StorageURL(folder)}),
	}
	sent := lines(t, filepath.Join(work, "invokes"))
	cliBodies := invokeBodies(l.Server)
	require.Len(t, cliBodies, len(sent), "one invoke request per job the script created")
	require.Len(t, sent, len(want), "every scenario's invoke ran")

	client, err := l.NewClient()
	require.NoError(t, err)
	for i, line := range sent {
		label, job, _ := strings.Cut(line, " ")
		t.Run(label, func(t *testing.T) {
			build, ok := want[label]
			require.True(t, ok, "no library request for %s", label)
			r := build(t)
			if label == "s11-pipeline-file" {
				r.Deployment = demo.PipelineDeployment // -d on the command line
			}
			before := len(invokeBodies(l.Server))
			endpoint := demo.Endpoint
			if strings.HasSuffix(label, "-as-written") {
				endpoint = demo.PipelineEndpoint // the script's ENDPOINT_NAME for these lines
			}
			lj, err := client.Invoke(ctx, endpoint, r, nil)
			require.NoError(t, err)
			lib := invokeBodies(l.Server)
			require.Len(t, lib, before+1)
			assert.JSONEq(t, withoutRepeatabilityTag(t, lib[before]), withoutRepeatabilityTag(t, cliBodies[i]), "%s (job %s): the CLI's invoke body differs from the library's", label, job)
			// The deployment travels in a header, not in the body.
			assert.Equal(t, lib[before].Header.Get("azureml-model-deployment"), cliBodies[i].Header.Get("azureml-model-deployment"), label)
			assert.Equal(t, lib[before].URL, cliBodies[i].URL, label)
			_, err = l.Server.WaitJob(ctx, lj.Name())
			require.NoError(t, err)
		})
	}

	// The refused command lines: nothing sent (counted above), and the library
	// refuses the same requests with a validation error.
	refusedWant := map[string]batchendpoint.InvokeRequest{
		"s4":       {ExperimentName: demo.Experiment, Input: inputs.StorageURL(folder)},
		"s11-file": file("inputs.yml")(t),
		"s11-set":  {Inputs: map[string]inputs.Input{"score_mode": inputs.String("append")}},
	}
	refused := lines(t, filepath.Join(work, "refused"))
	require.Len(t, refused, len(refusedWant))
	for _, line := range refused {
		label, _, _ := strings.Cut(line, " ")
		_, err := client.Invoke(ctx, demo.Endpoint, refusedWant[label], nil)
		var ve *batchendpoint.ValidationError
		assert.ErrorAs(t, err, &ve, label)
	}
}

// invokeBodies are the successful invoke POSTs so far, in order.
// withoutRepeatabilityTag is an invoke body without the tag that records the
// request's own repeatability id (a fresh one per request, so never equal
// between two requests), after checking that the tag names that id.
func withoutRepeatabilityTag(t *testing.T, r emulator.Request) string {
	t.Helper()
	id := r.Header.Get("repeatability_request-id")
	require.NotEmpty(t, id, "invoke sent without a repeatability id")
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &body))
	props, _ := body["properties"].(map[string]any)
	tags, _ := props["tags"].(map[string]any)
	key := batchendpoint.RepeatabilityTagKey(id)
	require.Equal(t, id, tags[key], "the body records its repeatability id in tag %s", key)
	delete(tags, key)
	if len(tags) == 0 {
		delete(props, "tags")
	}
	out, err := json.Marshal(body)
	require.NoError(t, err)
	return string(out)
}

func invokeBodies(s *emulator.Server) []emulator.Request {
	var out []emulator.Request
	for _, r := range s.Requests(emulator.RouteInvoke) {
		if r.Status/100 == 2 {
			out = append(out, r)
		}
	}
	return out
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out = append(out, s)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

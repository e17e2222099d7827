package emulator_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

const literalMsg = "The specified job input type 'LiteralJobInput' is not supported. The supported types are: UriFileJobInput, UriFolderJobInput."

// Each service rule, violated with a raw request: status, error code and message.
func TestInvokeValidation(t *testing.T) {
	e := newEnv(t, envOpts{})
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "table", Version: "1", Type: "mltable", Path: "azureml://datastores/workspaceblobstore/paths/t/"}))
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "strict",
		Inputs: map[string]string{"heart_data": "", "score_mode": "append"}, Outputs: map[string]emulator.PipelineOutput{"score": {Type: "UriFile"}}}))
	require.NoError(t, e.ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "nodefault"}))
	require.NoError(t, e.ws.AddModelDeployment("nodefault", emulator.ModelDeployment{Name: "only"}))
	require.NoError(t, e.ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "empty-ep"}))
	folder := input("UriFolder", "azureml://datastores/workspaceblobstore/paths/heart/")
	out := func(uri string) map[string]any {
		return map[string]any{"outputData": map[string]any{"score": map[string]any{"jobOutputType": "UriFile", "uri": uri}}}
	}
	dsID := e.ws.DatastoreID

	tests := []struct {
		name     string
		endpoint string
		hdr      map[string]string
		body     any
		status   int
		contains []string
	}{
		{"literal on model deployment", "heart", nil, body(map[string]any{"score_mode": literal("append")}, nil), 400,
			[]string{"The Job request provided has the following validation errors.", literalMsg, `"PropertyName": "InputData.Values[0]"`,
				`"ErrorCode": "PredicateValidator"`, `"JobInputType": "Literal"`, `"Value": "append"`}},
		{"literal next to data input", "heart", nil, body(map[string]any{"heart_data": folder, "score_mode": literal("append")}, nil), 400,
			[]string{literalMsg, "InputData.Values[1]", "exactly one input"}},
		{"two data inputs on model deployment", "heart", nil, body(map[string]any{"a": folder, "b": folder}, nil), 400,
			[]string{"exactly one input; 2 were provided"}},
		{"no input on model deployment", "heart", nil, body(map[string]any{}, nil), 400, []string{"exactly one input; 0 were provided"}},
		{"experiment name on model deployment", "heart", nil, body(map[string]any{"heart_data": folder}, map[string]any{"properties": map[string]any{"experimentName": "x"}}), 400,
			[]string{"can only be configured for batch endpoints with pipeline component deployments"}},
		{"MLTable input type", "heart", nil, body(map[string]any{"t": input("MLTable", "azureml://datastores/workspaceblobstore/paths/t/")}, nil), 400,
			[]string{"The specified job input type 'MLTableJobInput' is not supported. The supported types are: UriFileJobInput, UriFolderJobInput."}},
		{"MLTable data asset", "heart", nil, body(map[string]any{"t": input("UriFolder", e.ws.DataVersionID("table", "1"))}, nil), 400,
			[]string{"mltable", "MLTable"}},
		{"unknown data asset", "heart", nil, body(map[string]any{"d": input("UriFolder", e.ws.DataVersionID("nope", "1"))}, nil), 404,
			[]string{"Data asset nope:1 was not found"}},
		{"unknown data asset latest", "heart", nil, body(map[string]any{"d": input("UriFolder", "azureml://locations/westus2/workspaces/my-ws/data/nope/versions/labels/latest")}, nil), 404,
			[]string{"nope:latest"}},
		{"unknown datastore", "heart", nil, body(map[string]any{"d": input("UriFolder", "azureml://datastores/nope/paths/x/")}, nil), 404,
			[]string{"Datastore 'nope' was not found"}},
		{"unknown workspace in datastore id", "heart", nil, body(map[string]any{"d": input("UriFolder", "/subscriptions/"+sub+"/resourceGroups/"+rg+"/providers/Microsoft.MachineLearningServices/workspaces/other/datastores/workspaceblobstore/paths/x")}, nil), 404,
			[]string{"Workspace 'other'"}},
		{"input from AzureFile datastore", "heart", nil, body(map[string]any{"d": input("UriFolder", "azureml://datastores/files/paths/x/")}, nil), 400,
			[]string{"AzureFile"}},
		{"output to ADLS Gen2 datastore", "heart", nil, body(map[string]any{"d": folder}, out(dsID("gen2")+"/paths/out/p.csv")), 400,
			[]string{"Batch endpoints only support writing outputs in Blob Storage data stores."}},
		{"output to AzureFile datastore", "heart", nil, body(map[string]any{"d": folder}, out("azureml://datastores/files/paths/out/p.csv")), 400,
			[]string{"Batch endpoints only support writing outputs in Blob Storage data stores."}},
		{"output to storage URL", "heart", nil, body(map[string]any{"d": folder}, out("https://acct.blob.core.windows.net/c/p.csv")), 400,
			[]string{"Blob Storage data stores"}},
		{"uri_folder output on model deployment", "heart", nil,
			body(map[string]any{"d": folder}, map[string]any{"outputData": map[string]any{"score": map[string]any{"jobOutputType": "UriFolder", "uri": "azureml://datastores/workspaceblobstore/paths/o/"}}}), 400,
			[]string{"Job output type must be 'uri_file'.", `"AttemptedValue": "uri_folder"`, "OutputData.Values[0].JobOutputType"}},
		{"two outputs on model deployment", "heart", nil,
			body(map[string]any{"d": folder}, map[string]any{"outputData": map[string]any{
				"a": map[string]any{"jobOutputType": "UriFile", "uri": "azureml://datastores/workspaceblobstore/paths/a.csv"},
				"b": map[string]any{"jobOutputType": "UriFile", "uri": "azureml://datastores/workspaceblobstore/paths/b.csv"}}}), 400,
			[]string{"exactly one output; 2 were provided"}},
		{"invalid input name", "heart", nil, body(map[string]any{"heart-data": folder}, nil), 400,
			[]string{"Keys can contain only alphanumeric characters and underscore characters.", "heart-data"}},
		{"invalid output name", "pipe", nil, body(map[string]any{}, map[string]any{"outputData": map[string]any{"my score": map[string]any{"jobOutputType": "UriFile"}}}), 400,
			[]string{"Keys can contain only alphanumeric characters and underscore characters"}},
		{"snake_case input type", "heart", nil, body(map[string]any{"d": input("uri_folder", "azureml://datastores/workspaceblobstore/paths/x/")}, nil), 400,
			[]string{"'uri_folder' is not a valid job input type"}},
		{"empty uri", "heart", nil, body(map[string]any{"d": input("UriFolder", "")}, nil), 400, []string{"'Uri' must not be empty."}},
		{"garbage uri", "heart", nil, body(map[string]any{"d": input("UriFolder", "heart-data")}, nil), 400, []string{"Invalid input uri 'heart-data'"}},
		{"missing properties", "heart", nil, map[string]any{"inputData": map[string]any{}}, 400, []string{"'Properties' must not be empty."}},
		{"not JSON", "heart", nil, "{", 400, []string{"not valid JSON"}},
		{"V1 dataset", "heart", nil, map[string]any{"properties": map[string]any{"dataset": map[string]any{"dataInputType": "DatasetVersion", "datasetName": "x", "datasetVersion": "1"}}}, 400,
			[]string{"FileDataset (V1)"}},
		{"pipeline: undeclared input", "pipe", map[string]string{"azureml-model-deployment": "strict"}, body(map[string]any{"other": literal("x")}, nil), 400,
			[]string{"Input 'other' is not defined by the pipeline component. Defined inputs: heart_data, score_mode."}},
		{"pipeline: undeclared output", "pipe", map[string]string{"azureml-model-deployment": "strict"},
			body(map[string]any{}, map[string]any{"outputData": map[string]any{"scores": map[string]any{"jobOutputType": "UriFile"}}}), 400,
			[]string{"Output 'scores' is not defined by the pipeline component."}},
		{"unknown deployment header", "heart", map[string]string{"azureml-model-deployment": "nope"}, body(map[string]any{"d": folder}, nil), 404,
			[]string{"Deployment 'nope' was not found in batch endpoint 'heart'."}},
		{"no default deployment", "nodefault", nil, body(map[string]any{"d": folder}, nil), 404,
			[]string{"has no default deployment"}},
		{"no deployments", "empty-ep", nil, body(map[string]any{"d": folder}, nil), 404, []string{"No deployment exists"}},
		{"unknown endpoint", "ghost", nil, body(map[string]any{"d": folder}, nil), 404, []string{"Batch endpoint 'ghost' was not found."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := e.ws.ScoringURI(tc.endpoint)
			r := e.do(http.MethodPost, url, emulator.AudienceML, tc.body, tc.hdr)
			require.Equal(t, tc.status, r.status, "body: %s", r.body)
			code, msg := r.errCode(t)
			assert.Equal(t, "UserError", code)
			for _, c := range tc.contains {
				assert.Contains(t, msg, c)
			}
			// AzureML envelope fields.
			m := r.json(t)
			assert.Contains(t, m, "correlation")
			assert.Contains(t, m["error"], "innerError")
		})
	}
	assert.Empty(t, e.s.Jobs(), "no rejected request may create a job")
}

// TestInvokePipelineMLTable: a pipeline component deployment takes an MLTable
// input (a model deployment refuses it: TestInvokeValidation).
func TestInvokePipelineMLTable(t *testing.T) {
	e := newEnv(t, envOpts{})
	hold := e.s.HoldJobs(emulator.StatusPreparing)
	defer hold.Release()
	r := e.invoke("pipe", body(map[string]any{"t": input("MLTable", "azureml://datastores/workspaceblobstore/paths/t/")}, nil), nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	in := r.json(t)["properties"].(map[string]any)["inputData"].(map[string]any)["t"].(map[string]any)
	assert.Equal(t, "MLTable", in["jobInputType"])
}

func TestInvokeCreatesJob(t *testing.T) {
	e := newEnv(t, envOpts{})
	hold := e.s.HoldJobs(emulator.StatusPreparing)
	defer hold.Release()
	r := e.invoke("heart", body(map[string]any{"heart_data": input("UriFolder", "azureml://datastores/workspaceblobstore/paths/heart/")}, nil), nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	assert.Equal(t, "classifier", r.header.Get("azureml-model-deployment"))
	m := r.json(t)
	name := m["name"].(string)
	require.True(t, strings.HasPrefix(name, "batchjob-"), name)
	guid := strings.TrimPrefix(name, "batchjob-")
	assert.Len(t, guid, 36)
	assert.Equal(t, e.ws.ID()+"/batchEndpoints/heart/deployments/classifier/jobs/"+name, m["id"])
	assert.Equal(t, "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments/jobs", m["type"])
	p := m["properties"].(map[string]any)
	assert.Equal(t, "Preparing", p["status"])
	assert.Regexp(t, `^[a-z]+_[a-z]+_[a-z0-9]{8}$`, p["name"])
	assert.Equal(t, "https://ml.azure.com/runs/"+name+"?wsid=/subscriptions/"+sub+"/resourcegroups/"+rg+"/workspaces/"+wsName,
		dig(p, "interactionEndpoints", "Studio", "endpoint"))
	assert.Equal(t, "Studio", dig(p, "interactionEndpoints", "Studio", "jobEndpointType"))
	assert.Equal(t, "true", dig(p, "tags", "azureml.batchrun"))
	assert.Equal(t, "classifier", dig(p, "tags", "azureml.deploymentname"))
	assert.Equal(t, "azureml.batchjob", dig(p, "tags", "azureml.jobtype"))
	assert.Equal(t, "ReadOnlyMount", dig(p, "inputData", "heart_data", "mode"))
	assert.Equal(t, "UriFolder", dig(p, "inputData", "heart_data", "jobInputType"))
	assert.Equal(t, e.ws.DatastoreID("workspaceblobstore")+"/paths/azureml/"+guid+"/score/predictions.csv", dig(p, "outputData", "score", "uri"))
	assert.Equal(t, "UriFile", dig(p, "outputData", "score", "jobOutputType"))
	assert.Equal(t, "Succeeded", p["provisioningState"])
	assert.NotContains(t, p, "experimentName")
	assert.NotEmpty(t, dig(m, "systemData", "createdAt"))
	assert.Equal(t, "Emulator User", dig(m, "systemData", "createdBy"))

	// ARM view of the same job: default experiment name = endpoint name.
	r = e.arm(http.MethodGet, "/jobs/"+name, nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	a := r.json(t)
	assert.Equal(t, e.ws.ID()+"/jobs/"+name, a["id"])
	assert.Equal(t, "Microsoft.MachineLearningServices/workspaces/jobs", a["type"])
	ap := a["properties"].(map[string]any)
	assert.Equal(t, "heart", ap["experimentName"])
	assert.Equal(t, "Pipeline", ap["jobType"])
	assert.Equal(t, p["name"], ap["displayName"])
	assert.Equal(t, "Preparing", ap["status"])
	assert.Equal(t, dig(p, "interactionEndpoints", "Studio", "endpoint"), dig(ap, "services", "Studio", "endpoint"))
	assert.Equal(t, "uri_folder", dig(ap, "inputs", "heart_data", "jobInputType"))
	assert.Equal(t, "uri_file", dig(ap, "outputs", "score", "jobOutputType"))

	// Data-plane GET of the job.
	r = e.do(http.MethodGet, e.ws.ScoringURI("heart")+"/"+name, emulator.AudienceML, nil, nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, name, r.json(t)["name"])
	assert.Equal(t, 404, e.do(http.MethodGet, e.ws.ScoringURI("pipe")+"/"+name, emulator.AudienceML, nil, nil).status)
	list := e.do(http.MethodGet, e.ws.ScoringURI("heart"), emulator.AudienceML, nil, nil).json(t)
	assert.Len(t, list["value"], 1)
}

func TestInvokeAcceptsPascalCaseAndOverrides(t *testing.T) {
	e := newEnv(t, envOpts{})
	hold := e.s.HoldJobs(emulator.StatusPreparing)
	defer hold.Release()
	raw := `{"Properties": {"InputData": {"heart_data": {"JobInputType": "urifolder", "Uri": "azureml://datastores/workspaceblobstore/paths/heart/"}},
		"OutputData": {"score": {"JobOutputType": "URIFILE", "Uri": "azureml://datastores/workspaceblobstore/paths/out/p.csv"}},
		"Name": "my-run", "MiniBatchSize": 64, "RetrySettings": {"MaxRetries": 5, "Timeout": "PT1M"}, "Compute": {"InstanceCount": 2, "IsLocal": true}}}`
	r := e.invoke("heart", raw, nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	p := r.json(t)["properties"].(map[string]any)
	assert.Equal(t, "my-run", p["name"])
	assert.Equal(t, "UriFolder", dig(p, "inputData", "heart_data", "jobInputType"))
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/out/p.csv", dig(p, "outputData", "score", "uri"))
	assert.Equal(t, map[string]any{"maxRetries": 5.0, "timeout": "PT60S"}, p["retrySettings"])
	var params map[string]string
	require.NoError(t, json.Unmarshal([]byte(dig(p, "properties", "azureml.parameters").(string)), &params))
	assert.Equal(t, "64", params["mini_batch_size"])
	assert.Equal(t, "2", params["NodeCount"])

	// Legacy dataset + outputDataset forms.
	raw = `{"properties": {"dataset": {"dataInputType": "DataUrl", "Path": "azureml://datastores/workspaceblobstore/paths/heart/"},
		"outputDataset": {"datastoreId": "` + e.ws.DatastoreID("workspaceblobstore") + `", "path": "tests/output"}, "outputFileName": "preds.csv"}}`
	r = e.invoke("heart", raw, nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	p = r.json(t)["properties"].(map[string]any)
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/heart/", dig(p, "inputData", "UriFolder", "uri"))
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/tests/output/preds.csv", dig(p, "outputData", "score", "uri"))
}

func TestInvokeInputForms(t *testing.T) {
	e := newEnv(t, envOpts{})
	hold := e.s.HoldJobs(emulator.StatusPreparing)
	defer hold.Release()
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "heart-data", Version: "1", Type: "uri_folder", Path: "azureml://subscriptions/" + sub + "/resourcegroups/" + rg + "/workspaces/" + wsName + "/datastores/workspaceblobstore/paths/heart/"}))
	for _, uri := range []string{
		"azureml://datastores/workspaceblobstore/paths/heart/",
		"azureml://subscriptions/" + sub + "/resourcegroups/" + rg + "/workspaces/" + wsName + "/datastores/workspaceblobstore/paths/heart/",
		e.ws.DatastoreID("workspaceblobstore") + "/paths/heart",
		"azureml:" + e.ws.DatastoreID("workspaceblobstore") + "/paths/heart",
		e.ws.DataVersionID("heart-data", "1"),
		"azureml://locations/westus2/workspaces/" + wsName + "/data/heart-data/versions/labels/latest",
		"azureml://locations/westus2/workspaces/" + wsName + "/data/heart-data/versions/1",
		"azureml://subscriptions/" + sub + "/resourcegroups/" + rg + "/workspaces/" + wsName + "/data/heart-data/versions/1",
		"azureml:heart-data:1",
		"azureml:heart-data@latest",
		"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data",
		"http://127.0.0.1:10000/devstoreaccount1/c/data?sv=2026&sig=abc",
	} {
		r := e.invoke("heart", body(map[string]any{"d": input("UriFolder", uri)}, nil), nil)
		assert.Equal(t, http.StatusCreated, r.status, "%s: %s", uri, r.body)
	}
}

package emulator_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

func TestARMWorkspaceAndEndpoints(t *testing.T) {
	e := newEnv(t, envOpts{})
	r := e.arm(http.MethodGet, "", nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	m := r.json(t)
	assert.Equal(t, e.ws.ID(), m["id"])
	assert.Equal(t, "Microsoft.MachineLearningServices/workspaces", m["type"])
	assert.Equal(t, "westus2", m["location"])
	assert.Equal(t, e.s.ARMEndpoint()+"/discovery", dig(m, "properties", "discoveryUrl"))
	assert.NotEmpty(t, r.header.Get("x-ms-request-id"))

	r = e.arm(http.MethodGet, "/batchEndpoints/heart", nil)
	require.Equal(t, 200, r.status)
	m = r.json(t)
	assert.Equal(t, e.ws.ID()+"/batchEndpoints/heart", m["id"])
	assert.Equal(t, "Microsoft.MachineLearningServices/workspaces/batchEndpoints", m["type"])
	assert.Equal(t, e.ws.ScoringURI("heart"), dig(m, "properties", "scoringUri"))
	assert.Equal(t, "classifier", dig(m, "properties", "defaults", "deploymentName"))
	assert.Equal(t, "AADToken", dig(m, "properties", "authMode"))
	assert.Equal(t, "Succeeded", dig(m, "properties", "provisioningState"))

	// ARM paths and names are case-insensitive.
	r = e.do(http.MethodGet, e.s.ARMEndpoint()+"/subscriptions/"+sub+"/resourcegroups/TEST-RG/providers/microsoft.machinelearningservices/workspaces/MY-WS/batchendpoints/HEART?api-version="+apiV, emulator.AudienceARM, nil, nil)
	assert.Equal(t, 200, r.status)

	r = e.arm(http.MethodGet, "/batchEndpoints", nil)
	require.Equal(t, 200, r.status)
	vals := r.json(t)["value"].([]any)
	assert.Len(t, vals, 2)

	// An endpoint being created has no scoring URI yet.
	require.NoError(t, e.ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "creating", ProvisioningState: "Creating"}))
	m = e.arm(http.MethodGet, "/batchEndpoints/creating", nil).json(t)
	props := m["properties"].(map[string]any)
	assert.Contains(t, props, "scoringUri")
	assert.Nil(t, props["scoringUri"])
	assert.Nil(t, dig(props, "defaults", "deploymentName"))
	assert.Equal(t, "Creating", props["provisioningState"])

	// Not found: ARM envelope for the workspace chain, AzureML UserError below it.
	tests := []struct {
		name, url, code string
	}{
		{"endpoint", e.armURL("/batchEndpoints/nope"), "UserError"},
		{"deployment", e.armURL("/batchEndpoints/heart/deployments/nope"), "UserError"},
		{"workspace", e.s.ARMEndpoint() + "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.MachineLearningServices/workspaces/other?api-version=" + apiV, "ResourceNotFound"},
		{"resource group", e.s.ARMEndpoint() + "/subscriptions/" + sub + "/resourceGroups/nope/providers/Microsoft.MachineLearningServices/workspaces/x?api-version=" + apiV, "ResourceGroupNotFound"},
		{"subscription", e.s.ARMEndpoint() + "/subscriptions/nope/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/x?api-version=" + apiV, "SubscriptionNotFound"},
		{"job", e.armURL("/jobs/nope"), "UserError"},
		{"datastore", e.armURL("/datastores/nope"), "UserError"},
		{"data version", e.armURL("/data/nope/versions/1"), "UserError"},
		{"unknown path", e.armURL("/computes/x"), "NotFound"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(http.MethodGet, tc.url, emulator.AudienceARM, nil, nil)
			require.Equal(t, 404, r.status, "%s", r.body)
			code, msg := r.errCode(t)
			assert.Equal(t, tc.code, code)
			assert.NotEmpty(t, msg)
		})
	}
	r = e.arm(http.MethodDelete, "/batchEndpoints/heart", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
}

func TestARMDeployments(t *testing.T) {
	e := newEnv(t, envOpts{})
	require.NoError(t, e.ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "scorer", Inputs: map[string]string{"score_mode": "append"}}))
	m := e.arm(http.MethodGet, "/batchEndpoints/heart/deployments/classifier", nil).json(t)
	assert.Equal(t, "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments", m["type"])
	p := m["properties"].(map[string]any)
	assert.EqualValues(t, 2, p["miniBatchSize"])
	assert.EqualValues(t, 1, p["maxConcurrencyPerInstance"])
	assert.EqualValues(t, -1, p["errorThreshold"])
	assert.Equal(t, "AppendRow", p["outputAction"])
	assert.Equal(t, "predictions.csv", p["outputFileName"])
	assert.Equal(t, map[string]any{"maxRetries": 3.0, "timeout": "PT30S"}, p["retrySettings"])
	assert.Equal(t, "Id", dig(p, "model", "referenceType"))
	assert.NotContains(t, p, "deploymentConfiguration")

	m = e.arm(http.MethodGet, "/batchEndpoints/pipe/deployments/scorer", nil).json(t)
	p = m["properties"].(map[string]any)
	assert.Equal(t, "PipelineComponent", dig(p, "deploymentConfiguration", "deploymentConfigurationType"))
	assert.Equal(t, "azureml:scorer@latest", dig(p, "deploymentConfiguration", "componentId", "assetId"))
	assert.NotContains(t, p, "model")

	list := e.arm(http.MethodGet, "/batchEndpoints/pipe/deployments", nil).json(t)
	assert.Len(t, list["value"], 2)
}

func TestARMDataAssets(t *testing.T) {
	e := newEnv(t, envOpts{})
	t0 := time.Now().Add(-time.Hour)
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "heart-data", Version: "1", Type: "uri_folder", Path: "azureml://datastores/workspaceblobstore/paths/v1/", CreatedAt: t0}))
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "heart-data", Version: "3", Type: "uri_folder", Path: "azureml://datastores/workspaceblobstore/paths/v3/", CreatedAt: t0.Add(2 * time.Minute)}))
	require.NoError(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "heart-data", Version: "2", Type: "uri_folder", Path: "azureml://datastores/workspaceblobstore/paths/v2/", CreatedAt: t0.Add(time.Minute)}))
	require.Error(t, e.ws.AddDataAsset(emulator.DataAsset{Name: "heart-data", Version: "1", Type: "uri_folder", Path: "azureml://datastores/workspaceblobstore/paths/other/"}))

	// Latest = most recently created, not the highest version.
	r := e.arm(http.MethodGet, "/data/heart-data/versions", nil, "$orderBy="+url.QueryEscape("createdtime desc"), "$top=1")
	require.Equal(t, 200, r.status, "%s", r.body)
	vals := r.json(t)["value"].([]any)
	require.Len(t, vals, 1)
	v := vals[0].(map[string]any)
	assert.Equal(t, "3", v["name"])
	assert.Equal(t, e.ws.DataVersionID("heart-data", "3"), v["id"])
	assert.Equal(t, "Microsoft.MachineLearningServices/workspaces/data/versions", v["type"])
	assert.Equal(t, "uri_folder", dig(v, "properties", "dataType"))
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/v3/", dig(v, "properties", "dataUri"))
	assert.NotContains(t, r.json(t), "nextLink")

	// Paging with count.
	r = e.arm(http.MethodGet, "/data/heart-data/versions", nil, "$orderBy=createdtime+asc", "count=2")
	m := r.json(t)
	require.Len(t, m["value"], 2)
	assert.Equal(t, "1", dig(m["value"].([]any)[0].(map[string]any), "name"))
	next, _ := m["nextLink"].(string)
	require.NotEmpty(t, next)
	r = e.do(http.MethodGet, next, emulator.AudienceARM, nil, nil)
	m = r.json(t)
	require.Len(t, m["value"], 1)
	assert.Equal(t, "3", dig(m["value"].([]any)[0].(map[string]any), "name"))

	// Unknown name lists nothing.
	assert.Empty(t, e.arm(http.MethodGet, "/data/nope/versions", nil).json(t)["value"])

	r = e.arm(http.MethodGet, "/data/heart-data/versions/2", nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "2", r.json(t)["name"])

	r = e.arm(http.MethodGet, "/data/heart-data", nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "3", dig(r.json(t), "properties", "latestVersion"))
	assert.Equal(t, "4", dig(r.json(t), "properties", "nextVersion"))
	assert.Len(t, e.arm(http.MethodGet, "/data", nil).json(t)["value"], 1)

	// PUT creates (201), repeats (200), conflicts on a changed dataUri (409).
	put := map[string]any{"properties": map[string]any{"dataType": "uri_folder", "dataUri": "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/data/", "description": "d"}}
	r = e.arm(http.MethodPut, "/data/new-data/versions/1", put)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	assert.Equal(t, "d", dig(r.json(t), "properties", "description"))
	r = e.arm(http.MethodPut, "/data/new-data/versions/1", put)
	require.Equal(t, http.StatusOK, r.status)
	put["properties"].(map[string]any)["dataUri"] = "azureml://datastores/workspaceblobstore/paths/elsewhere/"
	r = e.arm(http.MethodPut, "/data/new-data/versions/1", put)
	require.Equal(t, http.StatusConflict, r.status)
	a, ok := e.ws.DataAsset("new-data", "latest")
	require.True(t, ok)
	assert.Equal(t, "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/data/", a.Path)

	// PUT validation.
	for name, b := range map[string]any{
		"bad type":          map[string]any{"properties": map[string]any{"dataType": "folder", "dataUri": "azureml://datastores/workspaceblobstore/paths/x/"}},
		"unknown datastore": map[string]any{"properties": map[string]any{"dataType": "uri_folder", "dataUri": "azureml://datastores/nope/paths/x/"}},
		"no properties":     map[string]any{},
		"local path":        map[string]any{"properties": map[string]any{"dataType": "uri_folder", "dataUri": "./data"}},
	} {
		r := e.arm(http.MethodPut, "/data/bad/versions/1", b)
		assert.GreaterOrEqual(t, r.status, 400, name)
		code, _ := r.errCode(t)
		assert.Equal(t, "UserError", code, name)
	}
}

func TestARMDatastores(t *testing.T) {
	e := newEnv(t, envOpts{})
	r := e.arm(http.MethodGet, "/datastores", nil, "isDefault=true")
	require.Equal(t, 200, r.status)
	vals := r.json(t)["value"].([]any)
	require.Len(t, vals, 1)
	d := vals[0].(map[string]any)
	assert.Equal(t, "workspaceblobstore", d["name"])
	assert.Equal(t, e.ws.DatastoreID("workspaceblobstore"), d["id"])
	p := d["properties"].(map[string]any)
	assert.Equal(t, "AzureBlob", p["datastoreType"])
	assert.Equal(t, true, p["isDefault"])
	assert.Equal(t, "devstoreaccount1", p["accountName"])
	assert.Equal(t, e.container, p["containerName"])
	assert.Equal(t, "core.windows.net", p["endpoint"])
	assert.Equal(t, "https", p["protocol"])
	assert.Equal(t, "AccountKey", dig(p, "credentials", "credentialsType"))

	assert.Len(t, e.arm(http.MethodGet, "/datastores", nil).json(t)["value"], 4)
	assert.Len(t, e.arm(http.MethodGet, "/datastores", nil, "isDefault=false").json(t)["value"], 3)

	m := e.arm(http.MethodGet, "/datastores/gen2", nil).json(t)
	assert.Equal(t, "AzureDataLakeGen2", dig(m, "properties", "datastoreType"))
	assert.Equal(t, e.container+"-g", dig(m, "properties", "filesystem"))
	m = e.arm(http.MethodGet, "/datastores/files", nil).json(t)
	assert.Equal(t, "AzureFile", dig(m, "properties", "datastoreType"))

	r = e.arm(http.MethodPost, "/datastores/workspaceblobstore/listSecrets", nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "AccountKey", r.json(t)["secretsType"])
	assert.NotEmpty(t, r.json(t)["key"])

	// Moving the default.
	ds, _ := e.ws.Datastore("otherblob")
	ds.Default = true
	require.NoError(t, e.ws.AddDatastore(ds))
	vals = e.arm(http.MethodGet, "/datastores", nil, "isDefault=true").json(t)["value"].([]any)
	require.Len(t, vals, 1)
	assert.Equal(t, "otherblob", vals[0].(map[string]any)["name"])
}

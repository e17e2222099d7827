package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/jmespath/go-jmespath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// query runs each JMESPath query on dict's JSON, as --query and jq do.
func query(t *testing.T, dict map[string]any, want map[string]any) {
	t.Helper()
	b, err := json.Marshal(dict)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	for q, w := range want {
		got, err := jmespath.Search(q, v)
		require.NoError(t, err)
		assert.Equal(t, w, got, q)
	}
}

// The printed endpoints, deployments and data assets have az ml's field
// names, which scripts query.
func TestResourceDictFieldNames(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	sd := batchendpoint.SystemData{CreatedAt: created, CreatedBy: "someone", CreatedByType: "User"}
	i32 := func(n int32) *int32 { return &n }
	i64 := int64(10)
	tests := []struct {
		name string
		dict map[string]any
		want map[string]any
	}{
		{name: "endpoint", dict: endpointDict(batchendpoint.Endpoint{Name: "ep", ID: "/e/ep", ScoringURI: "https://s/jobs",
			DefaultDeployment: "dep", AuthMode: "AADToken", ProvisioningState: "Succeeded", OpenAPIURI: "https://s/swagger.json",
			Identity: &batchendpoint.ManagedIdentity{Type: "SystemAssigned", PrincipalID: "p"}, SystemData: sd}),
			want: map[string]any{"id": "/e/ep", "name": "ep", "scoring_uri": "https://s/jobs", "defaults.deployment_name": "dep",
				"auth_mode": "aad_token", "provisioning_state": "Succeeded", "openapi_uri": "https://s/swagger.json",
				"identity.type": "SystemAssigned", "identity.principal_id": "p", "description": nil, "tags": map[string]any{}}},
		{name: "endpoint being created", dict: endpointDict(batchendpoint.Endpoint{Name: "ep", ProvisioningState: "Creating"}),
			want: map[string]any{"scoring_uri": nil, "defaults.deployment_name": "", "identity": nil}},
		{name: "model deployment", dict: deploymentDict(batchendpoint.Deployment{Name: "d", Endpoint: "ep", ID: "/e/ep/deployments/d",
			Kind: batchendpoint.DeploymentKindModel, Compute: "/c/cpu", Model: &batchendpoint.AssetReference{ReferenceType: "Id", AssetID: "/m/1"},
			MiniBatchSize: &i64, Resources: &batchendpoint.DeploymentResources{InstanceCount: i32(2)},
			RetrySettings: &batchendpoint.RetrySettings{MaxRetries: i32(3), Timeout: "PT30S"}, OutputAction: "AppendRow"}),
			want: map[string]any{"id": "/e/ep/deployments/d", "name": "d", "endpoint_name": "ep", "type": "model", "compute": "/c/cpu",
				"model.asset_id": "/m/1", "mini_batch_size": 10.0, "resources.instance_count": 2.0, "retry_settings.max_retries": 3.0,
				"retry_settings.timeout": "PT30S", "output_action": "AppendRow", "component": nil}},
		{name: "pipeline deployment", dict: deploymentDict(batchendpoint.Deployment{Name: "p", Endpoint: "ep", Kind: batchendpoint.DeploymentKindPipelineComponent,
			Component: &batchendpoint.AssetReference{ReferenceType: "Id", AssetID: "azureml:prepros:1"}, Settings: map[string]string{"default_x": "1"}}),
			want: map[string]any{"type": "pipeline", "component": "azureml:prepros:1", "settings.default_x": "1", "model": nil}},
		{name: "data asset", dict: dataContainerDict(batchendpoint.DataAssetContainer{Name: "heart-data", ID: "/d/heart-data", LatestVersion: "3", SystemData: sd}),
			want: map[string]any{"id": "/d/heart-data", "name": "heart-data", "latest_version": "3", "description": nil,
				"creation_context.created_at": "2026-01-02T03:04:05.0000006Z", "creation_context.created_by": "someone",
				"creation_context.created_by_type": "User", "creation_context.last_modified_by": nil}},
		{name: "workspace job", dict: jobDict(batchendpoint.JobDetails{Name: "j", JobType: "Command"}),
			want: map[string]any{"name": "j", "type": "command"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { query(t, tc.dict, tc.want) })
	}
}

package batchendpoint_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// TestInvalidTagsAndProperties: tags, properties and descriptions that Azure
// would refuse, or that the jobs list could not filter on, fail offline with
// an error naming the key.
func TestInvalidTagsAndProperties(t *testing.T) {
	url := inputs.StorageURL(heartURL)
	pipe := batchendpoint.DeploymentKindPipelineComponent
	many := map[string]string{}
	for i := range batchendpoint.MaxJobTags + 1 {
		many[fmt.Sprintf("t%02d", i)] = "v"
	}
	cases := []struct {
		name  string
		req   batchendpoint.InvokeRequest
		field string
		want  string
	}{
		{"too many tags", batchendpoint.InvokeRequest{Input: url, Tags: many}, "tags", "at most 49"},
		{"empty tag name", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{" ": "v"}}, "tags", "empty"},
		{"tag name too long", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{strings.Repeat("k", 513): "v"}}, "", "longer than 512"},
		{"tag value too long", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"k": strings.Repeat("v", 257)}}, "tags.k", "longer than 256"},
		{"slash in tag name", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"a/b": "v"}}, "tags.a/b", "does not allow"},
		{"percent in tag name", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"a%b": "v"}}, "tags.a%b", "does not allow"},
		{"equals in tag name", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"a=b": "v"}}, "tags.a=b", "may not hold ="},
		{"comma in tag name", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"a,b": "v"}}, "tags.a,b", "may not hold"},
		{"control character in tag value", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"k": "a\nb"}}, "tags.k", "control characters"},
		{"control character in tag name", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"k\x00": "v"}}, `tags.k\x00`, "control characters"},
		{"invalid UTF-8 in tag value", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"k": "\xff"}}, "tags.k", "invalid UTF-8"},
		{"reserved azureml. tag", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"AzureML.batchrun": "x"}}, "tags.AzureML.batchrun", "reserved"},
		{"reserved azmlbatch. tag", batchendpoint.InvokeRequest{Input: url, Tags: map[string]string{"azmlbatch.rid.x": "x"}}, "tags.azmlbatch.rid.x", "reserved"},
		{"reserved property", batchendpoint.InvokeRequest{Inputs: in{"d": url}, Properties: map[string]string{"azureml.runsource": "x"}}, "properties.azureml.runsource", "reserved"},
		{"experimentName property", batchendpoint.InvokeRequest{Inputs: in{"d": url}, Properties: map[string]string{"ExperimentName": "x"}}, "properties.ExperimentName", "InvokeRequest.ExperimentName"},
		{"property value too long", batchendpoint.InvokeRequest{Inputs: in{"d": url}, Properties: map[string]string{"p": strings.Repeat("v", 257)}}, "properties.p", "longer than 256"},
		{"properties on a model deployment", batchendpoint.InvokeRequest{Input: url, DeploymentKind: batchendpoint.DeploymentKindModel, Properties: map[string]string{"p": "v"}}, "properties.p", "pipeline component deployments"},
		{"control character in description", batchendpoint.InvokeRequest{Input: url, Description: "a\x07b"}, "Description", "control characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.req.Validate()
			var ve *batchendpoint.ValidationError
			require.ErrorAs(t, err, &ve)
			if c.field != "" {
				assert.Equal(t, c.field, ve.Field)
			}
			assert.Contains(t, err.Error(), c.want)
		})
	}
	valid := []batchendpoint.InvokeRequest{
		{Input: url, Tags: map[string]string{"team": "risk", "empty": "", "ünïcode": "ok", "dots.and-dashes_": "x"}, Description: "line 1\nline 2\ttab"},
		{Inputs: in{"d": url}, DeploymentKind: pipe, Properties: map[string]string{"batch": "42"}, Tags: map[string]string{"k": "v"}},
	}
	for _, r := range valid {
		assert.NoError(t, r.Validate())
	}
}

// TestTagsInTheBody: tags, description and properties go into the body's
// properties.tags, .description and .properties, next to experimentName.
func TestTagsInTheBody(t *testing.T) {
	w := scaleEnv(t, nil, nil)
	c, ctx := w.Client(), scaleCtx(t)
	_, err := c.Invoke(ctx, "ep-a", batchendpoint.InvokeRequest{Deployment: "pipe-dep", Inputs: in{"n": inputs.String("1")},
		ExperimentName: "exp", Properties: map[string]string{"batch": "7"}, Tags: map[string]string{"team": "a"}, Description: "d"},
		&batchendpoint.InvokeOptions{RepeatabilityID: "my-id.1"})
	require.NoError(t, err)
	var body struct {
		Properties struct {
			Description string            `json:"description"`
			Properties  map[string]string `json:"properties"`
			Tags        map[string]string `json:"tags"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(w.Invocations()[0].Body, &body))
	assert.Equal(t, "d", body.Properties.Description)
	assert.Equal(t, map[string]string{"batch": "7", "experimentName": "exp"}, body.Properties.Properties)
	assert.Equal(t, map[string]string{"team": "a", "azmlbatch.rid.my-id.1": "my-id.1"}, body.Properties.Tags)
	assert.Equal(t, "azmlbatch.rid.my-id.1", batchendpoint.RepeatabilityTagKey("my-id.1"))
	assert.Regexp(t, `^azmlbatch\.rid\.sha256-[0-9a-f]{32}$`, batchendpoint.RepeatabilityTagKey("id/with?odd&chars"))
}

package batchendpoint

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNameRules(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) error
		ok    []string
		bad   []string
		field string
	}{
		{name: "endpoint", check: validateEndpointName, field: "endpoint",
			ok:  []string{"abc", "heart-classifier", "A1-b2", strings.Repeat("e", 32)},
			bad: []string{"", "ab", strings.Repeat("e", 33), "1abc", "abc-", "a_b", "a b", "a/b", "a%2Fb", "abc\n"}},
		{name: "deployment", check: func(s string) error { return validateDeploymentName("Deployment", s) }, field: "Deployment",
			ok:  []string{"xgb", "classifier-xgboost", strings.Repeat("d", 32)},
			bad: []string{"", "ab", "dep_1", "-dep", "dep-", "my deployment", "dep\r\nX: 1", "dép"}},
		{name: "experiment", check: validateExperimentName, field: "ExperimentName",
			ok:  []string{"e", "my-batch-job-experiment", "Exp_1", "1exp", strings.Repeat("e", 255)},
			bad: []string{"", "a/b", "my experiment", "wow!", "-lead", "_lead", strings.Repeat("e", 256), "a.b", "ünï"}},
		{name: "job name", check: validateJobName, field: "JobName",
			ok:  []string{"j", "nightly scoring 2024-05-01", "ünïcode ok", strings.Repeat("x", 255)},
			bad: []string{"a\nb", "a\rb", "a\tb", "a\x00", " lead", "trail ", "  ", strings.Repeat("x", 256), "a\u2028b", "a\u200bb", "\xff"}},
		{name: "repeatability id", check: validateRepeatabilityID, field: "InvokeOptions.RepeatabilityID",
			ok:  []string{"", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "retry_1:2"},
			bad: []string{"a b", "a\r\nX-Evil: 1", "é", strings.Repeat("r", 256), "\x7f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.ok {
				assert.NoError(t, tt.check(s), "%q", s)
			}
			for _, s := range tt.bad {
				err := tt.check(s)
				var ve *ValidationError
				require.True(t, errors.As(err, &ve), "%q accepted", s)
				assert.Equal(t, tt.field, ve.Field)
				assert.NotEmpty(t, ve.Fix)
				assert.NotContains(t, err.Error(), "\n", "an error line must not carry the input's line break")
			}
		})
	}
}

func TestExperimentNameFixSuggestsValidName(t *testing.T) {
	var ve *ValidationError
	require.ErrorAs(t, validateExperimentName("my batch/experiment!"), &ve)
	assert.Equal(t, "use my-batch-experiment", ve.Fix)
	require.NoError(t, validateExperimentName("my-batch-experiment"))
}

func TestWorkspaceNameRules(t *testing.T) {
	good := Workspace{SubscriptionID: "00000000-0000-0000-0000-000000000000", ResourceGroup: "rg.(prod)_1-ü", Name: "my-ws_1"}
	require.NoError(t, validateWorkspaceNames(good))
	for field, w := range map[string]Workspace{
		"Workspace.SubscriptionID": {SubscriptionID: "sub id", ResourceGroup: "rg", Name: "wsp"},
		"Workspace.ResourceGroup":  {SubscriptionID: "s", ResourceGroup: "rg.", Name: "wsp"},
		"Workspace.Name":           {SubscriptionID: "s", ResourceGroup: "rg", Name: "ws"},
	} {
		var ve *ValidationError
		require.ErrorAs(t, validateWorkspaceNames(w), &ve, field)
		assert.Equal(t, field, ve.Field)
	}
	var ve *ValidationError
	require.ErrorAs(t, validateWorkspaceNames(Workspace{SubscriptionID: "s", ResourceGroup: strings.Repeat("r", 91), Name: "wsp"}), &ve)
	require.ErrorAs(t, validateWorkspaceNames(Workspace{SubscriptionID: "s", ResourceGroup: "rg", Name: "-wsp"}), &ve)
}

func TestValidateChecksJobAndExperimentNames(t *testing.T) {
	in := InvokeRequest{JobName: "two\nlines", Inputs: nil}
	var ve *ValidationError
	require.ErrorAs(t, in.Validate(), &ve)
	assert.Equal(t, "JobName", ve.Field)
	in = InvokeRequest{ExperimentName: "a/b"}
	require.ErrorAs(t, in.Validate(), &ve)
	assert.Equal(t, "ExperimentName", ve.Field)
	in = InvokeRequest{Deployment: "dep_1"}
	require.ErrorAs(t, in.Validate(), &ve)
	assert.Equal(t, "Deployment", ve.Field)
}

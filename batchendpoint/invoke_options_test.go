package batchendpoint_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// TestInvokeValidateStage: options and client modes that cannot work are
// refused by the validate stage, before any request.
func TestInvokeValidateStage(t *testing.T) {
	w := clientEnv(t)
	url := inputs.StorageURL(heartURL)
	ownStore := w.DatastoreID(fake.DefaultDatastore)
	cases := []struct {
		name      string
		dataPlane bool
		req       batchendpoint.InvokeRequest
		opts      batchendpoint.InvokeOptions
		field     string // "": accepted, the POST is sent
	}{
		{name: "repeatability id with a space", req: batchendpoint.InvokeRequest{Input: url},
			opts: batchendpoint.InvokeOptions{RepeatabilityID: "a b"}, field: "InvokeOptions.RepeatabilityID"},
		{name: "repeatability id with a line break", req: batchendpoint.InvokeRequest{Input: url},
			opts: batchendpoint.InvokeOptions{RepeatabilityID: "id\r\nX-Injected: 1"}, field: "InvokeOptions.RepeatabilityID"},
		{name: "repeatability id too long", req: batchendpoint.InvokeRequest{Input: url},
			opts: batchendpoint.InvokeOptions{RepeatabilityID: strings.Repeat("a", 256)}, field: "InvokeOptions.RepeatabilityID"},
		{name: "data-plane only without a scoring URI", dataPlane: true, req: batchendpoint.InvokeRequest{Input: url},
			field: "InvokeOptions.ScoringURI"},
		{name: "data-plane only with a data asset by label", dataPlane: true,
			req:  batchendpoint.InvokeRequest{Input: inputs.DataAsset("heart-data", "latest")},
			opts: batchendpoint.InvokeOptions{ScoringURI: w.ScoringURI(e2eModelEP)}, field: "ClientOptions.DataPlaneOnly"},
		{name: "data-plane only with an output datastore by name", dataPlane: true,
			req:  batchendpoint.InvokeRequest{Input: url, Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore("workspaceblobstore", "x/p.csv").File()}},
			opts: batchendpoint.InvokeOptions{ScoringURI: w.ScoringURI(e2eModelEP)}, field: "ClientOptions.DataPlaneOnly"},
		{name: "data-plane only with an output datastore by id", dataPlane: true,
			req:  batchendpoint.InvokeRequest{Input: url, Outputs: map[string]outputs.DataOutput{"score": outputs.Datastore(ownStore, "x/p.csv").File()}},
			opts: batchendpoint.InvokeOptions{ScoringURI: w.ScoringURI(e2eModelEP)}},
		{name: "a 128-character repeatability id", req: batchendpoint.InvokeRequest{Input: url},
			opts: batchendpoint.InvokeOptions{RepeatabilityID: strings.Repeat("a", 128)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := w.ClientOptions()
			o.DataPlaneOnly = tc.dataPlane
			c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), o)
			require.NoError(t, err)
			w.ClearRequests()
			_, err = c.Invoke(context.Background(), e2eModelEP, tc.req, &tc.opts)
			if tc.field == "" {
				require.NoError(t, err)
				assert.Equal(t, 1, w.RequestCount(fake.RouteInvoke), "the POST")
				return
			}
			var ve *batchendpoint.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.NotEmpty(t, ve.Fix)
			assert.NotContains(t, err.Error(), "\n")
			assert.Zero(t, w.RequestCount(), "no request")
		})
	}
}

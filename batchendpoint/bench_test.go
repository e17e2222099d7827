package batchendpoint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// BenchmarkInvoke measures one Invoke with a warm endpoint cache: encode, one
// POST through the azcore pipeline (bearer, telemetry, logging policies), decode.
// Compare with BenchmarkRawPOST, the same POST with plain net/http.
func BenchmarkInvoke(b *testing.B) {
	f := startBenchService()
	b.Cleanup(f.close)
	c, err := batchendpoint.NewClient(testWorkspace, scopeCred{}, f.options())
	require.NoError(b, err)
	req := batchendpoint.InvokeRequest{Deployment: "classifier-xgboost", Input: inputs.StorageURL(heartURL)}
	ctx := context.Background()
	_, err = c.Invoke(ctx, "heart-classifier", req, nil) // warm the cache and the connection
	require.NoError(b, err)
	f.mu.Lock()
	f.infReqs = nil
	f.mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Invoke(ctx, "heart-classifier", req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawPOST is the baseline: the same body and headers POSTed with net/http
// to the same server, the 201 body read and decoded into a map.
func BenchmarkRawPOST(b *testing.B) {
	f := startBenchService()
	b.Cleanup(f.close)
	hc := f.arm.Client()
	body := []byte(`{"properties":{"inputData":{"UriFolder":{"uri":"` + heartURL + `","jobInputType":"UriFolder"}}}}`)
	do := func() error {
		r, err := http.NewRequest(http.MethodPost, f.scoringURI(), bytes.NewReader(body))
		if err != nil {
			return err
		}
		r.Header.Set("Authorization", "Bearer tok:https://ml.azure.com/.default")
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("azureml-model-deployment", "classifier-xgboost")
		r.Header.Set("repeatability_request-id", "3f2b1c1e-0c7a-4d6e-9a51-2b7f1f0e9c11")
		resp, err := hc.Do(r)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var v map[string]any
		return json.Unmarshal(b, &v)
	}
	require.NoError(b, do())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := do(); err != nil {
			b.Fatal(err)
		}
	}
}

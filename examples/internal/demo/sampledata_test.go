package demo

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// The stand-in for azuremlexampledata answers at the public account's own
// address, anonymously, read-only, and jobs read it as they read the real one.
func TestSampleDataStandIn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	l, err := StartLocal(ctx, &LocalOptions{StepDelay: -1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	hc := l.Server.HTTPClient()

	get := func(method, u string) (int, string, http.Header) {
		req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(""))
		require.NoError(t, err)
		req.Header.Set("x-ms-version", "2021-08-06")
		req.Header.Set("x-ms-blob-type", "BlockBlob")
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b), resp.Header
	}
	tests := []struct {
		name, method, url string
		status            int
		check             func(t *testing.T, body string, h http.Header)
	}{
		{"file, anonymous", http.MethodGet, SampleFolderURL + "/" + SampleFile, http.StatusOK, func(t *testing.T, body string, h http.Header) {
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			require.NoError(t, err)
			assert.Equal(t, HeartColumns, recs[0])
			assert.Len(t, recs, SampleRows+1)
			assert.Equal(t, "true", h.Get("x-ms-meta-synthetic"), "labelled synthetic")
		}},
		{"folder listing, anonymous", http.MethodGet, "https://" + SampleAccount + ".blob.core.windows.net/" + SampleContainer + "?restype=container&comp=list&prefix=" + SampleFolder + "/",
			http.StatusOK, func(t *testing.T, body string, _ http.Header) {
				assert.Contains(t, body, "<Name>"+SampleFolder+"/"+SampleFile+"</Name>")
			}},
		{"anonymous write refused", http.MethodPut, SampleFolderURL + "/evil.csv", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body, h := get(tc.method, tc.url)
			if tc.status == 0 {
				assert.GreaterOrEqual(t, code, 400, body)
				return
			}
			require.Equal(t, tc.status, code, body)
			tc.check(t, body, h)
		})
	}

	client, err := l.NewClient()
	require.NoError(t, err)
	for _, in := range []inputs.Input{inputs.StorageURL(SampleFolderURL), inputs.StorageURL(SampleFolderURL + "/" + SampleFile).File()} {
		job, err := client.Invoke(ctx, Endpoint, batchendpoint.InvokeRequest{Input: in}, nil)
		require.NoError(t, err)
		d, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: 10 * time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, batchendpoint.JobStatusCompleted, d.Status)
		info, ok := l.Server.Job(d.Name)
		require.True(t, ok)
		assert.Equal(t, 1, info.MiniBatches, "one mini-batch: the job read heart.csv alone")
		assert.Zero(t, info.FailedMiniBatches)
	}
}

package batchendpoint

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testSAS = "https://acct.blob.core.windows.net/data/heart.csv?sv=2024-01-01&sr=c&sig=S3CR3T%2Bsig%3D"

func TestJobInputFormatRedactsSAS(t *testing.T) {
	in := JobInput{Kind: "uri_file", URI: testSAS, Mode: "ReadOnlyMount"}
	d := JobDetails{Name: "batchjob-1", Inputs: map[string]JobInput{"UriFile": in}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{in, d, &d} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "S3CR3T", verb)
			assert.Contains(t, out, "acct.blob.core.windows.net", verb)
		}
	}
	assert.Contains(t, fmt.Sprintf("%+v", in), "URI:https://acct.blob.core.windows.net/data/heart.csv?sv=2024-01-01&sr=c&sig=REDACTED")
	assert.Equal(t, testSAS, in.URI, "the field keeps the value")
}

func TestFailedJobResponseErrorRedactsSAS(t *testing.T) {
	// The job body as the service sends it: & escaped as \u0026 by its JSON encoder.
	body := `{"name":"batchjob-1","properties":{"status":"Failed","inputs":{"UriFile":{"uri":"` +
		strings.ReplaceAll(testSAS, "&", `\u0026`) + `"}}}}`
	req, err := http.NewRequest(http.MethodGet, "https://management.azure.com/jobs/batchjob-1", nil)
	require.NoError(t, err)
	resp := &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
	h := &jobHandler{Name: "batchjob-1", Status: JobStatusFailed, lastResp: resp,
		details: JobDetails{Name: "batchjob-1", Status: JobStatusFailed, Error: &JobError{Code: "UserError", Message: "bad file"}}}
	var d JobDetails
	err = h.Result(context.Background(), &d)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "UserError", re.ErrorCode)
	msg := fmt.Sprintf("%v %+v", err, re)
	assert.NotContains(t, msg, "S3CR3T")
	assert.Contains(t, msg, "sig=REDACTED")
	// The original response is untouched for whoever else reads it.
	b, err := runtime.Payload(resp)
	require.NoError(t, err)
	assert.Contains(t, string(b), "S3CR3T")
}

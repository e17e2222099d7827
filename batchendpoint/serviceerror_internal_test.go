package batchendpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServiceErrorRedactsEveryEncoding: an error body echoing a SAS URL raw,
// JSON-escaped, percent-encoded and double-encoded, a token and an account key
// becomes a *azcore.ResponseError that prints none of them and keeps its code.
func TestServiceErrorRedactsEveryEncoding(t *testing.T) {
	const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	msg := "bad " + testSAS + " | " + url.QueryEscape(testSAS) + " | " + url.QueryEscape(url.QueryEscape(testSAS)) +
		" | Authorization: Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.c2lnbmF0dXJl | key " + key
	body, err := json.Marshal(map[string]any{"error": map[string]any{"code": "UserError", "message": msg}})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "https://user:pw0rd@h.example/x?sig=S3CR3T&api-version=1", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.c2lnbmF0dXJl")
	resp := &http.Response{StatusCode: 400, Status: "400 Bad Request", Request: req,
		Header: http.Header{"Content-Type": {"application/json"}, "X-Echo": {testSAS}, "Set-Cookie": {"s=1"}},
		Body:   io.NopCloser(strings.NewReader(string(body)))}

	err = serviceError(resp)
	var re *azcore.ResponseError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, "UserError", re.ErrorCode)
	assert.Equal(t, 400, re.StatusCode)
	printed := strings.Join([]string{err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err),
		fmt.Sprintf("%v", re.RawResponse.Header), fmt.Sprintf("%v", re.RawResponse.Request.Header), re.RawResponse.Request.URL.String()}, "\n")
	for _, s := range []string{"S3CR3T", url.QueryEscape("S3CR3T"), "eyJhdWQiOiJ4In0", key[:20], "pw0rd"} {
		assert.NotContains(t, printed, s)
	}
	assert.Contains(t, err.Error(), "sig=REDACTED")
	assert.NotContains(t, re.RawResponse.Header, "Set-Cookie")
	b, err := runtime.Payload(re.RawResponse)
	require.NoError(t, err)
	assert.True(t, json.Valid(b), "the redacted body is still JSON")

	// The response itself is untouched for whoever else reads it.
	orig, err := runtime.Payload(resp)
	require.NoError(t, err)
	assert.Equal(t, string(body), string(orig))
	assert.Equal(t, testSAS, resp.Header.Get("X-Echo"))
	assert.NotEmpty(t, req.Header.Get("Authorization"))
}

func TestJobDetailsFormatRedacts(t *testing.T) {
	d := JobDetails{Name: "batchjob-1", Status: JobStatusFailed,
		Tags:       map[string]string{"src": testSAS},
		Properties: map[string]string{"note": "cannot open " + testSAS},
		Error:      &JobError{Code: "UserError", Message: "cannot open " + testSAS, Details: []JobError{{Code: "Inner", Message: testSAS}}},
		Inputs:     map[string]JobInput{"note": {Kind: "string", Value: "read " + testSAS}},
		Outputs:    map[string]JobOutput{"score": {Kind: "uri_file", URI: testSAS}}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{d, &d, d.Error, *d.Error, &JobFailedError{Job: d, Code: "UserError"}} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "S3CR3T", "%s of %T", verb, v)
		}
	}
	assert.Contains(t, fmt.Sprintf("%+v", d), "batchjob-1")
	assert.Contains(t, fmt.Sprintf("%+v", d), "Error:{Code:UserError Message:cannot open", "the error prints as a struct, not a pointer")
	assert.Contains(t, fmt.Sprintf("%+v", d), "Details:[{Code:Inner")
	assert.Contains(t, d.Tags["src"], "S3CR3T", "the fields keep their values")
}

// TestJobFailedErrorFormatRedacts: a failure message that reached the error
// unredacted (from a job's properties.error) still prints redacted.
func TestJobFailedErrorFormatRedacts(t *testing.T) {
	e := &JobFailedError{Job: JobDetails{Name: "batchjob-1", Status: JobStatusFailed}, Code: "UserError", Message: "cannot open " + testSAS}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(verb, e)
		assert.NotContains(t, out, "S3CR3T", verb)
	}
	assert.Contains(t, fmt.Sprintf("%v", e), "batch job batchjob-1 ended Failed (UserError): cannot open https://acct.blob.core.windows.net/data/heart.csv?sv=2024-01-01&sr=c&sig=REDACTED")
	assert.Contains(t, fmt.Sprintf("%#v", e), `&batchendpoint.JobFailedError{Job:`)
	var nilErr *JobFailedError
	assert.Equal(t, "<nil>", fmt.Sprintf("%v", nilErr))
}

func TestWithoutBodyLogging(t *testing.T) {
	var o ClientOptions
	o.Logging.IncludeBody = true
	o.Logging.AllowedHeaders = []string{"x-a"}
	got := withoutBodyLogging(o)
	assert.False(t, got.Logging.IncludeBody)
	assert.Equal(t, []string{"x-a"}, got.Logging.AllowedHeaders, "the rest of the logging options stay")
	assert.True(t, o.Logging.IncludeBody, "the caller's options are not changed")
}

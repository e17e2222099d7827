package batchendpoint

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// serviceError is runtime.NewResponseError over a redacted copy of resp: service
// validation errors echo the request's inputs (AttemptedValue), SAS URLs included,
// and azcore logs the error text (log.EventResponseError) as it builds it.
func serviceError(resp *http.Response) error {
	return runtime.NewResponseError(redactResponse(resp))
}

// redactResponse returns a copy of resp fit to keep in an error: the body
// passed through redact.String, which keeps JSON valid so azcore still finds the
// error code; header values redacted; and a Request copy without its
// Authorization header, body or secret query values. resp itself is untouched.
func redactResponse(resp *http.Response) *http.Response {
	c := *resp
	body, err := runtime.Payload(resp)
	if err != nil {
		body = nil // unreadable: an error without a body rather than an unredacted one
	}
	red := redact.String(string(body))
	c.Body, c.ContentLength = io.NopCloser(strings.NewReader(red)), int64(len(red))
	c.Header = redactHeader(resp.Header)
	c.Trailer = nil
	if r := resp.Request; r != nil {
		rc := r.Clone(r.Context())
		rc.Body, rc.GetBody = nil, nil
		rc.Header = redactHeader(r.Header)
		if u, err := url.Parse(redact.String(r.URL.String())); err == nil {
			rc.URL = u
		} else {
			rc.URL.RawQuery, rc.URL.User = "", nil
		}
		c.Request = rc
	}
	return &c
}

// redactHeader copies h without credential headers and with values redacted.
func redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Ms-Encryption-Key":
			continue
		}
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = redact.String(v)
		}
		out[k] = c
	}
	return out
}

// Format prints the error redacted for every verb, %#v included: Code and
// Message are service text that may quote a secret, whichever way the service
// reported them.
func (e *JobFailedError) Format(f fmt.State, verb rune) {
	switch {
	case e == nil:
		_, _ = io.WriteString(f, "<nil>")
	case verb == 'v' && f.Flag('#'):
		fmt.Fprintf(f, "&batchendpoint.JobFailedError{Job:%#v, Code:%q, Message:%q}", e.Job, redact.String(e.Code), redact.String(e.Message))
	default:
		_, _ = io.WriteString(f, redact.String(e.Error()))
	}
}

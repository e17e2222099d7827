package batchendpoint

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// notAJobError is a 200 answer to a job GET whose body is not a job (not JSON,
// or no status): a proxy's page, a wrong host. Polling again would get the same.
type notAJobError struct {
	resp *http.Response
	err  error
}

func (e *notAJobError) Error() string {
	// The body is not shown: a job's body echoes its inputs, SAS URLs included.
	return fmt.Sprintf("the job GET answered %d with a body that is not a job (Content-Type %q): %v; check the endpoint's host (ClientOptions.Cloud, a proxy)",
		e.resp.StatusCode, e.resp.Header.Get("Content-Type"), e.err)
}

func (e *notAJobError) Unwrap() error { return e.err }

// transient reports polling failures worth another poll: the connection's, and
// the statuses with which the service says "try again" (408, 429, 500, 502,
// 503, 504). Call it only while the caller's ctx is live.
func transient(err error) bool {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var nj *notAJobError
	switch {
	case errors.As(err, &nj), errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true // a try's timeout (ClientOptions.Retry.TryTimeout), the caller's ctx being live
	}
	return networkError(err)
}

// networkError reports a failure of the connection that may heal: refused,
// reset, closed mid-answer, timed out. Certificate and TLS protocol failures
// don't heal by waiting.
func networkError(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		hn x509.HostnameError
		ci x509.CertificateInvalidError
		rh tls.RecordHeaderError
		op *net.OpError
	)
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &rh) {
		return false
	}
	if errors.As(err, &op) && op.Op == "remote error" { // a TLS alert from the server
		return false
	}
	for _, e := range []error{io.EOF, io.ErrUnexpectedEOF, syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT} {
		if errors.Is(err, e) {
			return true
		}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	// *url.Error is a net.Error whatever it wraps (an unsupported scheme too):
	// look at what it wraps.
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	return errors.As(err, &ne)
}

package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
)

// InProcessTransport returns an http.RoundTripper that serves requests for the
// emulator's two URLs directly from its handlers, without TLS or sockets, for
// fast unit tests. Behaviour is the same as over the network, except that a
// connection-reset fault surfaces as an error wrapping syscall.ECONNRESET.
// Requests for other hosts fail, and so does every request after Close (with
// an error wrapping syscall.ECONNREFUSED, as a closed listener answers).
func (s *Server) InProcessTransport() http.RoundTripper { return inProcess{s} }

type inProcess struct{ s *Server }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	var h http.Handler
	switch {
	case "https://"+req.URL.Host == t.s.armURL:
		h = t.s.armSrv.Handler
	case "https://"+req.URL.Host == t.s.infURL:
		h = t.s.infSrv.Handler
	default:
		return nil, fmt.Errorf("emulator in-process transport: unknown host %q", req.URL.Host)
	}
	t.s.mu.Lock()
	closed := t.s.closed
	t.s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("emulator in-process transport: %w", errors.Join(errClosed, syscall.ECONNREFUSED))
	}
	if !strings.EqualFold(req.URL.Scheme, "https") {
		return nil, fmt.Errorf("emulator in-process transport: scheme %q, want https", req.URL.Scheme)
	}
	sreq := req.Clone(req.Context())
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:1"
	sreq.Host = req.URL.Host
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	aborted := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				if r != http.ErrAbortHandler {
					panic(r)
				}
				aborted = true
			}
		}()
		h.ServeHTTP(rec, sreq)
	}()
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if aborted {
		return nil, fmt.Errorf("emulator in-process transport: %w", errors.Join(errReset, syscall.ECONNRESET))
	}
	res := rec.Result()
	res.Request = req
	return res, nil
}

var (
	errReset  = errors.New("connection reset by injected fault")
	errClosed = errors.New("the emulator is closed")
)

package emulator

import (
	"net/http"
	"net/url"
	"time"
)

// Request is a request the emulated workspace received. The Authorization header is
// redacted; the token's audience is in Audience.
type Request struct {
	// Route is the kind of request.
	Route Route
	// Method and URL (scheme, host, path and query) of the request.
	Method, URL string
	// Query is the parsed query of URL (e.g. the filters of a job list).
	Query url.Values
	// Header holds the request headers.
	Header http.Header
	// Body is the request body (its first MiB).
	Body []byte
	// Audience is the bearer token's audience, e.g. https://ml.azure.com.
	Audience string
	// Status is the response status; 0 when the connection was reset or the
	// response is still being written.
	Status int
	// ResponseHeader holds the response headers (e.g. the ARM rate-limit
	// headers); nil while the response is being written.
	ResponseHeader http.Header
	// Time is when the request arrived.
	Time time.Time
}

const maxRecordedBody = 1 << 20

func (s *Server) record(name Route, r *http.Request, body []byte, aud string) *Request {
	h := r.Header.Clone()
	if h.Get("Authorization") != "" {
		h.Set("Authorization", "Bearer <redacted>")
	}
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	u := *r.URL
	u.Scheme, u.Host = "https", r.Host
	rr := &Request{Route: name, Method: r.Method, URL: u.String(), Query: r.URL.Query(), Header: h,
		Body: append([]byte(nil), body...), Audience: aud, Time: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rr)
	if n := s.opts.RequestLogLimit; n > 0 && len(s.requests) > n {
		s.requests[len(s.requests)-n-1] = nil
		s.requests = s.requests[len(s.requests)-n:]
	}
	return rr
}

func (s *Server) finishRecord(rr *Request, status int, r *http.Request, h http.Header) {
	s.mu.Lock()
	rr.Status = status
	rr.ResponseHeader = h
	s.mu.Unlock()
	s.logf("%s %s -> %d", r.Method, r.URL.Path, status)
}

// Requests returns the requests received so far, oldest first. With routes it
// returns only requests of those routes.
func (s *Server) Requests(routes ...Route) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, 0, len(s.requests))
	for _, r := range s.requests {
		if len(routes) > 0 {
			found := false
			for _, n := range routes {
				if n == r.Route {
					found = true
					break
				}
			}
			if !found {
				continue
			}
		}
		c := *r
		c.Header = r.Header.Clone()
		c.ResponseHeader = r.ResponseHeader.Clone()
		c.Query = url.Values{}
		for k, v := range r.Query {
			c.Query[k] = append([]string(nil), v...)
		}
		out = append(out, c)
	}
	return out
}

// ClearRequests forgets the recorded requests.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

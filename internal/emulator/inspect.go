package emulator

import (
	"net/http"
	"time"
)

// RecordedRequest is a request the server received. Authorization is redacted;
// the token's audience is kept in Audience.
type RecordedRequest struct {
	Route  Route
	Method string
	// URL is the full request URL (scheme, host, path, query).
	URL      string
	Header   http.Header
	Body     []byte
	Audience string
	// Status is the response status; 0 when the connection was reset or the
	// response is still being written.
	Status int
	Time   time.Time
}

const maxRecordedBody = 1 << 20

func (s *Server) record(name Route, r *http.Request, body []byte, aud string) *RecordedRequest {
	h := r.Header.Clone()
	if h.Get("Authorization") != "" {
		h.Set("Authorization", "Bearer <redacted>")
	}
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	u := *r.URL
	u.Scheme, u.Host = "https", r.Host
	rr := &RecordedRequest{Route: name, Method: r.Method, URL: u.String(), Header: h,
		Body: append([]byte(nil), body...), Audience: aud, Time: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rr)
	return rr
}

func (s *Server) finishRecord(rr *RecordedRequest, status int, r *http.Request) {
	s.mu.Lock()
	rr.Status = status
	s.mu.Unlock()
	s.logf("%s %s -> %d", r.Method, r.URL.Path, status)
}

// Requests returns the requests received so far, oldest first. With routes it
// returns only requests of those routes.
func (s *Server) Requests(routes ...Route) []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, 0, len(s.requests))
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

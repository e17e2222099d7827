package emulator

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// FaultAction is what an injected fault does to a matching request.
type FaultAction int

// Fault actions.
const (
	// FaultAuto answers with Status when it is set, otherwise only delays.
	FaultAuto FaultAction = iota
	// FaultRespond answers with Status (500 when zero), Retry-After and an error
	// body without handling the request: an invoke creates no job.
	FaultRespond
	// FaultResetBefore drops the connection before the request is handled: an
	// invoke creates no job.
	FaultResetBefore
	// FaultResetAfter handles the request (an invoke creates its job) and then
	// drops the connection instead of answering.
	FaultResetAfter
)

// Fault describes requests to disturb. A request matches when it matches every
// non-empty selector (Route, Method, PathContains, PathPattern).
type Fault struct {
	// Route selects requests by route.
	Route Route
	// Method selects requests by HTTP method.
	Method string
	// PathContains selects requests whose URL path contains it, e.g. an endpoint's name.
	PathContains string
	// PathPattern selects requests whose URL path matches this regular expression.
	PathPattern string
	// Times is the number of matching requests affected: 1 when zero, every one
	// (until Remove) when negative.
	Times int
	// Action is what happens; see FaultAction.
	Action FaultAction
	// Delay is waited before the action, or before normal handling.
	Delay time.Duration
	// Status and RetryAfter (seconds or an HTTP date) shape the answer.
	Status     int
	RetryAfter string
	// Body, when set, is sent as is; otherwise an AzureML error body with Code
	// and Message, whose defaults derive from Status.
	Body          string
	Code, Message string
	// Header adds response headers to the answer.
	Header http.Header
}

// FaultHandle is an injected fault.
type FaultHandle struct {
	s    *Server
	f    Fault
	re   *regexp.Regexp
	mu   sync.Mutex
	left int // < 0 = unlimited
	hits int
}

// InjectFault adds a fault. Faults apply to matching requests in the order they
// were added, one fault per request, until each has been used Times times. It
// panics on an invalid PathPattern.
func (s *Server) InjectFault(f Fault) *FaultHandle {
	h := &FaultHandle{s: s, f: f, left: f.Times}
	if f.Times == 0 {
		h.left = 1
	}
	if f.PathPattern != "" {
		h.re = regexp.MustCompile(f.PathPattern)
	}
	s.mu.Lock()
	s.faults = append(s.faults, h)
	s.mu.Unlock()
	return h
}

// Remove withdraws the fault.
func (h *FaultHandle) Remove() {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for i, o := range h.s.faults {
		if o == h {
			h.s.faults = append(h.s.faults[:i], h.s.faults[i+1:]...)
			return
		}
	}
}

// Hits is the number of requests the fault has affected.
func (h *FaultHandle) Hits() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns the first fault matching the request and consumes one use.
func (s *Server) takeFault(name Route, r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < len(s.faults); i++ {
		h := s.faults[i]
		if h.f.Route != "" && h.f.Route != name {
			continue
		}
		if h.f.Method != "" && !strings.EqualFold(h.f.Method, r.Method) {
			continue
		}
		if (h.re != nil && !h.re.MatchString(r.URL.Path)) || !strings.Contains(r.URL.Path, h.f.PathContains) {
			continue
		}
		h.mu.Lock()
		h.hits++
		if h.left > 0 {
			h.left--
		}
		done := h.left == 0
		h.mu.Unlock()
		if done {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		f := h.f
		return &f
	}
	return nil
}

func (f *Fault) effectiveAction() FaultAction {
	if f.Action == FaultAuto {
		if f.Status != 0 || f.Body != "" {
			return FaultRespond
		}
		return FaultAuto
	}
	return f.Action
}

func (f *Fault) respond(w http.ResponseWriter, reqID string) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body := []byte(f.Body)
	if f.Body == "" {
		code, msg := f.Code, f.Message
		if code == "" {
			code = defaultFaultCode(status)
		}
		if msg == "" {
			msg = http.StatusText(status) + " (injected by the emulator)"
		}
		body = (&apiError{status: status, code: code, message: msg, azureML: true}).body(reqID, DefaultLocation)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func defaultFaultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	case http.StatusBadGateway:
		return "BadGateway"
	}
	if status >= 500 {
		return "ServiceError"
	}
	return "UserError"
}

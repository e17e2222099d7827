package emulator

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"strings"
	"time"
)

// Repeatable invoke requests, after the Azure REST API guidelines ("Repeatability
// of requests") and OASIS Repeatable Requests 1.0; see the package documentation
// for the rules and the status codes.

// DefaultRepeatabilityWindow is the tracked time window of repeatable requests
// when Options.RepeatabilityWindow is zero: the guidelines' minimum.
const DefaultRepeatabilityWindow = 5 * time.Minute

// Header names. The batch-endpoint clients send the underscore spelling; the
// guidelines' spelling is accepted too.
const (
	headerRepeatID        = "repeatability_request-id"
	headerRepeatIDStd     = "Repeatability-Request-ID"
	headerRepeatFirstSent = "Repeatability-First-Sent"
	headerRepeatResult    = "Repeatability-Result"
)

// replayedHeaders are the response headers a replay repeats besides the body.
var replayedHeaders = []string{"Content-Type", "azureml-model-deployment", "Location", "Retry-After"}

// repeatEntry tracks one repeatability id on one endpoint. sum and first never
// change; resp is set (under s.mu) before done is closed, and stays nil when the
// first request's answer is not remembered (then the entry is deleted).
type repeatEntry struct {
	sum   [sha256.Size]byte
	first time.Time
	done  chan struct{}
	resp  *savedResponse
}

type savedResponse struct {
	status int
	header http.Header
	body   []byte
}

// requestSum identifies the request for "same request" checks: the body and the
// deployment it addresses (the azureml-model-deployment header; names are
// case-insensitive).
func requestSum(r *http.Request, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(r.Header.Get("azureml-model-deployment"))))
	h.Write([]byte{0})
	h.Write(body)
	var s [sha256.Size]byte
	copy(s[:], h.Sum(nil))
	return s
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	clock := s.clock
	s.mu.Unlock()
	if clock != nil {
		return clock()
	}
	return time.Now()
}

func (s *Server) repeatWindow() time.Duration {
	if s.opts.RepeatabilityWindow > 0 {
		return s.opts.RepeatabilityWindow
	}
	return DefaultRepeatabilityWindow
}

// repeatHeaders reads the repeatability headers. firstSent is zero when the
// header is absent (the batch-endpoint clients do not send it).
func repeatHeaders(r *http.Request) (id string, firstSent time.Time, e *apiError) {
	id = r.Header.Get(headerRepeatID)
	if id == "" {
		id = r.Header.Get(headerRepeatIDStd)
	}
	if id == "" {
		return "", time.Time{}, nil
	}
	if v := r.Header.Get(headerRepeatFirstSent); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return id, time.Time{}, badRequest("The Repeatability-First-Sent header '%s' is not an HTTP date. Send the time the request was first sent in IMF-fixdate form, e.g. '%s', and the same value on every resend.",
				v, time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC).Format(http.TimeFormat))
		}
		firstSent = t
	}
	return id, firstSent, nil
}

// pruneRepeatLocked forgets finished entries older than the window.
func (s *Server) pruneRepeatLocked(now time.Time) {
	w := s.repeatWindow()
	for k, e := range s.repeat {
		if e.resp != nil && now.Sub(e.first) > w {
			delete(s.repeat, k)
		}
	}
}

// invokeRepeatable serves an invoke that carries a repeatability id: the first
// request with the id runs create while later ones wait for it and replay its
// remembered answer.
func (s *Server) invokeRepeatable(c *call, ep *endpointState, id string, firstSent time.Time, create func(*call) *apiError) *apiError {
	now := s.now()
	if !firstSent.IsZero() && now.Sub(firstSent) > s.repeatWindow() {
		c.w.Header().Set(headerRepeatResult, "rejected")
		return userError(http.StatusPreconditionFailed, "RepeatabilityWindowExpired",
			"The request was first sent at "+firstSent.UTC().Format(http.TimeFormat)+" (Repeatability-First-Sent), longer ago than the "+
				s.repeatWindow().String()+" for which requests are tracked: the service cannot tell whether it already ran it, so it was not run. "+
				"List the endpoint's jobs to check for a job with repeatability id '"+id+"', and send a new request with a new repeatability id if there is none.")
	}
	if firstSent.IsZero() {
		firstSent = now
	}
	key := strings.ToLower(ep.cfg.Name) + "|" + id
	sum := requestSum(c.r, c.body)
	for {
		s.mu.Lock()
		s.pruneRepeatLocked(now)
		ent := s.repeat[key]
		if ent == nil {
			ent = &repeatEntry{sum: sum, first: firstSent, done: make(chan struct{})}
			s.repeat[key] = ent
			s.mu.Unlock()
			s.runRepeatable(c, key, ent, create)
			return nil
		}
		s.mu.Unlock()
		if ent.sum != sum {
			c.w.Header().Set(headerRepeatResult, "rejected")
			return userError(http.StatusBadRequest, "RepeatabilityRequestMismatch",
				"Repeatability id '"+id+"' was already used for a different request to batch endpoint '"+ep.cfg.Name+
					"' (another body or azureml-model-deployment header), so this one was not run. Resend the original request unchanged to get its answer, or use a new repeatability id for a new request.")
		}
		select {
		case <-ent.done:
		case <-c.r.Context().Done():
			return nil // the client went away; nothing to answer
		}
		s.mu.Lock()
		resp := ent.resp
		s.mu.Unlock()
		if resp != nil {
			h := c.w.Header()
			for k, vs := range resp.header {
				h[k] = append([]string(nil), vs...)
			}
			h.Set(headerRepeatResult, "accepted")
			c.w.WriteHeader(resp.status)
			_, _ = c.w.Write(resp.body)
			return nil
		}
		// The first request's answer was not remembered (it failed without
		// effect): this one runs as a new first request.
	}
}

// runRepeatable runs create for the reserved entry, writing its answer to the
// client and remembering it unless it is a server error (5xx answers are
// transient conditions such as shutdown, with no effect, and are not replayed).
func (s *Server) runRepeatable(c *call, key string, ent *repeatEntry, create func(*call) *apiError) {
	rec := &recordingWriter{ResponseWriter: c.w}
	orig := c.w
	c.w = rec
	defer func() {
		c.w = orig
		s.mu.Lock()
		if rec.status > 0 && rec.status < 500 {
			ent.resp = &savedResponse{status: rec.status, header: rec.saved, body: rec.buf.Bytes()}
		} else if s.repeat[key] == ent {
			delete(s.repeat, key)
		}
		s.mu.Unlock()
		close(ent.done)
	}()
	rec.Header().Set(headerRepeatResult, "accepted")
	if e := create(c); e != nil {
		c.fail(e)
	}
}

// recordingWriter passes a response through and keeps a copy of its status,
// replayed headers and body.
type recordingWriter struct {
	http.ResponseWriter
	status int
	saved  http.Header
	buf    bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.saved = http.Header{}
		for _, k := range replayedHeaders {
			if vs := w.Header().Values(k); len(vs) > 0 {
				w.saved[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

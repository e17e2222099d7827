package fake

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Route names a kind of request the fake serves, for fault injection and inspection.
type Route string

// Routes. ARM routes take an ARM token; RouteInvoke, RouteGetBatchJob and
// RouteListBatchJobs are the data plane (scoring URI) and take an Azure ML token.
const (
	RouteGetWorkspace         Route = Route(emulator.RouteGetWorkspace)
	RouteListBatchEndpoints   Route = Route(emulator.RouteListBatchEndpoints)
	RouteGetBatchEndpoint     Route = Route(emulator.RouteGetBatchEndpoint)
	RouteListDeployments      Route = Route(emulator.RouteListDeployments)
	RouteGetDeployment        Route = Route(emulator.RouteGetDeployment)
	RouteListDataContainers   Route = Route(emulator.RouteListDataContainers)
	RouteGetDataContainer     Route = Route(emulator.RouteGetDataContainer)
	RouteListDataVersions     Route = Route(emulator.RouteListDataVersions)
	RouteGetDataVersion       Route = Route(emulator.RouteGetDataVersion)
	RoutePutDataVersion       Route = Route(emulator.RoutePutDataVersion)
	RouteListDatastores       Route = Route(emulator.RouteListDatastores)
	RouteGetDatastore         Route = Route(emulator.RouteGetDatastore)
	RouteListDatastoreSecrets Route = Route(emulator.RouteListDatastoreSecrets)
	RouteListJobs             Route = Route(emulator.RouteListJobs)
	RouteGetJob               Route = Route(emulator.RouteGetJob)
	RouteCancelJob            Route = Route(emulator.RouteCancelJob)
	RouteOperationResult      Route = Route(emulator.RouteOperationResult)
	RouteDiscovery            Route = Route(emulator.RouteDiscovery)
	RouteRunDetails           Route = Route(emulator.RouteRunDetails)
	// RouteInvoke is the POST to an endpoint's scoring URI that creates a job.
	RouteInvoke Route = Route(emulator.RouteInvoke)
	// RouteGetBatchJob is GET {scoringUri}/{job}.
	RouteGetBatchJob Route = Route(emulator.RouteGetBatchJob)
	// RouteListBatchJobs is GET {scoringUri}.
	RouteListBatchJobs Route = Route(emulator.RouteListBatchJobs)
	// RouteUnknown is any request no route matches.
	RouteUnknown Route = Route(emulator.RouteUnknown)
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
// non-empty selector (Route, Method, PathContains).
type Fault struct {
	// Route selects requests by route.
	Route Route
	// Method selects requests by HTTP method.
	Method string
	// PathContains selects requests whose URL path contains it, e.g. an endpoint's name.
	PathContains string
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
	// Code and Message go into the AzureML error body; defaults derive from Status.
	Code, Message string
	// Header adds response headers to the answer.
	Header http.Header
}

// FaultHandle is an injected fault.
type FaultHandle struct{ h *emulator.FaultHandle }

// InjectFault adds a fault. Faults apply to matching requests in the order they
// were added, one fault per request, until each has been used Times times.
func (w *Workspace) InjectFault(f Fault) *FaultHandle {
	ef := emulator.Fault{Route: emulator.Route(f.Route), Method: f.Method, Times: f.Times, Action: emulator.FaultAction(f.Action),
		Delay: f.Delay, Status: f.Status, RetryAfter: f.RetryAfter, Code: f.Code, Message: f.Message, Header: f.Header}
	if f.PathContains != "" {
		ef.PathPattern = regexp.QuoteMeta(f.PathContains)
	}
	return &FaultHandle{h: w.srv.InjectFault(ef)}
}

// FailRequests makes the next n requests of route fail with status, and with a
// Retry-After header when retryAfter is not empty. n <= 0 means every request
// until the fault is removed.
func (w *Workspace) FailRequests(route Route, n, status int, retryAfter string) *FaultHandle {
	if n <= 0 {
		n = -1
	}
	return w.InjectFault(Fault{Route: route, Times: n, Action: FaultRespond, Status: status, RetryAfter: retryAfter})
}

// ResetConnections drops the connection of the next n requests of route:
// before they are handled (after false) or after (after true: an invoke then
// creates its job but the client never hears of it).
func (w *Workspace) ResetConnections(route Route, n int, after bool) *FaultHandle {
	a := FaultResetBefore
	if after {
		a = FaultResetAfter
	}
	if n <= 0 {
		n = -1
	}
	return w.InjectFault(Fault{Route: route, Times: n, Action: a})
}

// ClearFaults removes every injected fault.
func (w *Workspace) ClearFaults() { w.srv.ClearFaults() }

// Remove withdraws the fault.
func (h *FaultHandle) Remove() { h.h.Remove() }

// Hits is the number of requests the fault has affected.
func (h *FaultHandle) Hits() int { return h.h.Hits() }

// Request is a request the fake received. The Authorization header is redacted;
// the token's audience is in Audience.
type Request struct {
	// Route is the kind of request.
	Route Route
	// Method and URL (scheme, host, path and query) of the request.
	Method, URL string
	// Header holds the request headers.
	Header http.Header
	// Body is the request body (its first MiB).
	Body []byte
	// Audience is the bearer token's audience, e.g. https://ml.azure.com.
	Audience string
	// Status is the response status; 0 when the connection was reset.
	Status int
	// Time is when the request arrived.
	Time time.Time
}

// Requests returns the requests received so far, oldest first; with routes,
// only requests of those routes.
func (w *Workspace) Requests(routes ...Route) []Request {
	er := make([]emulator.Route, len(routes))
	for i, r := range routes {
		er[i] = emulator.Route(r)
	}
	recs := w.srv.Requests(er...)
	out := make([]Request, len(recs))
	for i, r := range recs {
		out[i] = Request{Route: Route(r.Route), Method: r.Method, URL: r.URL, Header: r.Header, Body: r.Body, Audience: r.Audience, Status: r.Status, Time: r.Time}
	}
	return out
}

// RequestCount is the number of requests received so far; with routes, of those routes.
func (w *Workspace) RequestCount(routes ...Route) int { return len(w.Requests(routes...)) }

// ClearRequests forgets the requests received so far.
func (w *Workspace) ClearRequests() { w.srv.ClearRequests() }

// Invocation is an invoke request (POST to a scoring URI) the fake received.
type Invocation struct {
	// Endpoint is the endpoint invoked.
	Endpoint string
	// Deployment is the azureml-model-deployment header ("" for the default deployment).
	Deployment string
	// RepeatabilityID is the repeatability_request-id header (or Repeatability-Request-ID).
	RepeatabilityID string
	// Request is the request the body describes, decoded as the client encodes
	// it (keys in any casing); nil when it could not be decoded (see ParseError).
	Request *batchendpoint.InvokeRequest
	// ParseError is why the body could not be decoded.
	ParseError error
	// Body is the raw body.
	Body []byte
	// Status is the response status; 0 when the connection was reset.
	Status int
}

// Invocations returns the invoke requests received so far, oldest first,
// including those rejected or answered by a fault.
func (w *Workspace) Invocations() []Invocation {
	reqs := w.Requests(RouteInvoke)
	out := make([]Invocation, len(reqs))
	for i, r := range reqs {
		inv := Invocation{Deployment: r.Header.Get("azureml-model-deployment"), RepeatabilityID: r.Header.Get("repeatability_request-id"),
			Body: r.Body, Status: r.Status}
		if inv.RepeatabilityID == "" {
			inv.RepeatabilityID = r.Header.Get("Repeatability-Request-ID")
		}
		// The scoring URI is <inference host>/<endpoint>/jobs.
		if _, p, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(r.URL, "https://"), "http://"), "/"); ok {
			inv.Endpoint, _, _ = strings.Cut(p, "/")
		}
		if b, err := wire.DecodeInvocation(r.Body); err != nil {
			inv.ParseError = err
		} else {
			inv.Request = &batchendpoint.InvokeRequest{Input: b.Input, Inputs: b.Inputs, Outputs: b.Outputs,
				ExperimentName: b.ExperimentName, JobName: b.JobName, Settings: (*batchendpoint.JobSettings)(b.Settings)}
		}
		out[i] = inv
	}
	return out
}

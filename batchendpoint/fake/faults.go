package fake

import (
	"strings"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Route names a kind of request the fake serves, for fault injection and inspection.
type Route = emulator.Route

// Routes. ARM routes take an ARM token; RouteInvoke, RouteGetBatchJob and
// RouteListBatchJobs are the data plane (scoring URI) and take an Azure ML token.
const (
	RouteGetWorkspace         = emulator.RouteGetWorkspace
	RouteListBatchEndpoints   = emulator.RouteListBatchEndpoints
	RouteGetBatchEndpoint     = emulator.RouteGetBatchEndpoint
	RouteListDeployments      = emulator.RouteListDeployments
	RouteGetDeployment        = emulator.RouteGetDeployment
	RouteListDataContainers   = emulator.RouteListDataContainers
	RouteGetDataContainer     = emulator.RouteGetDataContainer
	RouteListDataVersions     = emulator.RouteListDataVersions
	RouteGetDataVersion       = emulator.RouteGetDataVersion
	RoutePutDataVersion       = emulator.RoutePutDataVersion
	RouteListDatastores       = emulator.RouteListDatastores
	RouteGetDatastore         = emulator.RouteGetDatastore
	RouteListDatastoreSecrets = emulator.RouteListDatastoreSecrets
	RouteListJobs             = emulator.RouteListJobs
	RouteGetJob               = emulator.RouteGetJob
	RouteCancelJob            = emulator.RouteCancelJob
	// RoutePutJob is the ARM job update (Jobs_CreateOrUpdate on an existing job).
	RoutePutJob          = emulator.RoutePutJob
	RouteOperationResult = emulator.RouteOperationResult
	RouteDiscovery       = emulator.RouteDiscovery
	RouteRunDetails      = emulator.RouteRunDetails
	// RouteRunChildren is Run History's GET .../runs/{run}/children.
	RouteRunChildren = emulator.RouteRunChildren
	// RouteRunData is Run History's POST .../rundata (a run's outputs).
	RouteRunData = emulator.RouteRunData
	// RouteResolveDataURIs is POST /data/v1.0/.../dataversion/batchGetResolvedUris.
	RouteResolveDataURIs = emulator.RouteResolveDataURIs
	// RouteListEndpointJobs is the management front end's job list of a batch
	// endpoint or deployment ({api}/mferp/managementfrontend/.../jobs,
	// api-version 2020-09-01-dataplanepreview). The fake serves it; the real
	// service fails it today (azure-sdk-for-python#45212): FailRequests on this
	// route reproduces that.
	RouteListEndpointJobs = emulator.RouteListEndpointJobs
	// RouteInvoke is the POST to an endpoint's scoring URI that creates a job.
	RouteInvoke = emulator.RouteInvoke
	// RouteGetBatchJob is GET {scoringUri}/{job}.
	RouteGetBatchJob = emulator.RouteGetBatchJob
	// RouteListBatchJobs is GET {scoringUri}.
	RouteListBatchJobs = emulator.RouteListBatchJobs
	// RouteUnknown is any request no route matches.
	RouteUnknown = emulator.RouteUnknown
)

// FaultAction is what an injected fault does to a matching request.
type FaultAction = emulator.FaultAction

// Fault actions.
const (
	// FaultAuto answers with Status when it is set, otherwise only delays.
	FaultAuto = emulator.FaultAuto
	// FaultRespond answers with Status (500 when zero), Retry-After and an error
	// body without handling the request: an invoke creates no job.
	FaultRespond = emulator.FaultRespond
	// FaultResetBefore drops the connection before the request is handled: an
	// invoke creates no job.
	FaultResetBefore = emulator.FaultResetBefore
	// FaultResetAfter handles the request (an invoke creates its job) and then
	// drops the connection instead of answering.
	FaultResetAfter = emulator.FaultResetAfter
)

// Fault describes requests to disturb. A request matches when it matches every
// non-empty selector: Route, Method, PathContains (a substring of the URL path)
// and PathPattern (a regular expression). Times is the number of matching
// requests affected (1 when zero, every one until Remove when negative);
// Action is what happens, after Delay; Status, RetryAfter, Code, Message, Body
// and Header shape the answer.
type Fault = emulator.Fault

// FaultHandle is an injected fault: Remove withdraws it, Hits counts the
// requests it affected.
type FaultHandle = emulator.FaultHandle

// InjectFault adds a fault. Faults apply to matching requests in the order they
// were added, one fault per request, until each has been used Times times.
func (w *Workspace) InjectFault(f Fault) *FaultHandle { return w.srv.InjectFault(f) }

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

// Request is a request the fake received: its Route, Method, URL, Header (with
// Authorization redacted), Body (its first MiB), the bearer token's Audience,
// the response Status (0 when the connection was reset) and the Time it
// arrived.
type Request = emulator.Request

// Requests returns the requests received so far, oldest first; with routes,
// only requests of those routes.
func (w *Workspace) Requests(routes ...Route) []Request { return w.srv.Requests(routes...) }

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

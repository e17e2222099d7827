package emulator

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Route names a kind of request, for fault injection and inspection.
type Route string

// Routes. ARM routes take an ARM token; RouteInvoke, RouteGetBatchJob and
// RouteListBatchJobs are the data plane (scoring URI) and take an Azure ML token.
const (
	RouteGetWorkspace         Route = "GetWorkspace"
	RouteListBatchEndpoints   Route = "ListBatchEndpoints"
	RouteGetBatchEndpoint     Route = "GetBatchEndpoint"
	RouteListDeployments      Route = "ListDeployments"
	RouteGetDeployment        Route = "GetDeployment"
	RouteListDataContainers   Route = "ListDataContainers"
	RouteGetDataContainer     Route = "GetDataContainer"
	RouteListDataVersions     Route = "ListDataVersions"
	RouteGetDataVersion       Route = "GetDataVersion"
	RoutePutDataVersion       Route = "PutDataVersion"
	RouteListDatastores       Route = "ListDatastores"
	RouteGetDatastore         Route = "GetDatastore"
	RouteListDatastoreSecrets Route = "ListDatastoreSecrets"
	RouteListJobs             Route = "ListJobs"
	RouteGetJob               Route = "GetJob"
	RouteCancelJob            Route = "CancelJob"
	// RoutePutJob is Jobs_CreateOrUpdate (PUT .../jobs/{job}), which updates an
	// existing job's tags, description, display name and isArchived.
	RoutePutJob          Route = "PutJob"
	RouteOperationResult Route = "OperationResult"
	RouteDiscovery       Route = "Discovery"
	RouteRunDetails      Route = "RunDetails"
	// RouteRunChildren is Run History's GET .../runs/{run}/children.
	RouteRunChildren Route = "RunChildren"
	// RouteRunData is Run History's POST .../rundata (a run's outputs).
	RouteRunData Route = "RunData"
	// RouteResolveDataURIs is POST /data/v1.0/.../dataversion/batchGetResolvedUris.
	RouteResolveDataURIs Route = "ResolveDataURIs"
	// RouteListEndpointJobs is the management front end's job list of a batch
	// endpoint or deployment (GET {api}/mferp/managementfrontend/.../jobs).
	RouteListEndpointJobs Route = "ListEndpointJobs"
	// RouteInvoke is the POST to an endpoint's scoring URI that creates a job.
	RouteInvoke Route = "Invoke"
	// RouteGetBatchJob is GET {scoringUri}/{job}.
	RouteGetBatchJob Route = "GetBatchJob"
	// RouteListBatchJobs is GET {scoringUri}.
	RouteListBatchJobs Route = "ListBatchJobs"
	// RouteUnknown is any request no route matches.
	RouteUnknown Route = "Unknown"
)

type listenerKind int

const (
	listenerARM listenerKind = iota
	listenerInference
)

type route struct {
	name     Route
	method   string
	segs     []string
	auds     []string // allowed token audiences; nil = anonymous
	armAPI   bool     // requires a supported ARM api-version
	resType  string   // ARM resource type, for api-version errors
	handle   func(*call) *apiError
	wsScoped bool // pattern starts with the workspace prefix
}

// call is one request being served.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	vars  map[string]string
	body  []byte
	reqID string
	route *route
	ws    *Workspace
	aud   string
}

var wsPrefix = []string{"subscriptions", "{sub}", "resourceGroups", "{rg}", "providers", "Microsoft.MachineLearningServices", "workspaces", "{ws}"}

func armRoute(name Route, method, resType, pattern string, h func(*call) *apiError) *route {
	segs := append([]string(nil), wsPrefix...)
	if pattern != "" {
		segs = append(segs, strings.Split(pattern, "/")...)
	}
	return &route{name: name, method: method, segs: segs, auds: armAudiences, armAPI: true, resType: resType, handle: h, wsScoped: true}
}

func (s *Server) armRouteTable() []*route {
	return []*route{
		armRoute(RouteGetWorkspace, http.MethodGet, "workspaces", "", s.getWorkspace),
		armRoute(RouteListBatchEndpoints, http.MethodGet, "workspaces/batchEndpoints", "batchEndpoints", s.listBatchEndpoints),
		armRoute(RouteGetBatchEndpoint, http.MethodGet, "workspaces/batchEndpoints", "batchEndpoints/{endpoint}", s.getBatchEndpoint),
		armRoute(RouteListDeployments, http.MethodGet, "workspaces/batchEndpoints/deployments", "batchEndpoints/{endpoint}/deployments", s.listDeployments),
		armRoute(RouteGetDeployment, http.MethodGet, "workspaces/batchEndpoints/deployments", "batchEndpoints/{endpoint}/deployments/{deployment}", s.getDeployment),
		armRoute(RouteListDataContainers, http.MethodGet, "workspaces/data", "data", s.listDataContainers),
		armRoute(RouteGetDataContainer, http.MethodGet, "workspaces/data", "data/{name}", s.getDataContainer),
		armRoute(RouteListDataVersions, http.MethodGet, "workspaces/data/versions", "data/{name}/versions", s.listDataVersions),
		armRoute(RouteGetDataVersion, http.MethodGet, "workspaces/data/versions", "data/{name}/versions/{version}", s.getDataVersion),
		armRoute(RoutePutDataVersion, http.MethodPut, "workspaces/data/versions", "data/{name}/versions/{version}", s.putDataVersion),
		armRoute(RouteListDatastores, http.MethodGet, "workspaces/datastores", "datastores", s.listDatastores),
		armRoute(RouteGetDatastore, http.MethodGet, "workspaces/datastores", "datastores/{name}", s.getDatastore),
		armRoute(RouteListDatastoreSecrets, http.MethodPost, "workspaces/datastores", "datastores/{name}/listSecrets", s.listDatastoreSecrets),
		armRoute(RouteListJobs, http.MethodGet, "workspaces/jobs", "jobs", s.listJobs),
		armRoute(RouteGetJob, http.MethodGet, "workspaces/jobs", "jobs/{job}", s.getJob),
		armRoute(RoutePutJob, http.MethodPut, "workspaces/jobs", "jobs/{job}", s.putJob),
		armRoute(RouteCancelJob, http.MethodPost, "workspaces/jobs", "jobs/{job}/cancel", s.cancelJob),
		{name: RouteOperationResult, method: http.MethodGet, auds: armAudiences, armAPI: true, resType: "locations/mfeOperationResults",
			segs:   strings.Split("subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{loc}/mfeOperationResults/{op}", "/"),
			handle: s.operationResult},
		{name: RouteDiscovery, method: http.MethodGet, segs: []string{"discovery"}, handle: s.discovery},
		{name: RouteRunDetails, method: http.MethodGet, auds: append(append([]string(nil), armAudiences...), mlAudiences...),
			segs: append(append([]string{"history", "v1.0"}, wsPrefix...), "runs", "{job}", "details"), handle: s.runDetails, wsScoped: true},
		{name: RouteRunChildren, method: http.MethodGet, auds: armAudiences,
			segs: append(append([]string{"history", "v1.0"}, wsPrefix...), "runs", "{job}", "children"), handle: s.runChildren, wsScoped: true},
		{name: RouteRunData, method: http.MethodPost, auds: armAudiences,
			segs: append(append([]string{"history", "v1.0"}, wsPrefix...), "rundata"), handle: s.runData, wsScoped: true},
		{name: RouteResolveDataURIs, method: http.MethodPost, auds: armAudiences,
			segs: append(append([]string{"data", "v1.0"}, wsPrefix...), "dataversion", "batchGetResolvedUris"), handle: s.resolveDataURIs, wsScoped: true},
		{name: RouteListEndpointJobs, method: http.MethodGet, auds: armAudiences,
			segs: append(append([]string{"mferp", "managementfrontend"}, wsPrefix...), "batchEndpoints", "{endpoint}", "jobs"), handle: s.endpointJobs, wsScoped: true},
		{name: RouteListEndpointJobs, method: http.MethodGet, auds: armAudiences,
			segs:   append(append([]string{"mferp", "managementfrontend"}, wsPrefix...), "batchEndpoints", "{endpoint}", "deployments", "{deployment}", "jobs"),
			handle: s.endpointJobs, wsScoped: true},
	}
}

func (s *Server) inferenceRouteTable() []*route {
	return []*route{
		{name: RouteInvoke, method: http.MethodPost, segs: []string{"{endpoint}", "jobs"}, auds: mlAudiences, handle: s.invoke},
		{name: RouteListBatchJobs, method: http.MethodGet, segs: []string{"{endpoint}", "jobs"}, auds: mlAudiences, handle: s.listBatchJobs},
		{name: RouteGetBatchJob, method: http.MethodGet, segs: []string{"{endpoint}", "jobs", "{job}"}, auds: mlAudiences, handle: s.getBatchJob},
	}
}

// match finds the route for r; methodMismatch reports a path that matched with another method.
func match(routes []*route, r *http.Request) (rt *route, vars map[string]string, methodMismatch bool) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for _, c := range routes {
		if len(c.segs) != len(segs) {
			continue
		}
		v := map[string]string{}
		ok := true
		for i, p := range c.segs {
			if strings.HasPrefix(p, "{") {
				if segs[i] == "" {
					ok = false
					break
				}
				v[strings.Trim(p, "{}")] = segs[i]
			} else if !strings.EqualFold(p, segs[i]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if c.method != r.Method {
			methodMismatch = true
			continue
		}
		return c, v, false
	}
	return nil, nil, methodMismatch
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) handler(kind listenerKind) http.Handler {
	routes := s.armRoutes
	if kind == listenerInference {
		routes = s.infRoutes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		rt, vars, mismatch := match(routes, r)
		name := RouteUnknown
		if rt != nil {
			name = rt.name
		}
		aud := ""
		if c, err := parseBearer(r.Header.Get("Authorization")); err == nil {
			aud = strings.Join(c.Aud, ",")
		}
		idx := s.record(name, r, body, aud)
		sw := &statusWriter{ResponseWriter: w}
		reqID := uuid.NewString()
		h := sw.Header()
		h.Set("x-ms-request-id", reqID)
		h.Set("x-request-id", reqID)
		if kind == listenerARM {
			corr := r.Header.Get("x-ms-correlation-request-id")
			if corr == "" {
				corr = reqID
			}
			h.Set("x-ms-correlation-request-id", corr)
		}
		if id := r.Header.Get("x-ms-client-request-id"); id != "" {
			h.Set("x-ms-client-request-id", id)
		}
		c := &call{s: s, w: sw, r: r, vars: vars, body: body, reqID: reqID, route: rt, aud: aud}
		status := 0
		defer func() { s.finishRecord(idx, status, r, sw.Header().Clone()) }()

		if f := s.takeFault(name, r); f != nil {
			if f.Delay > 0 {
				t := time.NewTimer(f.Delay)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			switch f.effectiveAction() {
			case FaultRespond:
				f.respond(sw, reqID)
				status = sw.status
				return
			case FaultResetBefore:
				resetConn(sw)
				return
			case FaultResetAfter:
				rec := &discardWriter{h: http.Header{}}
				s.serve(c, rec, kind, mismatch)
				resetConn(sw)
				return
			}
		}
		s.serve(c, sw, kind, mismatch)
		status = sw.status
	})
}

// discardWriter swallows a response (for resets after the handler ran).
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// resetConn drops the client connection without a response: a TCP RST when the
// connection can be hijacked, an aborted handler otherwise.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*tls.Conn); ok {
		if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
			_ = tcp.Close()
			return
		}
	}
	_ = conn.Close()
}

var (
	apiVersionRE      = regexp.MustCompile(`^(20\d\d-[01]\d-[0-3]\d)(-preview)?$`)
	apiVersionShapeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-[a-zA-Z]+)?$`)
)

// supportedAPIVersions is the list quoted in api-version errors.
const supportedAPIVersions = "2026-03-01, 2026-01-15-preview, 2025-12-01, 2025-09-01, 2025-07-01-preview, 2025-06-01, " +
	"2025-04-01, 2025-01-01-preview, 2024-10-01, 2024-04-01, 2024-01-01-preview, 2023-10-01, 2023-04-01, " +
	"2023-02-01-preview, 2022-10-01, 2022-05-01"

// SupportedAPIVersion reports whether the emulator accepts an ARM api-version
// (2022-05-01 through 2026-03-xx, stable or -preview).
func SupportedAPIVersion(v string) bool {
	m := apiVersionRE.FindStringSubmatch(v)
	return m != nil && m[1] >= "2022-05-01" && m[1] <= "2026-03-31"
}

func (s *Server) serve(c *call, w http.ResponseWriter, kind listenerKind, mismatch bool) {
	c.w = w
	rt := c.route
	if rt == nil {
		auds := armAudiences
		if kind == listenerInference {
			auds = mlAudiences
		}
		if e := s.authenticate(c, auds, kind); e {
			return
		}
		if kind == listenerARM && s.throttled(c) {
			return
		}
		if mismatch {
			c.fail(armError(http.StatusMethodNotAllowed, "HttpMethodNotAllowed",
				"The requested resource does not support http method '"+c.r.Method+"'."))
			return
		}
		if kind == listenerARM {
			c.fail(armError(http.StatusNotFound, "NotFound", "The requested path '"+c.r.URL.Path+"' was not found."))
		} else {
			c.fail(notFound("No batch endpoint route matches '%s %s'.", c.r.Method, c.r.URL.Path))
		}
		return
	}
	if rt.auds != nil {
		if e := s.authenticate(c, rt.auds, kind); e {
			return
		}
	}
	if kind == listenerARM && s.throttled(c) {
		return
	}
	loc := DefaultLocation
	if rt.wsScoped {
		s.mu.Lock()
		c.ws = s.workspaceLocked(c.vars["sub"], c.vars["rg"], c.vars["ws"])
		s.mu.Unlock()
		if c.ws != nil {
			loc = c.ws.cfg.Location
		}
	}
	if rt.armAPI {
		v := c.r.URL.Query().Get("api-version")
		switch {
		case v == "":
			c.fail(armError(http.StatusBadRequest, "MissingApiVersionParameter",
				"The api-version query parameter (?api-version=) is required for all requests."))
			return
		case !apiVersionShapeRE.MatchString(v):
			c.fail(armError(http.StatusBadRequest, "InvalidApiVersionParameter",
				"The api-version '"+v+"' is invalid. The supported versions are '"+supportedAPIVersions+"'."))
			return
		case !SupportedAPIVersion(v):
			c.fail(armError(http.StatusBadRequest, "NoRegisteredProviderFound",
				"No registered resource provider found for location '"+loc+"' and API version '"+v+"' for type '"+rt.resType+
					"'. The supported api-versions are '"+supportedAPIVersions+"'. The supported locations are 'eastus, eastus2, westus2, westeurope, northeurope'."))
			return
		}
	}
	if rt.wsScoped && c.ws == nil {
		c.fail(s.workspaceNotFound(c.vars["sub"], c.vars["rg"], c.vars["ws"]))
		return
	}
	if e := rt.handle(c); e != nil {
		c.fail(e)
	}
}

func (s *Server) workspaceNotFound(sub, rg, ws string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	subOK, rgOK := false, false
	for _, w := range s.workspaces {
		if strings.EqualFold(w.cfg.SubscriptionID, sub) {
			subOK = true
			if strings.EqualFold(w.cfg.ResourceGroup, rg) {
				rgOK = true
			}
		}
	}
	switch {
	case !subOK:
		return armError(http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+sub+"' could not be found.")
	case !rgOK:
		return armError(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '"+rg+"' could not be found.")
	}
	return armError(http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.MachineLearningServices/workspaces/"+ws+
		"' under resource group '"+rg+"' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
}

// authenticate answers 401 and returns true when the token is missing, invalid,
// expired or for another audience.
func (s *Server) authenticate(c *call, auds []string, kind listenerKind) bool {
	aud, f := checkToken(c.r, auds, time.Now())
	c.aud = aud
	if f == nil {
		return false
	}
	c.w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/`+s.opts.TenantID+
		`", error="invalid_token", error_description="`+f.description+`"`)
	e := armError(http.StatusUnauthorized, f.code, f.message)
	e.azureML = kind == listenerInference
	c.fail(e)
	return true
}

func (c *call) location() string {
	if c.ws != nil {
		return c.ws.cfg.Location
	}
	return DefaultLocation
}

func (c *call) fail(e *apiError) {
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(e.status)
	_, _ = c.w.Write(e.body(c.reqID, c.location()))
}

func (c *call) writeJSON(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.fail(armError(http.StatusInternalServerError, "InternalServerError", "emulator: cannot encode response"))
		return
	}
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
}

func nullLogger() *log.Logger { return log.New(io.Discard, "", 0) }

package batchendpoint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/tracing"

	"github.com/azmlbatch/azmlbatch/internal/cloudcfg"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
)

func (w Workspace) validate() error {
	for _, f := range []struct{ name, v string }{{"SubscriptionID", w.SubscriptionID}, {"ResourceGroup", w.ResourceGroup}, {"Name", w.Name}} {
		if strings.TrimSpace(f.v) == "" {
			return &ValidationError{Field: "Workspace." + f.name, Problem: "empty", Fix: "give the workspace's subscription id, resource group and name (or parse its ARM id with ParseWorkspaceID)"}
		}
		if strings.ContainsAny(f.v, "/?#%\\") {
			return &ValidationError{Field: "Workspace." + f.name, Value: f.v, Problem: "contains '/', '?', '#', '%' or '\\'", Fix: "give the bare value, not a URL or id"}
		}
		if i := strings.IndexFunc(f.v, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
			return &ValidationError{Field: "Workspace." + f.name, Value: strings.ToValidUTF8(strings.Map(visible, f.v), "?"), Problem: "contains a space or a control character", Fix: "give the value as az ml shows it"}
		}
	}
	return validateWorkspaceNames(w)
}

// ClientOptions configure a Client. The embedded azcore.ClientOptions apply to both
// pipelines (ARM and data plane): Cloud, Transport, Retry, Logging, Telemetry,
// TracingProvider. Its APIVersion is the ARM api-version (default DefaultAPIVersion).
// A nil Transport is one HTTP transport shared by every such client in the
// process, keeping up to DefaultMaxIdleConnsPerHost idle connections per host
// (azcore's default keeps 10), so that concurrent invokes through one client
// reuse connections rather than open new ones; a custom Transport should do
// the same for fan-out (http.Transport.MaxIdleConnsPerHost).
// Logging.IncludeBody is ignored: the bodies carry SAS tokens and account keys,
// which azcore would log unredacted; headers and URLs are still logged, sanitized.
type ClientOptions struct {
	azcore.ClientOptions

	// EndpointCacheTTL is how long endpoint and deployment lookups are reused.
	// Zero means 5 minutes; negative disables the cache.
	EndpointCacheTTL time.Duration

	// UploadConcurrency is the number of files uploaded in parallel for local inputs
	// (default 8).
	UploadConcurrency int

	// PollInterval is Job.Wait's first delay between polls when WaitOptions.MinDelay
	// is not set (default 2 s, as azure-ai-ml). Tests against a local fake set it low.
	PollInterval time.Duration

	// DataPlaneOnly makes the client use only the Azure ML data-plane token: jobs are
	// polled with GET {scoringUri}/{job} and nothing is looked up through ARM, so
	// InvokeOptions.ScoringURI is required and Cancel is unavailable. For callers
	// that hold only an ml.azure.com token (for example a static token).
	DataPlaneOnly bool
}

// Client invokes batch endpoints of one workspace and follows their jobs.
// It is safe for concurrent use.
type Client struct {
	ws          Workspace
	cred        azcore.TokenCredential
	armPL       runtime.Pipeline
	dataPL      runtime.Pipeline
	tracer      tracing.Tracer
	armEndpoint string
	apiVersion  string
	mlAudience  string
	opts        ClientOptions

	cacheTTL time.Duration
	lookups  lookupGroup // coalesces identical in-flight lookups
	hosts    *serviceHosts
	wsPath   string // the workspace's ARM id, each segment escaped
	mu       sync.Mutex
	eps      map[string]cachedEndpoint
	deps     map[deploymentKey]cachedDeployment
	stores   map[string]cachedDatastore
	history  string // Run History base URL, from the workspace discovery document
	api      string // the discovery document's api URL (the dataset data plane)

	hashes *localdata.HashCache // local inputs' hashes, so an unchanged one is not read again

	lastURI atomic.Pointer[parsedURI] // the scoring URI the last POST went to (newPOST)
}

type cachedEndpoint struct {
	scoringURI, defaultDeployment string
	uriErr                        error // why the data-plane token may not go to scoringURI (checkTokenURL), found once per lookup
	at                            time.Time
}

// deploymentKey is a deployment of an endpoint: a struct, so that a cache hit
// builds no string.
type deploymentKey struct{ endpoint, deployment string }

type cachedDeployment struct {
	kind DeploymentKind
	at   time.Time
}

type cachedDatastore struct {
	ds Datastore
	at time.Time
}

// NewClient returns a client for the workspace ws. cred must produce tokens for the
// ARM audience (lookups, polling, cancel) and for the Azure ML data-plane audience
// (the invoke POST); azidentity credentials do both.
func NewClient(ws Workspace, cred azcore.TokenCredential, options *ClientOptions) (*Client, error) {
	if err := ws.validate(); err != nil {
		return nil, err
	}
	var o ClientOptions
	if options != nil {
		o = *options
	}
	o = withoutBodyLogging(o) // bodies carry SAS tokens and account keys; see logpolicy.go
	if o.Transport == nil {
		o.Transport = defaultTransport() // a pool sized for fan-out; see DefaultMaxIdleConnsPerHost
	}
	apiVersion := o.APIVersion
	if apiVersion == "" {
		apiVersion = DefaultAPIVersion
	}
	base := o.ClientOptions
	base.APIVersion = "" // we set api-version per request; see go-sdk-conventions 1.1
	if base.Cloud.Services == nil {
		base.Cloud = cloud.AzurePublic
	}
	armCfg, ok := base.Cloud.Services[cloud.ResourceManager]
	if !ok || armCfg.Endpoint == "" {
		return nil, &ValidationError{Field: "ClientOptions.Cloud", Problem: "no Resource Manager endpoint in the cloud configuration", Fix: "set Cloud.Services[cloud.ResourceManager] (Endpoint and Audience)"}
	}
	armHost, err := checkTokenURL(armCfg.Endpoint, base.InsecureAllowCredentialWithHTTP)
	if err != nil {
		return nil, &ValidationError{Field: "ClientOptions.Cloud", Value: shownURL(armCfg.Endpoint), Problem: "the Resource Manager endpoint " + err.Error(),
			Fix: "use the https:// endpoint of the cloud's Resource Manager (tokens are never sent over plain http)"}
	}
	mlAudience := cloudcfg.MLPublic
	if s, ok := base.Cloud.Services[ServiceName]; ok && s.Audience != "" {
		mlAudience = s.Audience
	} else if base.Cloud.ActiveDirectoryAuthorityHost != "" && base.Cloud.ActiveDirectoryAuthorityHost != cloud.AzurePublic.ActiveDirectoryAuthorityHost {
		return nil, &ValidationError{Field: "ClientOptions.Cloud", Problem: "no Azure ML data-plane audience for this cloud", Fix: "set Cloud.Services[batchendpoint.ServiceName].Audience"}
	}
	hosts := &serviceHosts{arm: armHost, named: map[string]bool{}}
	armBase := base
	armBase.PerCallPolicies = append([]policy.Policy{tokenGuard{what: "Azure Resource Manager", insecure: base.InsecureAllowCredentialWithHTTP, hosts: hosts}}, base.PerCallPolicies...)
	armClient, err := arm.NewClient(moduleName, moduleVersion, cred, &arm.ClientOptions{ClientOptions: armBase, DisableRPRegistration: true})
	if err != nil {
		return nil, err
	}
	plOpts := runtime.PipelineOptions{
		AllowedHeaders: []string{headerDeployment, headerRepeatability, headerFirstSent, "x-ms-request-id", "x-request-id", "azureml-model-deployment"},
		PerCall:        []policy.Policy{tokenGuard{what: "Azure ML data-plane", insecure: base.InsecureAllowCredentialWithHTTP}},
		PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(cred, []string{scopeOf(mlAudience)},
			&policy.BearerTokenOptions{InsecureAllowCredentialWithHTTP: base.InsecureAllowCredentialWithHTTP}),
			inMemoryBodyPolicy{}},
		Tracing: runtime.TracingOptions{Namespace: "Microsoft.MachineLearningServices"},
	}
	dataClient, err := azcore.NewClient(moduleName, moduleVersion, plOpts, &base)
	if err != nil {
		return nil, err
	}
	ttl := o.EndpointCacheTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	return &Client{
		ws: ws, cred: cred, armPL: armClient.Pipeline(), dataPL: dataClient.Pipeline(), tracer: dataClient.Tracer(),
		armEndpoint: strings.TrimRight(armClient.Endpoint(), "/"), apiVersion: apiVersion, mlAudience: mlAudience, opts: o,
		cacheTTL: ttl, hosts: hosts, wsPath: escapedWorkspacePath(ws), eps: map[string]cachedEndpoint{}, deps: map[deploymentKey]cachedDeployment{}, stores: map[string]cachedDatastore{},
		hashes: localdata.NewHashCache(0),
	}, nil
}

func scopeOf(audience string) string { return strings.TrimRight(audience, "/") + "/.default" }

// Workspace returns the client's workspace.
func (c *Client) Workspace() Workspace { return c.ws }

const (
	headerDeployment    = "azureml-model-deployment"
	headerRepeatability = "repeatability_request-id"
	headerFirstSent     = "Repeatability-First-Sent"
)

// The invoke POST's headers as http.Header keys them (http.CanonicalHeaderKey;
// TestCanonicalInvokeHeaders), so that post sets them without canonicalizing
// each key again on every invoke.
const (
	canonicalDeployment    = "Azureml-Model-Deployment"
	canonicalRepeatability = "Repeatability_request-Id"
	canonicalFirstSent     = "Repeatability-First-Sent"
	canonicalContentType   = "Content-Type"
)

// armURL returns the ARM URL of a workspace-relative path with the api-version.
func (c *Client) armURL(path string, query url.Values) string {
	if query == nil {
		query = url.Values{}
	}
	query.Set("api-version", c.apiVersion)
	// OData keys ($orderBy, $top) are sent unescaped, as the Azure SDKs send them.
	return c.armEndpoint + c.wsPath + path + "?" + strings.ReplaceAll(query.Encode(), "%24", "$")
}

// armDo sends an ARM request and decodes a 2xx JSON body into out (if non-nil).
// Other statuses come back as *azcore.ResponseError.
func (c *Client) armDo(ctx context.Context, method, rawURL string, body any, out any, okStatus ...int) (*http.Response, error) {
	req, err := runtime.NewRequest(ctx, method, rawURL)
	if err != nil {
		return nil, err
	}
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return nil, err
		}
	}
	resp, err := c.armPL.Do(req)
	if err != nil {
		return nil, err
	}
	if len(okStatus) == 0 {
		okStatus = []int{http.StatusOK}
	}
	if !runtime.HasStatusCode(resp, okStatus...) {
		return resp, serviceError(resp)
	}
	if out != nil {
		if err := runtime.UnmarshalAsJSON(resp, out); err != nil {
			return resp, fmt.Errorf("decoding %s %s: %w", method, redactURL(rawURL), err)
		}
	}
	if method == http.MethodGet {
		c.learnHosts(rawURL, resp)
	}
	return resp, nil
}

func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i]
	}
	return s
}

// sendMark records that a POST got past the bearer policy, on its way to the
// transport (a failure before that certainly sent nothing), and the error the
// transport itself returned.
type sendMark struct {
	payload []byte // the body, attached by inMemoryBodyPolicy
	reached bool
	err     error
	status  int // the status the transport received, 0 if none
}

// inMemoryBodyPolicy hands net/http the payload as a bytes.Reader. net/http
// writes headers and a body it recognises as in-memory in one TLS record;
// azcore's seekable wrapper is not recognised, which costs a separate write and
// syscall per invoke (measured: BenchmarkInvoke 1.7x RawPOST before, see BENCHMARKS.md).
type inMemoryBodyPolicy struct{}

func (inMemoryBodyPolicy) Do(req *policy.Request) (*http.Response, error) {
	var m *sendMark
	if req.OperationValue(&m) && m != nil {
		m.reached = true
	}
	if m != nil && m.payload != nil {
		p := m.payload
		raw := req.Raw()
		raw.Body = io.NopCloser(bytes.NewReader(p))
		raw.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(p)), nil }
		raw.ContentLength = int64(len(p))
	}
	resp, err := req.Next()
	if m != nil {
		m.err = err // the transport's own error: azcore may report ctx's error instead
		if err == nil {
			m.status = resp.StatusCode
		}
	}
	return resp, err
}

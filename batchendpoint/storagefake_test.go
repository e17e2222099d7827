package batchendpoint

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/azurite/azuritetest"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// This file is a small hand-written ARM fake, kept only for what the emulator
// (batchendpoint/fake, internal/emulator) must not or cannot do; tests of the
// same behaviour as a real workspace's run on the emulator instead
// (upload_fake_test.go, transfer_fake_test.go, e2e_test.go). What stays here:
//   - job documents an invoke on the emulator never yields: outputs in another
//     workspace or without a location, outputs of running or failed jobs, and
//     an output folder holding an ADLS Gen2 folder marker;
//   - datastores the emulator does not serve: identity-based ones (a storage
//     bearer token minted for Azurite by stCred), a default datastore on ADLS
//     Gen1 storage, listSecrets answers of any shape, and blobs carrying
//     a stale or partial completed marker written with Azurite's key;
//   - exact lookup counts and pages of any size for the data-asset and
//     job-list tests, and a client built inside package batchendpoint (which
//     cannot import batchendpoint/fake) for its unexported stages.
// It serves datastores (get, default, listSecrets), data versions (PUT, GET,
// latest), jobs (list with paging, get) and one batch endpoint with a scoring
// URI, and checks that every request carries the ARM-scoped token (or, for the
// scoring POST, the ML-scoped one).

const (
	stARMScope  = "https://management.azure.com/.default"
	stMLScope   = "https://ml.azure.com/.default"
	stWorkspace = "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/WSX"
)

// stCred issues "scope:<scope>" tokens, except for the storage scope, where it
// delegates to Azurite's JWT credential.
type stCred struct {
	storage *azuritetest.StorageJWTCredential
	mu      sync.Mutex
	scopes  []string
}

func (c *stCred) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	c.scopes = append(c.scopes, strings.Join(o.Scopes, " "))
	c.mu.Unlock()
	if len(o.Scopes) == 1 && o.Scopes[0] == azuritetest.StorageScope {
		if c.storage == nil {
			return azcore.AccessToken{}, fmt.Errorf("no storage credential in this test")
		}
		return c.storage.GetToken(ctx, o)
	}
	return azcore.AccessToken{Token: "scope:" + strings.Join(o.Scopes, " "), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func (c *stCred) asked(scope string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.scopes {
		if s == scope {
			n++
		}
	}
	return n
}

type stReq struct {
	Method, Path string
	Query        url.Values
	Body         []byte
}

type stFake struct {
	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	datastores []wire.Datastore
	secrets    map[string]wire.DatastoreSecrets
	data       map[string][]wire.DataVersion // creation order
	jobs       []wire.Job
	pageSize   int
	posts      [][]byte // invoke bodies
	reqs       []stReq
	rh         stRunHistory // Run History and log files (runhistory_test.go)
	denySecret bool         // listSecrets answers 403, as for an identity without the listsecrets action
}

func newSTFake(t testing.TB) *stFake {
	f := &stFake{t: t, secrets: map[string]wire.DatastoreSecrets{}, data: map[string][]wire.DataVersion{}, pageSize: 2}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *stFake) addDatastore(d wire.Datastore, sec *wire.DatastoreSecrets) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d.ID == "" {
		d.ID = stWorkspace + "/datastores/" + d.Name
	}
	f.datastores = append(f.datastores, d)
	if sec != nil {
		f.secrets[d.Name] = *sec
	}
}

func (f *stFake) addJob(j wire.Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if j.ID == "" {
		j.ID = stWorkspace + "/jobs/" + j.Name
	}
	f.jobs = append(f.jobs, j)
}

func (f *stFake) requests() []stReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]stReq(nil), f.reqs...)
}

// count returns how many requests had this method and a path ending in suffix.
func (f *stFake) count(method, suffix string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

func stWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func stError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("x-ms-error-code", code)
	stWriteJSON(w, status, wire.ErrorResponse{Error: wire.ErrorDetail{Code: code, Message: msg}})
}

func (f *stFake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, stReq{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body})
	f.mu.Unlock()
	if f.serveRunHistory(w, r, body) {
		return
	}

	if strings.HasPrefix(r.URL.Path, "/score/") {
		if r.Header.Get("Authorization") != "Bearer scope:"+stMLScope {
			stError(w, http.StatusUnauthorized, "InvalidToken", "scoring wants the ML-scoped token")
			return
		}
		f.mu.Lock()
		f.posts = append(f.posts, body)
		n := len(f.posts)
		f.mu.Unlock()
		name := fmt.Sprintf("batchjob-%04d", n)
		stWriteJSON(w, http.StatusCreated, wire.BatchJobResource{ID: name, Name: name, Properties: wire.BatchJob{Status: "Preparing"}})
		return
	}
	if r.Header.Get("Authorization") != "Bearer scope:"+stARMScope {
		stError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "ARM wants the ARM-scoped token")
		return
	}
	if got := r.URL.Query().Get("api-version"); got != DefaultAPIVersion {
		stError(w, http.StatusBadRequest, "InvalidApiVersion", "api-version "+got)
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, stWorkspace)
	if !ok {
		stError(w, http.StatusNotFound, "NotFound", "unknown workspace")
		return
	}
	seg := strings.Split(strings.Trim(p, "/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && len(seg) == 1 && seg[0] == "datastores":
		var out wire.List[wire.Datastore]
		for _, d := range f.datastores {
			if r.URL.Query().Get("isDefault") != "true" || d.Properties.IsDefault {
				out.Value = append(out.Value, d)
			}
		}
		stWriteJSON(w, http.StatusOK, out)
	case r.Method == http.MethodGet && len(seg) == 2 && seg[0] == "datastores":
		for _, d := range f.datastores {
			if d.Name == seg[1] {
				stWriteJSON(w, http.StatusOK, d)
				return
			}
		}
		stError(w, http.StatusNotFound, "UserError", "datastore not found")
	case r.Method == http.MethodPost && len(seg) == 3 && seg[0] == "datastores" && seg[2] == "listSecrets":
		sec, ok := f.secrets[seg[1]]
		if f.denySecret {
			stError(w, http.StatusForbidden, "AuthorizationFailed", "no datastores/listsecrets/action")
			return
		}
		if !ok {
			stError(w, http.StatusNotFound, "UserError", "no secrets")
			return
		}
		stWriteJSON(w, http.StatusOK, sec)
	case len(seg) == 4 && seg[0] == "data" && seg[2] == "versions" && r.Method == http.MethodPut:
		var in wire.DataVersionCreate
		if err := json.Unmarshal(body, &in); err != nil {
			stError(w, http.StatusBadRequest, "BadRequest", err.Error())
			return
		}
		now := time.Now().UTC().Format(time.RFC3339Nano)
		dv := wire.DataVersion{ID: stWorkspace + "/data/" + seg[1] + "/versions/" + seg[3], Name: seg[3],
			Type: "Microsoft.MachineLearningServices/workspaces/data/versions",
			Properties: wire.DataVersionProperties{DataType: in.Properties.DataType, DataURI: in.Properties.DataURI,
				Description: in.Properties.Description, Tags: in.Properties.Tags, IsAnonymous: in.Properties.IsAnonymous},
			SystemData: &wire.SystemData{CreatedAt: now, LastModifiedAt: now}}
		f.data[seg[1]] = append(f.data[seg[1]], dv)
		stWriteJSON(w, http.StatusCreated, dv)
	case len(seg) == 3 && seg[0] == "data" && seg[2] == "versions" && r.Method == http.MethodGet:
		vs, ok := f.data[seg[1]]
		if !ok {
			stError(w, http.StatusNotFound, "UserError", "data container not found")
			return
		}
		out := wire.List[wire.DataVersion]{}
		if len(vs) > 0 && r.URL.Query().Get("$orderBy") == "createdtime desc" && r.URL.Query().Get("$top") == "1" {
			out.Value = []wire.DataVersion{vs[len(vs)-1]}
		}
		stWriteJSON(w, http.StatusOK, out)
	case len(seg) == 1 && seg[0] == "jobs" && r.Method == http.MethodGet:
		skip, _ := strconv.Atoi(r.URL.Query().Get("$skipToken"))
		end := min(skip+f.pageSize, len(f.jobs))
		out := wire.List[wire.Job]{Value: append([]wire.Job{}, f.jobs[skip:end]...)}
		if end < len(f.jobs) {
			q := url.Values{"api-version": {DefaultAPIVersion}, "$skipToken": {strconv.Itoa(end)}}
			out.NextLink = f.srv.URL + stWorkspace + "/jobs?" + q.Encode()
		}
		stWriteJSON(w, http.StatusOK, out)
	case len(seg) == 2 && seg[0] == "jobs" && r.Method == http.MethodGet:
		for _, j := range f.jobs {
			if j.Name == seg[1] {
				stWriteJSON(w, http.StatusOK, j)
				return
			}
		}
		stError(w, http.StatusNotFound, "UserError", "job not found")
	case len(seg) == 2 && seg[0] == "batchEndpoints" && r.Method == http.MethodGet:
		dep := "d1"
		stWriteJSON(w, http.StatusOK, wire.BatchEndpoint{Name: seg[1], Properties: wire.BatchEndpointProperties{
			ScoringURI: f.srv.URL + "/score/" + seg[1], Defaults: &wire.BatchEndpointDefaults{DeploymentName: &dep}, ProvisioningState: "Succeeded"}})
	case len(seg) == 4 && seg[0] == "batchEndpoints" && seg[2] == "deployments" && r.Method == http.MethodGet:
		stWriteJSON(w, http.StatusOK, wire.BatchDeployment{Name: seg[3], Properties: wire.BatchDeploymentProperties{
			Model: &wire.AssetReference{ReferenceType: "Id", AssetID: stWorkspace + "/models/m/versions/1"}, ProvisioningState: "Succeeded"}})
	default:
		stError(w, http.StatusNotFound, "NotFound", r.Method+" "+p)
	}
}

// stCounter counts requests per method and host; it wraps the test transport.
type stCounter struct {
	next  policy.Transporter
	mu    sync.Mutex
	count map[string]int // "METHOD host"
	total atomic.Int64
}

func (c *stCounter) Do(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.count[req.Method+" "+req.URL.Host]++
	c.mu.Unlock()
	c.total.Add(1)
	return c.next.Do(req)
}

func (c *stCounter) get(method, host string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[method+" "+host]
}

// newSTClient returns a client on the fake whose transport trusts the fake and,
// when pool is set, Azurite's certificate too.
func newSTClient(t testing.TB, f *stFake, cred azcore.TokenCredential, extra *x509.CertPool, opts *ClientOptions) (*Client, *stCounter) {
	t.Helper()
	tr := f.srv.Client().Transport.(*http.Transport).Clone()
	pool := tr.TLSClientConfig.RootCAs
	if extra != nil {
		pool = extra.Clone()
		pool.AddCert(f.srv.Certificate())
	}
	tr.TLSClientConfig.RootCAs = pool
	tr.MaxIdleConnsPerHost = 32
	counter := &stCounter{next: &http.Client{Transport: tr}, count: map[string]int{}}
	o := ClientOptions{}
	if opts != nil {
		o = *opts
	}
	o.Cloud = cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
		cloud.ResourceManager: {Endpoint: f.srv.URL, Audience: "https://management.azure.com"},
	}}
	o.Transport = counter
	o.Retry = policy.RetryOptions{MaxRetries: 1, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 50 * time.Millisecond}
	c, err := NewClient(Workspace{SubscriptionID: "SUB", ResourceGroup: "RG", Name: "WSX"}, cred, &o)
	require.NoError(t, err)
	return c, counter
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

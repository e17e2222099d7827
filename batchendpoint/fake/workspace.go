package fake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// Default identity of the fake workspace.
const (
	DefaultSubscriptionID = "00000000-0000-0000-0000-00000000fa4e"
	DefaultResourceGroup  = "fake-rg"
	DefaultWorkspaceName  = "fake-ws"
)

// DefaultDatastore is the name of the default datastore every Workspace has.
const DefaultDatastore = "workspaceblobstore"

// Options configure NewWorkspace and StartWorkspace. A nil *Options means defaults.
type Options struct {
	// Workspace is the workspace's identity; empty fields take DefaultSubscriptionID,
	// DefaultResourceGroup and DefaultWorkspaceName.
	Workspace batchendpoint.Workspace

	// InProcess serves the emulator's ARM and data-plane requests from its
	// handlers inside the test process: no TLS handshake and no loopback socket
	// for them. Behaviour is the same (tokens, validation, jobs, faults), except
	// that an injected connection reset surfaces as an error wrapping
	// syscall.ECONNRESET. Storage requests still go over HTTPS to Azurite, which
	// is a separate process (unless NoStorage).
	InProcess bool

	// NoStorage skips Azurite (no Node.js needed). Datastores then have no
	// storage behind them: uploads, downloads and the fake's blob helpers fail,
	// and jobs that read or write data fail with a UserError. Jobs of pipeline
	// deployments that take only literals and write no outputs still run.
	NoStorage bool

	// StepDelay is how long a job stays in Preparing, Queued and Finalizing;
	// 5 ms when zero, no delay when negative.
	StepDelay time.Duration

	// ClientOptions is the base of ClientOptions() and of the client Client()
	// returns (retry, logging, cache TTL, ...). Its Cloud and Transport are
	// replaced to point at the fake.
	ClientOptions *batchendpoint.ClientOptions

	// RepeatabilityWindow is how long invokes with a repeatability id are
	// remembered for de-duplication (see the package documentation); 5 minutes
	// when zero or negative.
	RepeatabilityWindow time.Duration

	// ServiceURLDatastoreEndpoints makes datastores report Azurite's blob
	// service URL (https://127.0.0.1:PORT/devstoreaccount1) as
	// properties.endpoint, the fake's earlier shape. By default they answer as
	// the real service does: endpoint is the DNS suffix core.windows.net next
	// to accountName, so clients address storage as
	// https://devstoreaccount1.blob.core.windows.net, which reaches Azurite
	// through the emulator's storage proxy (StorageProxyURL; the transport of
	// ClientOptions uses it).
	ServiceURLDatastoreEndpoints bool

	// RequestLogLimit, when positive, keeps only the newest RequestLogLimit
	// requests for Requests and Invocations (load tests); all when zero.
	RequestLogLimit int

	// ARMThrottle configures the throttling of ARM requests: on by default
	// with ARM's documented token buckets per subscription, principal and
	// operation type (reads 250 at 25/s, writes and deletes 200 at 10/s, a
	// subscription-wide bucket 15 times larger). Set Off to disable it.
	ARMThrottle ThrottleOptions

	// Logf, when set, receives one line per request the emulator serves and per
	// job status change (t.Logf is a good choice). Lines never contain secrets.
	Logf func(format string, args ...any)
}

// Workspace is a fake Azure Machine Learning workspace: an emulator serving the
// ARM and data-plane API of batch endpoints over HTTPS on 127.0.0.1, with its
// datastores in Azurite. Create it with NewWorkspace in a test, or with
// StartWorkspace anywhere else. Its methods are safe for concurrent use. The
// ones that register things or touch storage fail the test (t.Fatalf) on error,
// so call them from the test's goroutine; on a Workspace from StartWorkspace
// they panic instead, as net/http/httptest does when it cannot start.
type Workspace struct {
	t          reporter
	srv        *emulator.Server
	ws         *emulator.Workspace
	st         *storage
	uid        string
	inProcess  bool
	baseOpts   batchendpoint.ClientOptions
	httpClient *http.Client
	client     *batchendpoint.Client
	closeOnce  sync.Once
	closeErr   error
}

// reporter is the part of testing.TB the Workspace's methods use.
type reporter interface {
	Helper()
	Fatalf(format string, args ...any)
}

// panicker reports like a test outside of one: by panicking.
type panicker struct{}

func (panicker) Helper() {}

func (panicker) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// NewWorkspace starts a fake workspace for the test, as StartWorkspace does,
// and stops it with t.Cleanup. It fails the test if the workspace cannot
// start. Azurite is shared by the Workspaces of the test binary; see RunTests.
func NewWorkspace(t testing.TB, options *Options) *Workspace {
	t.Helper()
	w, err := startWorkspace(context.Background(), options, t)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return w
}

// StartWorkspace starts a fake workspace: the emulator (a new one per call) and
// Azurite (shared by the Workspaces alive at the same time), registers a
// workspace with the default datastore workspaceblobstore (AzureBlob, account
// key) and returns a handle with a ready client. Close stops it. ctx bounds the
// start only; the first start on a machine may install Azurite from npm (a
// pinned version; see the package documentation for where). Use it outside
// tests, for example in a program or an Example; tests can call NewWorkspace
// instead.
func StartWorkspace(ctx context.Context, options *Options) (*Workspace, error) {
	return startWorkspace(ctx, options, panicker{})
}

func startWorkspace(ctx context.Context, options *Options, t reporter) (*Workspace, error) {
	var o Options
	if options != nil {
		o = *options
	}
	wsID := o.Workspace
	if wsID.SubscriptionID == "" {
		wsID.SubscriptionID = DefaultSubscriptionID
	}
	if wsID.ResourceGroup == "" {
		wsID.ResourceGroup = DefaultResourceGroup
	}
	if wsID.Name == "" {
		wsID.Name = DefaultWorkspaceName
	}
	w := &Workspace{t: t, uid: strings.ReplaceAll(uuid.NewString(), "-", ""), inProcess: o.InProcess}
	if o.ClientOptions != nil {
		w.baseOpts = *o.ClientOptions
	}
	eo := &emulator.Options{StepDelay: o.StepDelay, Logf: o.Logf, RepeatabilityWindow: o.RepeatabilityWindow,
		ServiceURLDatastoreEndpoints: o.ServiceURLDatastoreEndpoints, ARMThrottle: o.ARMThrottle,
		RequestLogLimit: o.RequestLogLimit}
	if eo.StepDelay == 0 {
		eo.StepDelay = 5 * time.Millisecond
	}
	if !o.NoStorage {
		st, err := acquireStorage(ctx)
		if err != nil {
			return nil, err // startStorage says "fake: ..."
		}
		w.st = st
		eo.TrustedCAs = [][]byte{st.certPEM}
	}
	fail := func(format string, args ...any) (*Workspace, error) {
		err := fmt.Errorf(format, args...)
		if cerr := w.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return nil, err
	}
	srv, err := emulator.New(eo)
	if err != nil {
		return fail("fake: starting the emulator: %w", err)
	}
	w.srv = srv
	if err := srv.Start(); err != nil {
		return fail("fake: starting the emulator: %w", err)
	}
	ws, err := srv.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: wsID.SubscriptionID, ResourceGroup: wsID.ResourceGroup, Name: wsID.Name})
	if err != nil {
		return fail("fake: %w", err)
	}
	w.ws = ws
	w.httpClient = w.newHTTPClient()
	if err := w.addDatastore(Datastore{Name: DefaultDatastore, Default: true, Container: "azureml-blobstore-" + w.uid[:32]}); err != nil {
		return fail("fake: %w", err)
	}
	c, err := batchendpoint.NewClient(w.Workspace(), w.Credential(), w.ClientOptions())
	if err != nil {
		return fail("fake: creating the client: %w", err)
	}
	w.client = c
	return w, nil
}

// Close stops the emulator (canceling running jobs) and releases Azurite,
// which stops when no Workspace uses it any more (see RunTests). It is
// idempotent; later calls return the first call's error.
func (w *Workspace) Close() error {
	w.closeOnce.Do(func() {
		if w.srv != nil {
			_ = w.srv.Close()
		}
		if w.st != nil {
			if err := releaseStorage(); err != nil {
				w.closeErr = fmt.Errorf("fake: stopping Azurite: %w", err)
			}
		}
	})
	return w.closeErr
}

// newHTTPClient returns the transport clients use: it trusts the emulator's CA
// and Azurite's certificate, and in InProcess mode hands emulator requests to
// the emulator's handlers directly.
func (w *Workspace) newHTTPClient() *http.Client {
	if !w.inProcess {
		c := w.srv.HTTPClient()
		c.Timeout = 0 // contexts bound requests; a fixed timeout would cut long waits short
		if t, ok := c.Transport.(*http.Transport); ok {
			sizePool(t)
		}
		return c
	}
	storage := http.DefaultTransport.(*http.Transport).Clone()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(w.srv.CACertPEM()) // the storage proxy's certificates
	if w.st != nil {
		pool.AppendCertsFromPEM(w.st.certPEM)
	}
	storage.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	sizePool(storage)
	storage.Proxy = w.srv.StorageProxy // production-style blob hosts reach Azurite through the emulator's proxy
	return &http.Client{Transport: &splitTransport{
		hosts:     map[string]bool{hostOf(w.srv.ARMEndpoint()): true, hostOf(w.srv.InferenceEndpoint()): true},
		inProcess: w.srv.InProcessTransport(),
		network:   storage,
	}}
}

// sizePool sizes t's idle pool as batchendpoint's default transport does, so
// that fan-out through the fake's clients reuses connections (with fewer idle
// slots than requests in flight, each extra request closes its connection and
// the next one dials and handshakes again).
func sizePool(t *http.Transport) {
	t.MaxIdleConnsPerHost = batchendpoint.DefaultMaxIdleConnsPerHost
	t.MaxIdleConns = 4 * batchendpoint.DefaultMaxIdleConnsPerHost
}

func hostOf(u string) string {
	_, h, _ := strings.Cut(u, "://")
	return h
}

// splitTransport serves emulator hosts in-process and sends the rest (Azurite) over the network.
type splitTransport struct {
	hosts     map[string]bool
	inProcess http.RoundTripper
	network   http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (s *splitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.hosts[r.URL.Host] {
		return s.inProcess.RoundTrip(r)
	}
	return s.network.RoundTrip(r)
}

// Client returns the workspace's client (the same one on every call), built
// from ClientOptions.
func (w *Workspace) Client() *batchendpoint.Client { return w.client }

// ClientOptions returns new options for batchendpoint.NewClient that reach the
// fake: the cloud configuration points Resource Manager at the emulator (with
// the real audiences) and the transport trusts the emulator and Azurite.
// Retries back off in milliseconds rather than seconds, to keep tests fast.
func (w *Workspace) ClientOptions() *batchendpoint.ClientOptions {
	o := w.baseOpts
	o.Cloud = w.srv.Cloud()
	o.Transport = w.httpClient
	if o.Retry.RetryDelay == 0 && o.Retry.MaxRetryDelay == 0 {
		o.Retry.RetryDelay, o.Retry.MaxRetryDelay = 5*time.Millisecond, 100*time.Millisecond
	}
	if o.PollInterval == 0 {
		o.PollInterval = 5 * time.Millisecond // the fake's jobs step every few ms
	}
	return &o
}

// Credential returns a credential the fake accepts: it mints unsigned tokens
// for whatever scope is asked (ARM, Azure ML, Storage).
func (w *Workspace) Credential() azcore.TokenCredential { return w.srv.Credential() }

// Workspace returns the workspace's identity, for batchendpoint.NewClient.
func (w *Workspace) Workspace() batchendpoint.Workspace {
	c := w.ws.Config()
	return batchendpoint.Workspace{SubscriptionID: c.SubscriptionID, ResourceGroup: c.ResourceGroup, Name: c.Name}
}

// ThrottleStats returns how many ARM requests the fake served and answered
// 429 (throttled), in total and per (subscription, principal), by operation
// type.
func (w *Workspace) ThrottleStats() ThrottleStats { return w.srv.ThrottleStats() }

// ResetThrottle refills the ARM throttle's buckets and zeroes its counters.
func (w *Workspace) ResetThrottle() { w.srv.ResetThrottle() }

// ARMEndpoint is the emulator's Resource Manager base URL (https://127.0.0.1:PORT),
// for clients other than batchendpoint. It is not dialled in InProcess mode.
func (w *Workspace) ARMEndpoint() string { return w.srv.ARMEndpoint() }

// CACertPEM returns the PEM certificates a client must trust to reach the
// emulator and Azurite.
func (w *Workspace) CACertPEM() []byte {
	pem := w.srv.CACertPEM()
	if w.st != nil {
		pem = append(pem, w.st.certPEM...)
	}
	return pem
}

// StorageProxyURL is the emulator's storage proxy (http://127.0.0.1:PORT), the
// HTTPS_PROXY for clients in other processes: it routes the datastores'
// production-style blob hosts (<account>.blob.core.windows.net) to Azurite
// with certificates from CACertPEM, tunnels to the emulator's own listeners
// and refuses anything else.
func (w *Workspace) StorageProxyURL() string { return w.srv.StorageProxyURL() }

// ScoringURI is the scoringUri of endpoint.
func (w *Workspace) ScoringURI(endpoint string) string { return w.ws.ScoringURI(endpoint) }

// DatastoreID is the ARM id of datastore name.
func (w *Workspace) DatastoreID(name string) string { return w.ws.DatastoreID(name) }

// DataAssetID is the ARM id of a data asset version.
func (w *Workspace) DataAssetID(name, version string) string {
	return w.ws.DataVersionID(name, version)
}

// AddEndpoint registers a batch endpoint.
func (w *Workspace) AddEndpoint(e Endpoint) {
	w.t.Helper()
	if err := w.ws.AddBatchEndpoint(e); err != nil {
		w.t.Fatalf("fake: %v", err)
	}
}

// SetDefaultDeployment changes (or with "" clears) an endpoint's default deployment.
func (w *Workspace) SetDefaultDeployment(endpoint, deployment string) {
	w.t.Helper()
	if err := w.ws.SetDefaultDeployment(endpoint, deployment); err != nil {
		w.t.Fatalf("fake: %v", err)
	}
}

// AddModelDeployment registers a model deployment under endpoint; one with the
// same name is replaced.
func (w *Workspace) AddModelDeployment(endpoint string, d ModelDeployment) {
	w.t.Helper()
	if err := w.ws.AddModelDeployment(endpoint, d); err != nil {
		w.t.Fatalf("fake: %v", err)
	}
}

// AddPipelineDeployment registers a pipeline component deployment under
// endpoint; one with the same name is replaced.
func (w *Workspace) AddPipelineDeployment(endpoint string, d PipelineDeployment) {
	w.t.Helper()
	if err := w.ws.AddPipelineDeployment(endpoint, d); err != nil {
		w.t.Fatalf("fake: %v", err)
	}
}

var containerChars = regexp.MustCompile(`[^a-z0-9-]+`)

// AddDatastore registers a datastore on a container of the fake's Azurite,
// creating the container; a datastore with the same name is replaced.
func (w *Workspace) AddDatastore(d Datastore) {
	w.t.Helper()
	if err := w.addDatastore(d); err != nil {
		w.t.Fatalf("fake: %v", err)
	}
}

func (w *Workspace) addDatastore(d Datastore) error {
	if d.Container == "" {
		base := strings.Trim(containerChars.ReplaceAllString(strings.ToLower(d.Name), "-"), "-")
		if len(base) > 30 {
			base = base[:30]
		}
		d.Container = strings.TrimLeft(base+"-"+w.uid[:24], "-")
	}
	ed := emulator.Datastore{Name: d.Name, Type: d.Type, Container: d.Container, Default: d.Default,
		AccountName: "devstoreaccount1", Description: d.Description}
	if w.st != nil && d.Type != DatastoreAzureFile {
		ed.ServiceURL = w.st.inst.BlobURL()
		ed.AccountName = w.st.inst.AccountName()
		switch d.Credentials {
		case "", CredentialsAccountKey:
			ed.AccountKey = w.st.inst.AccountKey()
		case CredentialsSAS:
			sas, err := w.containerSAS(d.Container, true)
			if err != nil {
				return fmt.Errorf("datastore %s: %w", d.Name, err)
			}
			ed.SASToken = sas
			// The emulator reads storage URLs of this account with the key either way.
			w.srv.AddStorageAccount(ed.ServiceURL, ed.AccountName, w.st.inst.AccountKey())
		default:
			return fmt.Errorf("datastore %s: unsupported credentials %q", d.Name, d.Credentials)
		}
	}
	if err := w.ws.AddDatastore(ed); err != nil {
		return err
	}
	if ed.ServiceURL != "" {
		if err := w.ensureContainer(d.Container); err != nil {
			return fmt.Errorf("datastore %s: creating container %s: %w", d.Name, d.Container, err)
		}
	}
	return nil
}

// AddDataAsset registers a data asset version. Registering an existing version
// with a different path or type fails: versions are immutable.
func (w *Workspace) AddDataAsset(a DataAsset) {
	w.t.Helper()
	if err := w.ws.AddDataAsset(a); err != nil {
		w.t.Fatalf("fake: data asset %s:%s: %v", a.Name, a.Version, err)
	}
}

// String names the fake's listeners; it never contains secrets.
func (w *Workspace) String() string {
	return fmt.Sprintf("fake.Workspace(%s, %s)", w.ws.Config().Name, w.srv)
}

// ctx bounds the fake's own storage calls.
func opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Minute)
}

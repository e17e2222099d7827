package emulator

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// ServiceName is the cloud.ServiceName under which Cloud registers the Machine
// Learning data-plane audience. It equals batchendpoint.ServiceName.
const ServiceName cloud.ServiceName = "azmlbatch/batchendpoint"

// Default settings.
const (
	DefaultStepDelay    = 20 * time.Millisecond
	DefaultJobsPageSize = 50
	DefaultLocation     = "eastus"
)

// Options configures a Server. A nil *Options means defaults.
type Options struct {
	// StepDelay is how long a job stays in each intermediate status (Preparing,
	// Queued, Finalizing); DefaultStepDelay when zero, no delay when negative.
	StepDelay time.Duration
	// TenantID is the tenant of tokens minted by Credential; DefaultTenantID when empty.
	TenantID string
	// JobsPageSize is the page size of ARM job lists; DefaultJobsPageSize when zero.
	JobsPageSize int
	// StorageClient reaches the datastores' blob endpoints (Azurite). When nil a
	// client with default settings is used; set it when Azurite serves HTTPS with
	// its own certificate.
	StorageClient *http.Client
	// TrustedCAs are extra PEM CA certificates that Transport and HTTPClient
	// trust besides the emulator's own, e.g. an HTTPS Azurite's certificate, so one
	// client reaches both. The default StorageClient trusts them too.
	TrustedCAs [][]byte
	// RepeatabilityWindow is how long invokes with a repeatability id are
	// tracked (see the package documentation); DefaultRepeatabilityWindow when
	// zero or negative.
	RepeatabilityWindow time.Duration
	// ServiceURLDatastoreEndpoints makes a datastore registered without an
	// Endpoint report its ServiceURL as properties.endpoint (the emulator's
	// earlier shape, which batchendpoint reads as the blob service URL)
	// instead of the DNS suffix core.windows.net the real service reports.
	// With the default, clients build https://<account>.blob.core.windows.net
	// and reach Azurite through StorageProxyURL.
	ServiceURLDatastoreEndpoints bool
	// RequestLogLimit, when positive, keeps only the newest RequestLogLimit
	// requests for Requests (load tests send millions); all are kept when zero.
	RequestLogLimit int
	// ARMThrottle configures the ARM listener's request throttling, on by
	// default with ARM's documented token buckets (see ThrottleOptions).
	ARMThrottle ThrottleOptions
	// Logf, when set, receives one line per request and per job status change
	// (e.g. t.Logf). Lines never contain tokens, keys or SAS signatures.
	Logf func(format string, args ...any)
}

// Server is a running emulator. Create it with New, register a workspace with
// AddWorkspace, call Start, and Close it when done. All methods are safe for
// concurrent use.
type Server struct {
	opts   Options
	certs  *certs
	tmpDir string
	caFile string
	cred   *Credential

	armLn, infLn   net.Listener
	armSrv, infSrv *http.Server
	armURL, infURL string
	proxy          *storageProxy
	throttle       *throttle // nil when off
	armRoutes      []*route
	infRoutes      []*route

	startOnce sync.Once
	closeOnce sync.Once
	jobsWG    sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	workspaces []*Workspace
	endpoints  map[string]*endpointState // lower-case endpoint name -> endpoint (names are unique per server)
	accounts   []storageAccount
	blobHosts  map[string]string // lower-case <account>.blob.<suffix> -> Azurite origin
	jobs       map[string]*job   // job name -> job
	childRuns  map[string]*job   // lower-case child run id -> its job
	jobOrder   []*job
	repeat     map[string]*repeatEntry // lower-case endpoint + "|" + repeatability id
	clock      func() time.Time        // tests only; nil = time.Now
	faults     []*FaultHandle
	holds      []*Hold
	failNext   []JobError
	requests   []*Request
	seq        int64
}

// New creates a server: it generates the CA and certificate, writes the CA to a
// temporary file and binds both listeners on 127.0.0.1 (so URLs are known before
// Start). Call Close to release them.
func New(opts *Options) (*Server, error) {
	s := &Server{
		endpoints: map[string]*endpointState{},
		jobs:      map[string]*job{},
		repeat:    map[string]*repeatEntry{},
		blobHosts: map[string]string{},
		childRuns: map[string]*job{},
	}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.StepDelay == 0 {
		s.opts.StepDelay = DefaultStepDelay
	}
	if s.opts.JobsPageSize <= 0 {
		s.opts.JobsPageSize = DefaultJobsPageSize
	}
	if s.opts.TenantID == "" {
		s.opts.TenantID = DefaultTenantID
	}
	s.cred = &Credential{TenantID: s.opts.TenantID}
	if !s.opts.ARMThrottle.Off {
		s.throttle = newThrottle(s.opts.ARMThrottle)
	}
	c, err := newCerts()
	if err != nil {
		return nil, err
	}
	for i, pem := range s.opts.TrustedCAs {
		if !c.caPool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("emulator: Options.TrustedCAs[%d] holds no PEM certificate", i)
		}
	}
	if s.opts.StorageClient == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if len(s.opts.TrustedCAs) > 0 {
			pool, err := x509.SystemCertPool()
			if err != nil {
				pool = x509.NewCertPool()
			}
			for _, pem := range s.opts.TrustedCAs {
				pool.AppendCertsFromPEM(pem)
			}
			t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		s.opts.StorageClient = &http.Client{Transport: t}
	}
	s.certs = c
	if s.tmpDir, err = os.MkdirTemp("", "azmlbatch-emulator-"); err != nil {
		return nil, err
	}
	s.caFile = filepath.Join(s.tmpDir, "emulator-ca.pem")
	if err := os.WriteFile(s.caFile, c.caPEM, 0o644); err != nil {
		_ = os.RemoveAll(s.tmpDir)
		return nil, err
	}
	if s.armLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		_ = os.RemoveAll(s.tmpDir)
		return nil, err
	}
	if s.infLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		_ = s.armLn.Close()
		_ = os.RemoveAll(s.tmpDir)
		return nil, err
	}
	if s.proxy, err = newStorageProxy(s); err != nil {
		_ = s.armLn.Close()
		_ = s.infLn.Close()
		_ = os.RemoveAll(s.tmpDir)
		return nil, err
	}
	s.armURL = "https://" + s.armLn.Addr().String()
	s.infURL = "https://" + s.infLn.Addr().String()
	s.armRoutes = s.armRouteTable()
	s.infRoutes = s.inferenceRouteTable()
	tlsCfg := func() *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{c.leaf}, MinVersion: tls.VersionTLS12}
	}
	// HTTP/1.1 only (empty TLSNextProto): connection-reset faults hijack the connection.
	s.armSrv = &http.Server{Handler: s.handler(listenerARM), TLSConfig: tlsCfg(),
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}, ReadHeaderTimeout: 30 * time.Second,
		ErrorLog: nullLogger()}
	s.infSrv = &http.Server{Handler: s.handler(listenerInference), TLSConfig: tlsCfg(),
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}, ReadHeaderTimeout: 30 * time.Second,
		ErrorLog: nullLogger()}
	return s, nil
}

// Start serves both listeners in the background. It may be called once.
func (s *Server) Start() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errors.New("emulator: Start after Close")
	}
	started := false
	s.startOnce.Do(func() {
		started = true
		go func() { _ = s.armSrv.ServeTLS(s.armLn, "", "") }()
		go func() { _ = s.infSrv.ServeTLS(s.infLn, "", "") }()
		s.proxy.start()
	})
	if !started {
		return errors.New("emulator: Start called twice")
	}
	return nil
}

// closeJobWait bounds how long Close waits for job goroutines.
const closeJobWait = 10 * time.Second

// Close cancels running jobs, waits for them (at most 10 s), stops the listeners and removes
// the temporary files (CA file, job scratch folders).
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		jobs := append([]*job(nil), s.jobOrder...)
		holds := append([]*Hold(nil), s.holds...)
		s.mu.Unlock()
		for _, j := range jobs {
			j.cancel(errShutdown)
		}
		for _, h := range holds {
			h.Release()
		}
		// Deployment funcs should honour ctx; one that does not must not hang Close forever.
		done := make(chan struct{})
		go func() { s.jobsWG.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(closeJobWait):
			s.logf("Close: jobs still running after %v (a deployment function ignores its context)", closeJobWait)
		}
		_ = s.armSrv.Close()
		_ = s.infSrv.Close()
		_ = s.armLn.Close()
		_ = s.infLn.Close()
		s.proxy.close()
		_ = os.RemoveAll(s.tmpDir)
	})
	return nil
}

// ARMEndpoint is the base URL of the ARM listener, e.g. https://127.0.0.1:41234
// (no trailing slash); it stands in for https://management.azure.com.
func (s *Server) ARMEndpoint() string { return s.armURL }

// InferenceEndpoint is the base URL of the inference listener; scoring URIs are
// InferenceEndpoint + "/<endpoint>/jobs".
func (s *Server) InferenceEndpoint() string { return s.infURL }

// CACertPEM returns the PEM-encoded CA certificate clients must trust.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.certs.caPEM...) }

// CACertFile is the path of a file holding CACertPEM (removed by Close), for
// tools that take a CA bundle path (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, curl --cacert).
func (s *Server) CACertFile() string { return s.caFile }

// Transport returns a new *http.Transport trusting the emulator's CA and
// Options.TrustedCAs (and nothing else), and sends requests for the
// datastores' production-style blob hosts through the storage proxy. It keeps up to 32 idle connections per
// host (net/http's default is 2), so concurrent tests reuse connections instead
// of handshaking again.
func (s *Server) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: s.certs.caPool, MinVersion: tls.VersionTLS12}
	t.MaxIdleConnsPerHost = 32
	t.Proxy = s.StorageProxy
	return t
}

// HTTPClient returns a new *http.Client using Transport. It satisfies azcore's
// policy.Transporter, so it can go into azcore.ClientOptions.Transport.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: s.Transport(), Timeout: 2 * time.Minute}
}

// Cloud returns a cloud configuration whose Resource Manager endpoint is the
// emulator (audience https://management.azure.com) and whose ServiceName entry
// carries the Machine Learning audience https://ml.azure.com.
func (s *Server) Cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: "https://login.microsoftonline.com/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Audience: AudienceARM, Endpoint: s.armURL},
			ServiceName:           {Audience: AudienceML},
		},
	}
}

// ClientOptions returns azcore client options (Cloud and Transport) for SDK
// clients pointed at the emulator.
func (s *Server) ClientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{Cloud: s.Cloud(), Transport: s.HTTPClient()}
}

// Credential returns the server's test credential (see Credential); it mints
// tokens in Options.TenantID.
func (s *Server) Credential() *Credential { return s.cred }

// TenantID is the tenant used in minted tokens and WWW-Authenticate challenges.
func (s *Server) TenantID() string { return s.opts.TenantID }

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf("emulator: "+format, args...)
	}
}

// String names the two listeners; it never includes secrets.
func (s *Server) String() string {
	return fmt.Sprintf("emulator(arm=%s, inference=%s)", s.armURL, s.infURL)
}

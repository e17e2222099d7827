package emulator_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/azurite/azuritetest"
	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// newHTTPSEnv is newEnv's default workspace on an HTTPS Azurite, so datastores
// answer as the real service (endpoint core.windows.net) and clients reach
// them through the storage proxy.
func newHTTPSEnv(t *testing.T) *env {
	t.Helper()
	inst, cert := azuritetest.StartHTTPST(t, nil)
	s, err := emulator.New(&emulator.Options{TrustedCAs: [][]byte{cert.CertPEM}, Logf: t.Logf, StepDelay: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Start())
	ws, err := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: sub, ResourceGroup: rg, Name: wsName, Location: "westus2"})
	require.NoError(t, err)
	e := &env{t: t, s: s, ws: ws, hc: s.HTTPClient(), az: inst, container: "data"}
	require.NoError(t, ws.AddDatastore(emulator.Datastore{Name: "workspaceblobstore", ServiceURL: inst.BlobURL(), AccountName: inst.AccountName(),
		AccountKey: inst.AccountKey(), Container: "data", Default: true}))
	require.NoError(t, ws.EnsureContainers(context.Background()))
	require.NoError(t, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "heart", DefaultDeployment: "classifier"}))
	require.NoError(t, ws.AddModelDeployment("heart", emulator.ModelDeployment{Name: "classifier", MiniBatchSize: 2}))
	return e
}

// proxyClient is a client configured as HTTPS_PROXY=StorageProxyURL with the
// emulator's CA as its bundle: every request goes through the proxy.
func proxyClient(t *testing.T, s *emulator.Server) *http.Client {
	t.Helper()
	pu, err := url.Parse(s.StorageProxyURL())
	require.NoError(t, err)
	tr := s.Transport()
	tr.Proxy = http.ProxyURL(pu)
	return &http.Client{Transport: tr}
}

func TestStorageProxy(t *testing.T) {
	e := newHTTPSEnv(t)
	var dials atomic.Int32
	emulator.SetProxyDial(e.s, func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	})
	hc := proxyClient(t, e.s)
	host := e.az.AccountName() + ".blob.core.windows.net"
	require.True(t, strings.HasPrefix(e.s.StorageProxyURL(), "http://127.0.0.1:"))

	t.Run("production-style host reaches Azurite", func(t *testing.T) {
		cred, err := azblob.NewSharedKeyCredential(e.az.AccountName(), e.az.AccountKey())
		require.NoError(t, err)
		cc, err := container.NewClientWithSharedKeyCredential("https://"+host+"/data", cred, &container.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: hc}})
		require.NoError(t, err)
		_, err = cc.NewBlockBlobClient("via-proxy/a.txt").UploadBuffer(context.Background(), []byte("through the proxy"), nil)
		require.NoError(t, err)
		assert.Equal(t, "through the proxy", e.download("workspaceblobstore", "via-proxy/a.txt"), "the blob is in Azurite's devstoreaccount1")
		// The emulator's own jobs read storage URLs with the production-style host.
		e.upload("workspaceblobstore", map[string]string{"urlin/x.csv": "1"})
		info := e.wait(e.invokeOK("heart", body(map[string]any{"d": input("UriFolder", "https://"+host+"/data/urlin")}, nil), nil))
		assert.Equal(t, emulator.StatusCompleted, info.Status, "%+v", info.Error)
		assert.Equal(t, e.az.BlobURL()+"/data/x?sv=1", e.s.BlobHostURL("https://"+host+"/data/x?sv=1"))
		assert.Equal(t, "https://example.com/data/x", e.s.BlobHostURL("https://example.com/data/x"), "other hosts unchanged")
	})

	t.Run("tunnels to the emulator's listeners", func(t *testing.T) {
		r := e.do(http.MethodGet, e.armURL(""), emulator.AudienceARM, nil, nil)
		require.Equal(t, http.StatusOK, r.status)
		req, err := http.NewRequest(http.MethodGet, e.armURL(""), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+e.token(emulator.AudienceARM))
		res, err := hc.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
	})

	t.Run("refuses other destinations without dialling", func(t *testing.T) {
		before := dials.Load()
		for _, target := range []string{
			"example.com:443",
			"unknownaccount.blob.core.windows.net:443",
			host + ":8443", // a routed name on another port
			"127.0.0.1:1",  // loopback, but no listener of the emulator
			"management.azure.com:443",
		} {
			t.Run(target, func(t *testing.T) {
				conn, err := net.Dial("tcp", strings.TrimPrefix(e.s.StorageProxyURL(), "http://"))
				require.NoError(t, err)
				defer conn.Close()
				_, err = conn.Write([]byte("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n"))
				require.NoError(t, err)
				res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodConnect})
				require.NoError(t, err)
				res.Body.Close()
				assert.Equal(t, http.StatusForbidden, res.StatusCode)
			})
		}
		// A client through the proxy sees the refusal; plain-http forwarding is refused too.
		_, err := hc.Get("https://example.com/")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Forbidden")
		res, err := hc.Get("http://example.com/")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		assert.Equal(t, before, dials.Load(), "no destination was dialled")
	})

	t.Run("certificate names the production host", func(t *testing.T) {
		tr := e.s.Transport()
		var cn string
		tr.Proxy = http.ProxyURL(mustURL(t, e.s.StorageProxyURL()))
		tr.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
			cn = cs.PeerCertificates[0].DNSNames[0]
			return nil
		}
		res, err := (&http.Client{Transport: tr}).Get("https://" + host + "/?comp=list")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, host, cn)
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

// The old datastore shape stays available: endpoint is the blob service URL.
func TestServiceURLDatastoreEndpoints(t *testing.T) {
	cases := []struct {
		name     string
		opts     emulator.Options
		svc      string
		endpoint string
		protocol string
	}{
		{"default https", emulator.Options{}, "https://127.0.0.1:10000/devstoreaccount1", "core.windows.net", "https"},
		{"legacy option", emulator.Options{ServiceURLDatastoreEndpoints: true}, "https://127.0.0.1:10000/devstoreaccount1", "https://127.0.0.1:10000/devstoreaccount1", "https"},
		{"plain http keeps the URL", emulator.Options{}, "http://127.0.0.1:10000/devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "http"},
		{"no storage", emulator.Options{}, "", "core.windows.net", "https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{opts: &tc.opts})
			require.NoError(t, e.ws.AddDatastore(emulator.Datastore{Name: "probe", ServiceURL: tc.svc, AccountName: "devstoreaccount1", AccountKey: "a2V5", Container: "c"}))
			m := e.arm(http.MethodGet, "/datastores/probe", nil).json(t)
			assert.Equal(t, tc.endpoint, dig(m, "properties", "endpoint"))
			assert.Equal(t, tc.protocol, dig(m, "properties", "protocol"))
			assert.Equal(t, "devstoreaccount1", dig(m, "properties", "accountName"))
		})
	}
}

// Metadata names keep the case they were set with through the proxy, in both
// directions, as on the real service: azure-ai-ml sends and looks for
// x-ms-meta-upload_status byte for byte, and Go's HTTP stack would send
// X-Ms-Meta-Upload_status.
func TestStorageProxyKeepsHeaderCase(t *testing.T) {
	e := newHTTPSEnv(t)
	host := e.az.AccountName() + ".blob.core.windows.net"
	token := e.token(emulator.AudienceStorage)
	tr := e.s.Transport()
	tr.Proxy = http.ProxyURL(mustURL(t, e.s.StorageProxyURL()))
	tr.ForceAttemptHTTP2 = false
	tests := []struct{ blob, name string }{
		{"case/lower.txt", "upload_status"},
		{"case/mixed.txt", "MixedCase_Name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPut, "https://"+host+"/data/"+tc.blob, strings.NewReader("x"))
			require.NoError(t, err)
			req.Header = http.Header{"Authorization": {"Bearer " + token}, "X-Ms-Version": {"2021-08-06"},
				"X-Ms-Blob-Type": {"BlockBlob"}, "x-ms-meta-" + tc.name: {"completed"}} // not canonicalized on the wire
			res, err := (&http.Client{Transport: tr}).Do(req)
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusCreated, res.StatusCode)

			// Raw response header names, read through the proxy by hand.
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.s.StorageProxyURL(), "http://"))
			require.NoError(t, err)
			defer conn.Close()
			_, err = conn.Write([]byte("CONNECT " + host + ":443 HTTP/1.1\r\nHost: " + host + ":443\r\n\r\n"))
			require.NoError(t, err)
			br := bufio.NewReader(conn)
			cres, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, cres.StatusCode)
			tc2 := tls.Client(&bufferedConn{Conn: conn, r: br}, &tls.Config{ServerName: host, RootCAs: tr.TLSClientConfig.RootCAs})
			_, err = tc2.Write([]byte("HEAD /data/" + tc.blob + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token +
				"\r\nx-ms-version: 2021-08-06\r\nConnection: close\r\n\r\n"))
			require.NoError(t, err)
			raw, err := io.ReadAll(tc2)
			require.NoError(t, err)
			assert.Contains(t, string(raw), "\r\nx-ms-meta-"+tc.name+": completed\r\n", "the name as set, not X-Ms-Meta-...")
		})
	}
}

// bufferedConn reads what a bufio.Reader already buffered before the conn.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

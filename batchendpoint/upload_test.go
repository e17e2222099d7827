package batchendpoint

import (
	"context"
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/localdata/localdatatest"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/azurite"
	"github.com/azmlbatch/azmlbatch/internal/azurite/azuritetest"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// stStorage is one Azurite instance (HTTPS, --oauth basic: shared key, SAS and
// bearer tokens all work) shared by the storage subtests.
type stStorage struct {
	az    *azurite.Instance
	cert  *azuritetest.TLSCert
	admin *azblob.Client
	host  string

	containers atomic.Int64
}

func startSTStorage(t *testing.T) *stStorage {
	t.Helper()
	az, cert := azuritetest.StartHTTPST(t, nil)
	cred, err := azblob.NewSharedKeyCredential(az.AccountName(), az.AccountKey())
	require.NoError(t, err)
	admin, err := azblob.NewClientWithSharedKeyCredential(az.BlobURL()+"/", cred, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: cert.HTTPClient()}})
	require.NoError(t, err)
	u, err := url.Parse(az.BlobURL())
	require.NoError(t, err)
	return &stStorage{az: az, cert: cert, admin: admin, host: u.Host}
}

// newContainer creates a fresh container.
func (s *stStorage) newContainer(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("c%04d", s.containers.Add(1))
	_, err := s.admin.CreateContainer(context.Background(), name, nil)
	require.NoError(t, err)
	return name
}

// datastore returns a Blob datastore on container reached with credType.
func (s *stStorage) datastore(name, containerName, credType string, isDefault bool) wire.Datastore {
	return wire.Datastore{Name: name, Properties: wire.DatastoreProperties{DatastoreType: "AzureBlob", AccountName: s.az.AccountName(),
		ContainerName: containerName, Endpoint: s.az.BlobURL(), Protocol: "https", IsDefault: isDefault,
		Credentials: &wire.DatastoreCredentials{CredentialsType: credType}}}
}

func (s *stStorage) keySecret() *wire.DatastoreSecrets {
	return &wire.DatastoreSecrets{SecretsType: "AccountKey", Key: s.az.AccountKey()}
}

func (s *stStorage) sasSecret(t *testing.T, containerName string, perms sas.ContainerPermissions) *wire.DatastoreSecrets {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(s.az.AccountName(), s.az.AccountKey())
	require.NoError(t, err)
	q, err := sas.BlobSignatureValues{Protocol: sas.ProtocolHTTPS, ExpiryTime: time.Now().Add(time.Hour), ContainerName: containerName,
		Permissions: perms.String()}.SignWithSharedKey(cred)
	require.NoError(t, err)
	return &wire.DatastoreSecrets{SecretsType: "Sas", SASToken: q.Encode()}
}

// blobs lists blob names under prefix with their metadata.
func (s *stStorage) blobs(t *testing.T, containerName, prefix string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	pager := s.admin.NewListBlobsFlatPager(containerName, &azblob.ListBlobsFlatOptions{Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true}})
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		require.NoError(t, err)
		for _, b := range page.Segment.BlobItems {
			md := map[string]string{}
			for k, v := range b.Metadata {
				md[strings.ToLower(k)] = *v
			}
			out[*b.Name] = md
		}
	}
	return out
}

func (s *stStorage) read(t *testing.T, containerName, name string) string {
	t.Helper()
	resp, err := s.admin.DownloadStream(context.Background(), containerName, name, nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// progressLog collects progress events; it is deliberately unsynchronized so the
// race detector catches a callback that runs concurrently.
type progressLog struct{ events []UploadProgress }

func (p *progressLog) add(e UploadProgress) { p.events = append(p.events, e) }

func (p *progressLog) last() UploadProgress {
	if len(p.events) == 0 {
		return UploadProgress{}
	}
	return p.events[len(p.events)-1]
}

// TestAzuriteStorage runs the Azurite-backed scenarios that need this file's
// hand-written ARM fake (see storagefake_test.go) on one Azurite instance; the
// plain folder, file and data asset uploads and the cancelled or disturbed
// uploads and the cancelled download run on the emulator (upload_fake_test.go,
// transfer_fake_test.go).
func TestAzuriteStorage(t *testing.T) {
	st := startSTStorage(t)
	t.Run("credential kinds", func(t *testing.T) { testUploadCredentialKinds(t, st) })
	t.Run("completed marker", func(t *testing.T) { testUploadMarker(t, st) })
	t.Run("datastore types", func(t *testing.T) { testUploadDatastoreTypes(t, st) })
	t.Run("download outputs", func(t *testing.T) { testDownloadOutputs(t, st) })
	t.Run("upload target", func(t *testing.T) { testUploadTarget(t, st) })
	t.Run("DNS suffix endpoint", func(t *testing.T) { testDNSSuffixEndpoint(t, st) })
}

func testUploadCredentialKinds(t *testing.T, st *stStorage) {
	ctx := context.Background()
	// Everything the SDK logs (AZURE_SDK_GO_LOGGING=all) is captured and checked for secrets.
	var logMu sync.Mutex
	var logText strings.Builder
	azlog.SetListener(func(_ azlog.Event, msg string) {
		logMu.Lock()
		defer logMu.Unlock()
		logText.WriteString(msg + "\n")
	})
	var secrets []string
	defer func() {
		azlog.SetListener(nil)
		logMu.Lock()
		defer logMu.Unlock()
		require.Contains(t, logText.String(), "sig=REDACTED", "the log saw SAS URLs, redacted")
		for _, s := range secrets {
			assert.NotContains(t, logText.String(), s)
		}
	}()
	dir := localdatatest.WriteTree(t, map[string]string{"data/a.csv": "a", "data/b.csv": "b", "data/c/d.csv": "d"})
	tests := []struct {
		name        string
		credType    string
		secret      func(cont string) *wire.DatastoreSecrets
		storageCred bool
		deny        bool // listSecrets answers 403
		wantErr     string
		listSecrets int
	}{
		{name: "account key", credType: "AccountKey", secret: func(string) *wire.DatastoreSecrets { return st.keySecret() }, listSecrets: 1},
		{name: "sas", credType: "Sas", secret: func(cont string) *wire.DatastoreSecrets {
			return st.sasSecret(t, cont, sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, List: true})
		}, listSecrets: 1},
		{name: "identity bearer token", credType: "None", storageCred: true},
		{name: "read-only sas fails without leaking it", credType: "Sas", secret: func(cont string) *wire.DatastoreSecrets {
			return st.sasSecret(t, cont, sas.ContainerPermissions{Read: true, List: true})
		}, listSecrets: 1, wantErr: "uploading"},
		{name: "identity without storage access", credType: "None", wantErr: "no storage credential"},
		{name: "listSecrets denied: the caller's bearer token", credType: "AccountKey", deny: true, storageCred: true, listSecrets: 1},
		{name: "listSecrets denied, no storage access either", credType: "AccountKey", deny: true, listSecrets: 1, wantErr: "no storage credential"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cont := st.newContainer(t)
			f := newSTFake(t)
			f.denySecret = tc.deny
			var sec *wire.DatastoreSecrets
			if tc.secret != nil {
				sec = tc.secret(cont)
				if sec.SASToken != "" {
					secrets = append(secrets, mustParseQuery(t, sec.SASToken).Get("sig"))
				} else {
					secrets = append(secrets, sec.Key)
				}
			}
			f.addDatastore(st.datastore("workspaceblobstore", cont, tc.credType, true), sec)
			cred := &stCred{}
			if tc.storageCred {
				cred.storage = &azuritetest.StorageJWTCredential{}
				tok, err := cred.storage.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{azuritetest.StorageScope}})
				require.NoError(t, err)
				secrets = append(secrets, strings.Split(tok.Token, ".")[1]) // the claims part is the same for every token of the hour
			}
			c, _ := newSTClient(t, f, cred, st.cert.Pool, nil)
			uri, err := c.uploadLocal(ctx, inputs.LocalPath(filepath.Join(dir, "data")), "", nil)
			assert.Equal(t, tc.listSecrets, f.count("POST", "/listSecrets"))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				if sec != nil {
					for _, secret := range []string{sec.Key, sec.SASToken, url.Values(mustParseQuery(t, sec.SASToken)).Get("sig")} {
						if secret != "" {
							assert.NotContains(t, err.Error(), secret)
							assert.NotContains(t, fmt.Sprintf("%+v", err), secret)
						}
					}
				}
				return
			}
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(uri, "/data/"), uri)
			assert.Len(t, st.blobs(t, cont, "LocalUpload/"), 3)
			if tc.storageCred {
				assert.Positive(t, cred.asked(azuritetest.StorageScope))
			} else {
				assert.Zero(t, cred.asked(azuritetest.StorageScope))
			}
		})
	}
}

func mustParseQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	require.NoError(t, err)
	return v
}

func testUploadMarker(t *testing.T, st *stStorage) {
	ctx := context.Background()
	dir := localdatatest.WriteTree(t, map[string]string{"x/a.txt": "a", "x/b.txt": "b"})
	tree, err := localdata.Scan(context.Background(), filepath.Join(dir, "x"))
	require.NoError(t, err)
	indicator := "LocalUpload/" + tree.Hash + "/x/a.txt"
	tests := []struct {
		name     string
		metadata map[string]*string // on a pre-existing indicator blob
		wantPUTs int
		skipped  bool
	}{
		// az ml (or an earlier run) completed this upload: reuse it.
		{name: "marker present", metadata: map[string]*string{"upload_status": ptr("completed"), "name": ptr("n"), "version": ptr("1")}, wantPUTs: 0, skipped: true},
		// An interrupted upload left the indicator unconfirmed: upload again.
		{name: "unconfirmed partial upload", metadata: map[string]*string{}, wantPUTs: 3},
		{name: "other status", metadata: map[string]*string{"upload_status": ptr("uploading")}, wantPUTs: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cont := st.newContainer(t)
			_, err := st.admin.UploadBuffer(ctx, cont, indicator, []byte("stale"), &azblob.UploadBufferOptions{Metadata: tc.metadata})
			require.NoError(t, err)
			f := newSTFake(t)
			f.addDatastore(st.datastore("workspaceblobstore", cont, "AccountKey", true), st.keySecret())
			c, counter := newSTClient(t, f, &stCred{}, st.cert.Pool, nil)
			var p progressLog
			_, err = c.uploadLocal(ctx, inputs.LocalPath(filepath.Join(dir, "x")), "", p.add)
			require.NoError(t, err)
			assert.Equal(t, tc.wantPUTs, counter.get("PUT", st.host))
			assert.Equal(t, tc.skipped, p.last().Skipped)
			if !tc.skipped {
				assert.Equal(t, "a", st.read(t, cont, indicator))
				assert.Equal(t, "completed", st.blobs(t, cont, indicator)[indicator]["upload_status"])
			}
		})
	}
}

// testUploadDatastoreTypes: a default datastore type the emulator does not
// serve (ADLS Gen1) is refused before its secrets are read; ADLS Gen2 and file
// shares are in TestUploadDatastoreTypes on the emulator.
func testUploadDatastoreTypes(t *testing.T, st *stStorage) {
	ctx := context.Background()
	dir := localdatatest.WriteTree(t, map[string]string{"d/a.txt": "a"})
	tests := []struct {
		name    string
		mutate  func(*wire.Datastore)
		wantErr string
	}{
		{name: "AzureDataLakeGen1", mutate: func(d *wire.Datastore) { d.Properties.DatastoreType = "AzureDataLakeGen1" },
			wantErr: "Datastore type AzureDataLakeGen1 is not supported for uploads."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cont := st.newContainer(t)
			f := newSTFake(t)
			ds := st.datastore("workspaceblobstore", cont, "AccountKey", true)
			tc.mutate(&ds)
			f.addDatastore(ds, st.keySecret())
			c, _ := newSTClient(t, f, &stCred{}, st.cert.Pool, nil)
			_, err := c.uploadLocal(ctx, inputs.LocalPath(filepath.Join(dir, "d")), "", nil)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.Zero(t, f.count("POST", "/listSecrets"))
				return
			}
			require.NoError(t, err)
			assert.Len(t, st.blobs(t, cont, "LocalUpload/"), 1)
		})
	}
}

func TestBlobContainerURL(t *testing.T) {
	tests := []struct {
		name    string
		ds      Datastore
		want    string
		wantErr string
	}{
		{name: "public cloud", ds: Datastore{Name: "d", AccountName: "acct", Container: "azureml-blobstore-1", Endpoint: "core.windows.net", Protocol: "https"},
			want: "https://acct.blob.core.windows.net/azureml-blobstore-1"},
		{name: "defaults", ds: Datastore{Name: "d", AccountName: "acct", Container: "c"}, want: "https://acct.blob.core.windows.net/c"},
		{name: "china", ds: Datastore{Name: "d", AccountName: "acct", Container: "c", Endpoint: "core.chinacloudapi.cn"}, want: "https://acct.blob.core.chinacloudapi.cn/c"},
		{name: "blob service URL (Azurite, path-style)", ds: Datastore{Name: "d", AccountName: "devstoreaccount1", Container: "c", Endpoint: "http://127.0.0.1:10000/devstoreaccount1/"},
			want: "http://127.0.0.1:10000/devstoreaccount1/c"},
		{name: "no container", ds: Datastore{Name: "d", AccountName: "acct"}, wantErr: "names no container"},
		{name: "bad account", ds: Datastore{Name: "d", AccountName: "evil.com/x", Container: "c"}, wantErr: "invalid storage account name"},
		{name: "bad endpoint", ds: Datastore{Name: "d", AccountName: "acct", Container: "c", Endpoint: "x/y"}, wantErr: "invalid storage endpoint"},
		{name: "URL with a query", ds: Datastore{Name: "d", Container: "c", Endpoint: "https://h/acct?sig=S3CRET"}, wantErr: "not a blob service URL"},
		{name: "bad protocol", ds: Datastore{Name: "d", AccountName: "acct", Container: "c", Protocol: "ftp"}, wantErr: "unsupported protocol"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := blobContainerURL(tc.ds)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.NotContains(t, err.Error(), "S3CRET")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// testUploadTarget: local data goes to the datastore named workspaceblobstore,
// as azure-ai-ml uploads it, even when another datastore is the default, unless
// the caller names another; a name that does not exist writes nothing.
func testUploadTarget(t *testing.T, st *stStorage) {
	ctx := context.Background()
	dir := localdatatest.WriteTree(t, map[string]string{"d/a.txt": "a"})
	tests := []struct {
		name      string
		datastore string
		asset     bool // CreateDataAsset instead of Invoke
		want      string
		wantErr   string
	}{
		{name: "invoke: workspaceblobstore, not the default datastore", want: "workspaceblobstore"},
		{name: "invoke: the datastore named", datastore: "other", want: "other"},
		{name: "data asset: workspaceblobstore", asset: true, want: "workspaceblobstore"},
		{name: "data asset: the datastore named", asset: true, datastore: "other", want: "other"},
		{name: "a datastore that does not exist", datastore: "nostore", wantErr: `datastore "nostore" not found`},
		{name: "invoke: a name no datastore can have", datastore: "my-store", wantErr: "InvokeOptions.UploadDatastore"},
		{name: "data asset: a name no datastore can have", asset: true, datastore: "my-store", wantErr: "CreateDataAssetOptions.UploadDatastore"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conts := map[string]string{"mydefault": st.newContainer(t), "workspaceblobstore": st.newContainer(t), "other": st.newContainer(t)}
			f := newSTFake(t)
			for name, cont := range conts {
				f.addDatastore(st.datastore(name, cont, "AccountKey", name == "mydefault"), st.keySecret())
			}
			c, _ := newSTClient(t, f, &stCred{}, st.cert.Pool, nil)
			in := inputs.LocalPath(filepath.Join(dir, "d"))
			var err error
			if tc.asset {
				_, err = c.CreateDataAsset(ctx, DataAssetSpec{Name: "d", Version: "1", Path: in.Path()}, &CreateDataAssetOptions{UploadDatastore: tc.datastore})
			} else {
				_, err = c.Invoke(ctx, "heart-ep", InvokeRequest{Input: in}, &InvokeOptions{UploadDatastore: tc.datastore})
			}
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.Empty(t, f.posts)
				if strings.Contains(tc.wantErr, "UploadDatastore") {
					var ve *ValidationError
					require.ErrorAs(t, err, &ve)
					assert.Empty(t, f.requests(), "refused before any request")
				}
			} else {
				require.NoError(t, err)
			}
			for name, cont := range conts {
				n := 0
				if name == tc.want {
					n = 1
				}
				assert.Len(t, st.blobs(t, cont, "LocalUpload/"), n, name)
			}
		})
	}
}

// hostRewrite sends requests for one production-style blob host to Azurite's
// path-style address, as the local workspace's proxy does for real clients;
// seen records the hosts the client addressed.
type hostRewrite struct {
	from, to, account string
	mu                sync.Mutex
	seen              map[string]int
}

func (h *hostRewrite) Do(req *policy.Request) (*http.Response, error) {
	u := req.Raw().URL
	h.mu.Lock()
	h.seen[u.Host]++
	h.mu.Unlock()
	if u.Host == h.from {
		u.Host, u.Path, u.RawPath = h.to, "/"+h.account+u.Path, ""
		req.Raw().Host = h.to
	}
	return req.Next()
}

// testDNSSuffixEndpoint: a datastore whose endpoint is the DNS suffix, as the
// real service answers, is addressed https://{account}.blob.{suffix}.
func testDNSSuffixEndpoint(t *testing.T, st *stStorage) {
	ctx := context.Background()
	dir := localdatatest.WriteTree(t, map[string]string{"d/a.txt": "a", "d/b.txt": "b"})
	cont := st.newContainer(t)
	f := newSTFake(t)
	ds := st.datastore("workspaceblobstore", cont, "None", true)
	ds.Properties.Endpoint = "core.windows.net"
	f.addDatastore(ds, nil)
	cred := &stCred{storage: &azuritetest.StorageJWTCredential{}}
	prod := st.az.AccountName() + ".blob.core.windows.net"
	rw := &hostRewrite{from: prod, to: st.host, account: st.az.AccountName(), seen: map[string]int{}}
	c, _ := newSTClient(t, f, cred, st.cert.Pool, &ClientOptions{ClientOptions: azcore.ClientOptions{PerRetryPolicies: []policy.Policy{rw}}})
	uri, err := c.uploadLocal(ctx, inputs.LocalPath(filepath.Join(dir, "d")), "", nil)
	require.NoError(t, err)
	assert.Len(t, st.blobs(t, cont, "LocalUpload/"), 2)
	assert.Positive(t, rw.seen[prod], "the blob URL is built from accountName and the suffix")
	assert.Zero(t, rw.seen[st.host], "nothing addressed the path-style URL directly")

	loc, ok := strings.CutPrefix(uri, "azureml://datastores/workspaceblobstore/paths/")
	require.True(t, ok, uri)
	j := stJob("job-suffix", "heart-ep", "d1")
	j.Properties.Outputs = stOutputs("score", "uri_folder", uri)
	f.addJob(j)
	job, err := c.GetJob(ctx, "job-suffix", nil)
	require.NoError(t, err)
	res, err := job.DownloadOutputs(ctx, t.TempDir(), nil)
	require.NoError(t, err)
	assert.Equal(t, loc, res.Path)
	assert.Len(t, res.Files, 2)
}

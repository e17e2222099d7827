package blobrest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// captureTransport records each request azblob sends and answers it with an
// empty success, so the test sees the requests as signed.
type captureTransport struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (c *captureTransport) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r)
	c.mu.Unlock()
	status, body := http.StatusOK, ""
	switch r.Method {
	case http.MethodPut:
		if r.URL.Query().Get("comp") != "metadata" {
			status = http.StatusCreated
		}
	case http.MethodGet:
		body = `<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>`
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// TestSharedKeyMatchesAzblob: for requests azblob signs with its own Shared
// Key policy (its List Blobs included), this policy computes the same
// Authorization header.
func TestSharedKeyMatchesAzblob(t *testing.T) {
	const account, key = "acct", "a2V5LWJ5dGVzLWZvci10aGUtc2lnbmF0dXJlLXRlc3Q="
	cred, err := blob.NewSharedKeyCredential(account, key)
	require.NoError(t, err)
	tr := &captureTransport{}
	opts := azcore.ClientOptions{Transport: tr, Retry: policy.RetryOptions{MaxRetries: -1}}
	ctx := context.Background()
	const base = "https://acct.blob.core.windows.net/c"
	cc, err := container.NewClientWithSharedKeyCredential(base, cred, &container.ClientOptions{ClientOptions: opts})
	require.NoError(t, err)
	ops := []struct {
		name string
		do   func() error
	}{
		{name: "list with prefix, marker and metadata", do: func() error {
			_, err := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: to("out dir/ü+x"), Marker: to("2!80!MDA="),
				MaxResults: to(int32(7)), Include: container.ListBlobsInclude{Metadata: true}}).NextPage(ctx)
			return err
		}},
		{name: "get properties of a nested name", do: func() error {
			_, err := cc.NewBlobClient("LocalUpload/ab12/x y/ä.csv").GetProperties(ctx, nil)
			return err
		}},
		{name: "set metadata", do: func() error {
			_, err := cc.NewBlobClient("a/b").SetMetadata(ctx, map[string]*string{"upload_status": to("completed"), "Name": to("n1")}, nil)
			return err
		}},
		{name: "ranged download", do: func() error {
			_, err := cc.NewBlobClient("a/b").DownloadStream(ctx, &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: 5, Count: 10}})
			return err
		}},
		{name: "block upload with a body", do: func() error {
			bb, err := blockblob.NewClientWithSharedKeyCredential(base+"/f.txt", cred, &blockblob.ClientOptions{ClientOptions: opts})
			if err != nil {
				return err
			}
			_, err = bb.UploadBuffer(ctx, []byte("hello"), &blockblob.UploadBufferOptions{HTTPHeaders: &blob.HTTPHeaders{BlobContentType: to("text/plain")}})
			return err
		}},
		{name: "empty block upload (Content-Length 0)", do: func() error {
			bb, err := blockblob.NewClientWithSharedKeyCredential(base+"/empty", cred, &blockblob.ClientOptions{ClientOptions: opts})
			if err != nil {
				return err
			}
			_, err = bb.UploadBuffer(ctx, nil, nil)
			return err
		}},
		{name: "conditional get properties", do: func() error {
			_, err := cc.NewBlobClient("a").GetProperties(ctx, &blob.GetPropertiesOptions{AccessConditions: &blob.AccessConditions{
				ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: to(azcore.ETag("0x1")), IfModifiedSince: to(time.Unix(1e9, 0))}}})
			return err
		}},
	}
	p, err := NewSharedKeyPolicy(account, key)
	require.NoError(t, err)
	skp := p.(*sharedKeyPolicy)
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			tr.reqs = nil
			require.NoError(t, op.do())
			require.NotEmpty(t, tr.reqs)
			for _, r := range tr.reqs {
				want := r.Header.Get("Authorization")
				require.True(t, strings.HasPrefix(want, "SharedKey acct:"), want)
				unsigned := r.Clone(ctx)
				unsigned.Header.Del("Authorization")
				got, err := skp.authorization(unsigned)
				require.NoError(t, err)
				assert.Equal(t, want, got, "%s %s", r.Method, r.URL)
			}
		})
	}
	_, err = NewSharedKeyPolicy(account, "not base64!")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "not base64!")
}

func to[T any](v T) *T { return &v }

// TestSharedKeyPolicySigns: the policy adds x-ms-date when missing and signs
// what it sends (a list request, checked against the same policy's signer).
func TestSharedKeyPolicySigns(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		_, _ = w.Write([]byte(`<EnumerationResults><Blobs/></EnumerationResults>`))
	}))
	defer srv.Close()
	p, err := NewSharedKeyPolicy("acct", "a2V5")
	require.NoError(t, err)
	pl := runtime.NewPipeline("blobrest.test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{p}}, nil)
	_, err = ListPage(context.Background(), pl, srv.URL+"/c", ListOptions{Prefix: "p/"})
	require.NoError(t, err)
	require.NotNil(t, got)
	date, err := http.ParseTime(got.Header.Get("x-ms-date"))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), date, time.Hour)
	auth := got.Header.Get("Authorization")
	got.Header.Del("Authorization")
	got.URL.Host = "" // as the server saw it: the path and query are what is signed
	want, err := p.(*sharedKeyPolicy).authorization(got)
	require.NoError(t, err)
	assert.Equal(t, want, auth)
}

// tokenCred hands out "tok:<scopes>" and records each call.
type tokenCred struct {
	mu     sync.Mutex
	scopes []string
}

func (c *tokenCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scopes = append(c.scopes, strings.Join(o.Scopes, " "))
	return azcore.AccessToken{Token: "tok:" + strings.Join(o.Scopes, " "), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestTokenPolicy(t *testing.T) {
	const listing = `<EnumerationResults><Blobs/></EnumerationResults>`
	tests := []struct {
		name       string
		tls        bool
		allowHTTP  bool
		challenge  string // WWW-Authenticate of a first 401, "" for none
		calls      int    // ListPage calls
		wantErr    string
		wantScopes []string // token requests
		wantAuth   string   // Authorization of the last request
		wantReqs   int
	}{
		{name: "https: one token for every request", tls: true, calls: 3,
			wantScopes: []string{StorageScope}, wantAuth: "Bearer tok:" + StorageScope, wantReqs: 3},
		{name: "plain http refused", calls: 1, wantErr: "TLS", wantReqs: 0},
		{name: "plain http with the explicit opt-in", allowHTTP: true, calls: 1,
			wantScopes: []string{StorageScope}, wantAuth: "Bearer tok:" + StorageScope, wantReqs: 1},
		{name: "challenge naming the resource", tls: true, calls: 1,
			challenge:  `Bearer authorization_uri="https://login.microsoftonline.com/t1/oauth2/authorize" resource_id="https://storage.azure.com"`,
			wantScopes: []string{StorageScope, StorageScope}, wantAuth: "Bearer tok:" + StorageScope, wantReqs: 2},
		{name: "challenge without a resource: not retried", tls: true, calls: 1,
			challenge: `Bearer authorization_uri="https://login.microsoftonline.com/t1/oauth2/authorize"`,
			wantErr:   "resource_id", wantScopes: []string{StorageScope}, wantReqs: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var auths []string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				auths = append(auths, r.Header.Get("Authorization"))
				first := len(auths) == 1
				mu.Unlock()
				if first && tc.challenge != "" {
					w.Header().Set("WWW-Authenticate", tc.challenge)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				_, _ = w.Write([]byte(listing))
			})
			srv := httptest.NewUnstartedServer(h)
			var client *http.Client
			if tc.tls {
				srv.StartTLS()
				client = srv.Client()
			} else {
				srv.Start()
				client = http.DefaultClient
			}
			defer srv.Close()
			cred := &tokenCred{}
			opts := &policy.ClientOptions{Transport: client, Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond}}
			pl := runtime.NewPipeline("blobrest.test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{NewTokenPolicy(cred, tc.allowHTTP)}}, opts)
			var err error
			for i := 0; i < tc.calls && err == nil; i++ {
				_, err = ListPage(context.Background(), pl, srv.URL+"/c", ListOptions{})
			}
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.wantScopes, cred.scopes)
			require.Len(t, auths, tc.wantReqs)
			if tc.wantAuth != "" {
				assert.Equal(t, tc.wantAuth, auths[len(auths)-1])
			}
		})
	}
}

// TestSharedKeyZeroLength: Content-Length 0 signs as an empty line, as the
// reference asks for version 2015-02-21 and later; any other length counts.
func TestSharedKeyZeroLength(t *testing.T) {
	p, err := NewSharedKeyPolicy("acct", "a2V5")
	require.NoError(t, err)
	skp := p.(*sharedKeyPolicy)
	sign := func(length string) string {
		r, err := http.NewRequest(http.MethodPut, "https://acct.blob.core.windows.net/c/b?comp=metadata", nil)
		require.NoError(t, err)
		r.Header.Set("x-ms-date", "Mon, 01 Dec 2025 10:00:00 GMT")
		if length != "" {
			r.Header.Set("Content-Length", length)
		}
		a, err := skp.authorization(r)
		require.NoError(t, err)
		return a
	}
	assert.Equal(t, sign(""), sign("0"))
	assert.NotEqual(t, sign(""), sign("5"))
}

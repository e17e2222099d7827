package localdata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoreScrub: no datastore key or SAS signature survives in an error.
func TestBlobStoreScrub(t *testing.T) {
	const sasToken = "sv=2025-01-01&sp=rw&sig=S3CRETSIG%3D"
	tests := []struct {
		name   string
		secret string
		err    error
	}{
		{name: "transport error with SAS URL", secret: sasToken,
			err: &url.Error{Op: "Put", URL: "https://acct.blob.core.windows.net/c/b?" + sasToken, Err: io.ErrUnexpectedEOF}},
		{name: "wrapped transport error", secret: sasToken,
			err: fmt.Errorf("upload: %w", &url.Error{Op: "Put", URL: "https://a/c/b?" + sasToken, Err: io.EOF})},
		{name: "key in a message", secret: "S3CRETKEY==", err: errors.New("odd failure with key S3CRETKEY==")},
		{name: "sig in a message without a known secret", err: errors.New("GET https://a/c?sig=S3CRETSIG%3D failed")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := (&Store{secret: tc.secret}).scrub(tc.err)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "S3CRET")
			assert.NotContains(t, fmt.Sprintf("%+v", err), "S3CRET")
		})
	}
	assert.NoError(t, (&Store{}).scrub(nil))
}

// countingCred hands out one token per call and counts the calls.
type countingCred struct {
	mu    sync.Mutex
	calls int
}

func (c *countingCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return azcore.AccessToken{Token: "tok" + strconv.Itoa(c.calls), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestStoreAuth: each mode authenticates every request the store sends (blob
// clients and listing alike); a token store asks for one token for all of
// them, as one azblob container client does, and never sends it over plain http.
func TestStoreAuth(t *testing.T) {
	const key = "a2V5LWJ5dGVz"
	tests := []struct {
		name     string
		tls      bool
		cfg      StoreConfig
		wantAuth func(t *testing.T, r *http.Request)
		wantErr  string
		tokens   int
	}{
		{name: "token over https", tls: true, cfg: StoreConfig{Credential: &countingCred{}}, tokens: 1,
			wantAuth: func(t *testing.T, r *http.Request) { assert.Equal(t, "Bearer tok1", r.Header.Get("Authorization")) }},
		{name: "token over plain http refused", cfg: StoreConfig{Credential: &countingCred{}}, wantErr: "TLS"},
		{name: "token over http with the opt-in", cfg: StoreConfig{Credential: &countingCred{}, Options: azcore.ClientOptions{InsecureAllowCredentialWithHTTP: true}}, tokens: 1,
			wantAuth: func(t *testing.T, r *http.Request) { assert.Equal(t, "Bearer tok1", r.Header.Get("Authorization")) }},
		{name: "shared key", tls: true, cfg: StoreConfig{AccountName: "acct", AccountKey: key},
			wantAuth: func(t *testing.T, r *http.Request) {
				assert.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "SharedKey acct:"), r.Header.Get("Authorization"))
				assert.NotEmpty(t, r.Header.Get("x-ms-date"))
			}},
		{name: "sas", tls: true, cfg: StoreConfig{SAS: "sv=2025-01-05&sp=rl&sig=S3CRET"},
			wantAuth: func(t *testing.T, r *http.Request) {
				assert.Empty(t, r.Header.Get("Authorization"))
				assert.Equal(t, "S3CRET", r.URL.Query().Get("sig"))
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var reqs []*http.Request
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				reqs = append(reqs, r.Clone(context.Background()))
				mu.Unlock()
				if r.URL.Query().Get("comp") == "list" {
					_, _ = w.Write([]byte(`<EnumerationResults><Blobs><Blob><Name>out/a</Name></Blob>` +
						`<Blob><Name>out/d</Name><Metadata><hdi_isfolder>true</hdi_isfolder></Metadata></Blob></Blobs><NextMarker/></EnumerationResults>`))
					return
				}
				w.Header().Set("Content-Length", "1")
				w.WriteHeader(http.StatusOK) // GetProperties
			})
			srv := httptest.NewUnstartedServer(h)
			cfg := tc.cfg
			if tc.tls {
				srv.StartTLS()
				cfg.Options.Transport = srv.Client()
			} else {
				srv.Start()
			}
			defer srv.Close()
			cfg.ContainerURL, cfg.Datastore, cfg.Container, cfg.Module, cfg.Version = srv.URL+"/acct/c", "ds", "c", "localdata.test", "v0"
			cfg.Options.Retry.MaxRetries = -1
			s, err := NewStore(cfg)
			require.NoError(t, err)
			ctx := context.Background()
			for range 2 {
				var blobs []Blob
				blobs, err = s.List(ctx, "out/", false)
				if err != nil {
					break
				}
				assert.Equal(t, []Blob{{Name: "out/a", Rel: "a"}}, blobs, "the folder marker is left out")
				blobs, err = s.List(ctx, "out/a", true)
				require.NoError(t, err)
				assert.Equal(t, []Blob{{Name: "out/a", Rel: "a"}}, blobs)
			}
			if cred, ok := cfg.Credential.(*countingCred); ok {
				assert.Equal(t, tc.tokens, cred.calls)
			}
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.Empty(t, reqs, "nothing sent")
				return
			}
			require.NoError(t, err)
			require.Len(t, reqs, 4)
			for _, r := range reqs {
				tc.wantAuth(t, r)
			}
		})
	}
}

func TestNewStoreRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  StoreConfig
		want string
	}{
		{name: "no credential", cfg: StoreConfig{ContainerURL: "https://a/c"}, want: "needs a SAS token, an account key or a credential"},
		{name: "key not base64", cfg: StoreConfig{ContainerURL: "https://a/c", AccountName: "a", AccountKey: "S3CRET!!"}, want: "base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewStore(tc.cfg)
			require.ErrorContains(t, err, tc.want)
			assert.NotContains(t, err.Error(), "S3CRET")
		})
	}
}

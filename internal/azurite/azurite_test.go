package azurite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
	"github.com/azmlbatch/azmlbatch/internal/azurite/azuritetest"
)

func TestBlobRoundTrip(t *testing.T) {
	inst := azuritetest.StartT(t, nil)
	ctx := t.Context()

	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/devstoreaccount1$`, inst.BlobURL())
	assert.Equal(t, "devstoreaccount1", inst.AccountName())

	cred, err := azblob.NewSharedKeyCredential(inst.AccountName(), inst.AccountKey())
	require.NoError(t, err)
	sharedKey, err := azblob.NewClientWithSharedKeyCredential(inst.BlobURL(), cred, nil)
	require.NoError(t, err)
	connStr, err := azblob.NewClientFromConnectionString(inst.ConnectionString(), nil)
	require.NoError(t, err)

	_, err = sharedKey.CreateContainer(ctx, "roundtrip", nil)
	require.NoError(t, err)
	_, err = connStr.CreateContainer(ctx, "roundtrip", nil)
	require.True(t, bloberror.HasCode(err, bloberror.ContainerAlreadyExists), "got %v", err)

	payload := bytes.Repeat([]byte("azmlbatch,"), 10_000)
	tests := []struct {
		name string
		up   *azblob.Client
		down *azblob.Client
		blob string
	}{
		{name: "shared key", up: sharedKey, down: sharedKey, blob: "LocalUpload/abc/input/a.csv"},
		{name: "connection string", up: connStr, down: sharedKey, blob: "b.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.up.UploadBuffer(ctx, "roundtrip", tc.blob, payload, nil)
			require.NoError(t, err)
			got := make([]byte, len(payload))
			n, err := tc.down.DownloadBuffer(ctx, "roundtrip", tc.blob, got, nil)
			require.NoError(t, err)
			assert.Equal(t, int64(len(payload)), n)
			assert.Equal(t, payload, got)
		})
	}

	// The account key is the emulator's, but secrets never go into %v output.
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(f, inst)
		assert.NotContains(t, s, inst.AccountKey(), f)
		assert.Contains(t, s, inst.BlobURL(), f)
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	inst, err := azurite.Start(t.Context(), nil)
	require.NoError(t, err)
	pid := inst.PID()
	require.NoError(t, syscall.Kill(pid, 0), "azurite should be running")

	start := time.Now()
	require.NoError(t, inst.Stop())
	assert.Less(t, time.Since(start), 5*time.Second, "SIGTERM should be enough")
	assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "pid %d still exists", pid)
	_, err = os.Stat(filepath.Join("/proc", fmt.Sprint(pid)))
	assert.True(t, errors.Is(err, os.ErrNotExist), "/proc/%d: %v", pid, err)
	require.NoError(t, inst.Stop(), "Stop is idempotent")
}

func TestStopReportsCrash(t *testing.T) {
	inst, err := azurite.Start(t.Context(), nil)
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(inst.PID(), syscall.SIGKILL))
	require.Eventually(t, func() bool { return syscall.Kill(inst.PID(), 0) != nil }, 5*time.Second, 10*time.Millisecond)
	err = inst.Stop()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited before Stop")
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    *azurite.Options
		path    string // replaces PATH when set
		wantErr string
		is      error
	}{
		{name: "oauth without tls", opts: &azurite.Options{OAuth: true}, wantErr: "OAuth needs HTTPS"},
		{name: "cert without key", opts: &azurite.Options{CertFile: "c.pem"}, wantErr: "set together"},
		{name: "no node", path: "empty", wantErr: "install Node.js 20+", is: azurite.ErrNodeNotFound},
		{name: "not installed, no install", opts: &azurite.Options{Dir: "empty", NoInstall: true}, wantErr: "not installed"},
		{name: "missing cert file exits", opts: &azurite.Options{CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"},
			wantErr: "exited during startup: exit status 1; output:\nExit due to unhandled error: ENOENT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != "" {
				t.Setenv("PATH", t.TempDir())
			}
			if tc.opts != nil && tc.opts.Dir == "empty" {
				tc.opts.Dir = t.TempDir()
			}
			inst, err := azurite.Start(t.Context(), tc.opts)
			if err == nil {
				_ = inst.Stop()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}

// rawTokenCredential returns a fixed token that is not a JWT.
type rawTokenCredential struct{}

func (rawTokenCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "not-a-jwt", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestHTTPSWithOAuth(t *testing.T) {
	inst, cert := azuritetest.StartHTTPST(t, nil)
	ctx := t.Context()
	require.Regexp(t, `^https://127\.0\.0\.1:\d+/devstoreaccount1$`, inst.BlobURL())

	opts := &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: cert.HTTPClient()}}
	jwtCred := &azuritetest.StorageJWTCredential{}
	bearer, err := azblob.NewClient(inst.BlobURL(), jwtCred, opts)
	require.NoError(t, err)

	_, err = bearer.CreateContainer(ctx, "oauth", nil)
	require.NoError(t, err)
	_, err = bearer.UploadBuffer(ctx, "oauth", "dir/x.txt", []byte("hello"), nil)
	require.NoError(t, err)
	pager := bearer.NewListBlobsFlatPager("oauth", nil)
	var names []string
	for pager.More() {
		page, err := pager.NextPage(ctx)
		require.NoError(t, err)
		for _, b := range page.Segment.BlobItems {
			names = append(names, *b.Name)
		}
	}
	assert.Equal(t, []string{"dir/x.txt"}, names)
	require.NotEmpty(t, jwtCred.Requests())
	for _, scopes := range jwtCred.Requests() {
		assert.Equal(t, []string{azuritetest.StorageScope}, scopes)
	}

	// Shared key keeps working in OAuth mode, over the same TLS.
	cs, err := azblob.NewClientFromConnectionString(inst.ConnectionString(), opts)
	require.NoError(t, err)
	got := make([]byte, 5)
	_, err = cs.DownloadBuffer(ctx, "oauth", "dir/x.txt", got, nil)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(got))

	t.Run("token that is not a JWT is rejected", func(t *testing.T) {
		c, err := azblob.NewClient(inst.BlobURL(), rawTokenCredential{}, opts)
		require.NoError(t, err)
		_, err = c.CreateContainer(ctx, "rejected", nil)
		require.True(t, bloberror.HasCode(err, bloberror.AuthenticationFailed), "got %v", err)
	})
	t.Run("default transport does not trust the cert", func(t *testing.T) {
		c, err := azblob.NewClient(inst.BlobURL(), jwtCred, &azblob.ClientOptions{
			ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}}})
		require.NoError(t, err)
		_, err = c.CreateContainer(ctx, "untrusted", nil)
		require.ErrorContains(t, err, "certificate")
	})
}

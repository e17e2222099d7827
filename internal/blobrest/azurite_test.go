package blobrest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/azurite/azuritetest"
)

// wrongKeyB64 is a well-formed key that is not the account's.
const wrongKeyB64 = "M3xcx568cETZq5X+rZSi9l5fPlsBApH3mHVVT/o5Pc7AH0J+xyj7wSRDuQ2JvJBdHc730VsSlEcsJYur/e0F0Q=="

// TestListAzurite lists a container on Azurite (which checks Shared Key
// signatures, SAS tokens and bearer tokens) in each way the module
// authenticates, paging two blobs at a time.
func TestListAzurite(t *testing.T) {
	az, cert := azuritetest.StartHTTPST(t, nil)
	ctx := context.Background()
	cred, err := azblob.NewSharedKeyCredential(az.AccountName(), az.AccountKey())
	require.NoError(t, err)
	opts := azcore.ClientOptions{Transport: cert.HTTPClient()}
	admin, err := azblob.NewClientWithSharedKeyCredential(az.BlobURL()+"/", cred, &azblob.ClientOptions{ClientOptions: opts})
	require.NoError(t, err)
	_, err = admin.CreateContainer(ctx, "cont", nil)
	require.NoError(t, err)
	names := []string{"in/x", "out/a b.csv", "out/d/e.csv", "out/z", "out/ü.csv"} // in listing order: UTF-8 bytes
	for _, n := range names {
		_, err := admin.UploadBuffer(ctx, "cont", n, []byte(n), &azblob.UploadBufferOptions{Metadata: map[string]*string{"k": to("v-" + n[len(n)-1:])}})
		require.NoError(t, err)
	}
	q, err := sas.BlobSignatureValues{Protocol: sas.ProtocolHTTPS, ExpiryTime: time.Now().Add(time.Hour), ContainerName: "cont",
		Permissions: (&sas.ContainerPermissions{Read: true, List: true}).String()}.SignWithSharedKey(cred)
	require.NoError(t, err)
	keyPolicy, err := NewSharedKeyPolicy(az.AccountName(), az.AccountKey())
	require.NoError(t, err)
	wrongKey, err := NewSharedKeyPolicy(az.AccountName(), wrongKeyB64)
	require.NoError(t, err)
	container := az.BlobURL() + "/cont"
	tests := []struct {
		name       string
		auth       policy.Policy
		url        string
		wantStatus int
		wantCode   bloberror.Code
	}{
		{name: "shared key", auth: keyPolicy, url: container},
		{name: "sas", url: container + "?" + q.Encode()},
		{name: "bearer token", auth: NewTokenPolicy(&azuritetest.StorageJWTCredential{}, false), url: container},
		// Azurite's answer to a bad signature; azblob's own client gets the same (checked below).
		{name: "wrong key", auth: wrongKey, url: container, wantStatus: http.StatusBadRequest, wantCode: bloberror.InvalidAuthenticationInfo},
		{name: "missing container", auth: keyPolicy, url: az.BlobURL() + "/nope", wantStatus: http.StatusNotFound, wantCode: bloberror.ContainerNotFound},
	}
	badCred, err := azblob.NewSharedKeyCredential(az.AccountName(), wrongKeyB64)
	require.NoError(t, err)
	badAdmin, err := azblob.NewClientWithSharedKeyCredential(az.BlobURL()+"/", badCred, &azblob.ClientOptions{ClientOptions: opts})
	require.NoError(t, err)
	_, err = badAdmin.NewListBlobsFlatPager("cont", nil).NextPage(ctx)
	require.True(t, bloberror.HasCode(err, bloberror.InvalidAuthenticationInfo), "azblob with a wrong key: %v", err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var po runtime.PipelineOptions
			if tc.auth != nil {
				po.PerRetry = []policy.Policy{tc.auth}
			}
			pl := runtime.NewPipeline("blobrest.test", "v0", po, &policy.ClientOptions{Transport: cert.HTTPClient(), Retry: policy.RetryOptions{MaxRetries: -1}})
			var got []Blob
			pages := 0
			o := ListOptions{Prefix: "out/", MaxResults: 2, Metadata: true}
			for {
				p, err := ListPage(ctx, pl, tc.url, o)
				if tc.wantCode != "" {
					var re *azcore.ResponseError
					require.ErrorAs(t, err, &re)
					assert.Equal(t, tc.wantStatus, re.StatusCode)
					assert.True(t, bloberror.HasCode(err, tc.wantCode), re.ErrorCode)
					return
				}
				require.NoError(t, err)
				pages++
				got = append(got, p.Blobs...)
				if o.Marker = p.NextMarker; o.Marker == "" {
					break
				}
			}
			assert.Equal(t, 2, pages)
			want := make([]Blob, 0, 4)
			for _, n := range names[1:] {
				want = append(want, Blob{Name: n, Size: int64(len(n)), Metadata: map[string]string{"k": "v-" + n[len(n)-1:]}})
			}
			assert.Equal(t, want, got)
		})
	}
}

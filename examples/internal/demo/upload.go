package demo

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// UploadFolder copies the files under dir to blobs under prefix, as the how-to does
// with Azure Storage Explorer or AzCopy before invoking with a datastore path.
func UploadFolder(ctx context.Context, cc *container.Client, dir, prefix string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Join(prefix, filepath.ToSlash(rel))
		if _, err := cc.NewBlockBlobClient(name).UploadBuffer(ctx, data, nil); err != nil {
			return fmt.Errorf("upload %s: %w", name, err)
		}
		return nil
	})
}

// DatastoreContainer returns a container client for a blob datastore, signed in
// with cred (a Microsoft Entra identity with a Storage Blob Data role on the
// account, as AzCopy would use). ds.Endpoint is a storage suffix such as
// core.windows.net, or a full blob service URL (local storage).
func DatastoreContainer(ds batchendpoint.Datastore, cred azcore.TokenCredential, opts azcore.ClientOptions) (*container.Client, error) {
	if ds.Container == "" {
		return nil, fmt.Errorf("datastore %s has no container", ds.Name)
	}
	svc := ds.Endpoint
	if !strings.Contains(svc, "://") {
		svc = fmt.Sprintf("https://%s.blob.%s", ds.AccountName, svc)
	}
	return container.NewClient(strings.TrimSuffix(svc, "/")+"/"+ds.Container, cred, &container.ClientOptions{ClientOptions: opts})
}

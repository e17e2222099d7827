package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// storageAccount is a blob account the emulator can read with its key.
type storageAccount struct {
	serviceURL string // ends with "/"
	name, key  string
	target     string // the Azurite service URL behind a production-style serviceURL; "" = serviceURL itself
}

// AddStorageAccount lets jobs read https/http storage URLs under serviceURL
// (e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1) with the account key,
// as the real service reads public or credentialed storage. Accounts behind
// registered datastores are added automatically. URLs carrying a SAS are read
// with the SAS only.
func (s *Server) AddStorageAccount(serviceURL, accountName, accountKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addAccountLocked(storageAccount{serviceURL: strings.TrimRight(serviceURL, "/") + "/", name: accountName, key: accountKey})
}

func (s *Server) addAccountLocked(a storageAccount) {
	for i, o := range s.accounts {
		if strings.EqualFold(o.serviceURL, a.serviceURL) {
			if a.key != "" {
				s.accounts[i] = a
			}
			return
		}
	}
	s.accounts = append(s.accounts, a)
}

// blobLoc is a resolved location in blob storage.
type blobLoc struct {
	serviceURL string // ends with "/"
	container  string
	path       string // blob name or prefix, no leading "/"
	account    string
	key        string
	sas        string // raw query of a SAS URL
}

func (l blobLoc) String() string {
	return l.serviceURL + l.container + "/" + l.path
}

func (s *Server) clientOptions() *container.ClientOptions {
	return &container.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: s.opts.StorageClient,
		Retry:     policy.RetryOptions{MaxRetries: 2, RetryDelay: 50 * time.Millisecond, MaxRetryDelay: 500 * time.Millisecond},
	}}
}

func (s *Server) containerClient(l blobLoc) (*container.Client, error) {
	u := l.serviceURL + url.PathEscape(l.container)
	switch {
	case l.sas != "":
		return container.NewClientWithNoCredential(u+"?"+l.sas, s.clientOptions())
	case l.key != "":
		cred, err := azblob.NewSharedKeyCredential(l.account, l.key)
		if err != nil {
			return nil, fmt.Errorf("invalid account key for %s", l.account)
		}
		return container.NewClientWithSharedKeyCredential(u, cred, s.clientOptions())
	}
	return container.NewClientWithNoCredential(u, s.clientOptions())
}

// ContainerClient returns an azblob container client for a datastore of the
// workspace, authenticated with the datastore's key or SAS, for tests that
// upload inputs or read outputs.
func (w *Workspace) ContainerClient(datastore string) (*container.Client, error) {
	d, ok := w.Datastore(datastore)
	if !ok {
		return nil, fmt.Errorf("emulator: no datastore %q", datastore)
	}
	if d.ServiceURL == "" {
		return nil, fmt.Errorf("emulator: datastore %q has no ServiceURL", datastore)
	}
	return w.s.containerClient(datastoreLoc(d, ""))
}

func datastoreLoc(d Datastore, p string) blobLoc {
	return blobLoc{serviceURL: d.ServiceURL, container: d.Container, path: strings.TrimLeft(p, "/"),
		account: d.AccountName, key: d.AccountKey, sas: strings.TrimPrefix(d.SASToken, "?")}
}

func (s *Server) ensureContainer(ctx context.Context, d Datastore) error {
	cc, err := s.containerClient(datastoreLoc(d, ""))
	if err != nil {
		return err
	}
	_, err = cc.Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return err
	}
	return nil
}

// urlLoc maps a storage URL onto a registered account.
func (s *Server) urlLoc(raw string) (blobLoc, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return blobLoc{}, false
	}
	s.mu.Lock()
	accounts := append([]storageAccount(nil), s.accounts...)
	s.mu.Unlock()
	for _, a := range accounts {
		au, err := url.Parse(a.serviceURL)
		if err != nil || !strings.EqualFold(au.Host, u.Host) || !strings.HasPrefix(u.Path, au.Path) {
			continue
		}
		rest := strings.TrimPrefix(u.Path, au.Path)
		cont, p, _ := strings.Cut(rest, "/")
		if cont == "" {
			continue
		}
		l := blobLoc{serviceURL: u.Scheme + "://" + au.Host + au.Path, container: cont, path: p, account: a.name}
		if a.target != "" {
			l.serviceURL = a.target
		}
		if u.Query().Get("sig") != "" {
			l.sas = u.RawQuery
		} else {
			l.key = a.key
		}
		return l, true
	}
	return blobLoc{}, false
}

// listFiles lists the blob names of a folder (prefix) input, skipping folder markers.
func (s *Server) listFiles(ctx context.Context, l blobLoc) ([]string, error) {
	cc, err := s.containerClient(l)
	if err != nil {
		return nil, err
	}
	prefix := strings.TrimSuffix(l.path, "/")
	if prefix != "" {
		prefix += "/"
	}
	var names []string
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true}})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name == nil || strings.HasSuffix(*b.Name, "/") {
				continue
			}
			if b.Properties != nil && b.Properties.ContentLength != nil && *b.Properties.ContentLength == 0 && b.Metadata != nil {
				if v, ok := b.Metadata["hdi_isfolder"]; ok && v != nil && *v == "true" {
					continue
				}
			}
			names = append(names, *b.Name)
		}
	}
	return names, nil
}

func (s *Server) blobExists(ctx context.Context, l blobLoc, name string) (bool, error) {
	cc, err := s.containerClient(l)
	if err != nil {
		return false, err
	}
	_, err = cc.NewBlobClient(name).GetProperties(ctx, nil)
	if err == nil {
		return true, nil
	}
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound, bloberror.ResourceNotFound) {
		return false, nil
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == 404 {
		return false, nil
	}
	return false, err
}

func (s *Server) downloadBlob(ctx context.Context, l blobLoc, name, dst string) error {
	cc, err := s.containerClient(l)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = cc.NewBlobClient(name).DownloadFile(ctx, f, nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Server) uploadBlob(ctx context.Context, l blobLoc, name string, data []byte) error {
	cc, err := s.containerClient(l)
	if err != nil {
		return err
	}
	_, err = cc.Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		var re *azcore.ResponseError
		// A SAS without container rights cannot create; the container may exist anyway.
		if !errors.As(err, &re) || re.StatusCode != 403 {
			return err
		}
	}
	_, err = cc.NewBlockBlobClient(name).UploadBuffer(ctx, data, nil)
	return err
}

// joinBlob joins blob path segments with "/".
func joinBlob(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.Trim(p, "/"); p != "" {
			keep = append(keep, p)
		}
	}
	return path.Join(keep...)
}

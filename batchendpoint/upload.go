package batchendpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localfs"
	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// UploadProgress reports the upload of a local input.
type UploadProgress struct {
	// Path is the local file or folder being uploaded.
	Path string
	// FilesDone and FilesTotal count files; BytesDone and BytesTotal count bytes.
	// The Done counts are what was sent, so they stay 0 for a skipped upload.
	FilesDone, FilesTotal int
	BytesDone, BytesTotal int64
	// Skipped is true when an identical upload already existed (nothing was sent).
	Skipped bool
}

// Local uploads follow azure-ai-ml (service contract 5.1) so that the CLI, the
// Python SDK and this package share uploads of the same data:
//   - destination: the default datastore's container, LocalUpload/<md5>/<name>
//     for a file and LocalUpload/<md5>/<folder>/<relative path> for a folder's files;
//   - the "indicator" blob (the file, or the folder's first file in sorted order)
//     gets metadata upload_status=completed (plus name and version ids) once every
//     file is uploaded; when it already carries it, nothing is uploaded again;
//   - the job input is azureml://datastores/<ds>/paths/LocalUpload/<md5>/<name>,
//     with a trailing "/" for a folder.
const (
	uploadRoot         = "LocalUpload"
	uploadStatusKey    = "upload_status"
	uploadStatusDone   = "completed"
	defaultConcurrency = 8
)

// uploadLocal uploads a local file or folder to the workspace's default datastore
// (unless an identical upload is already there) and returns its azureml:// URI.
// progress, if set, is called from one goroutine at a time. A cancel of ctx
// stops the hashing within a chunk and the upload before its next file; a file
// that changed after it was hashed fails the upload (see uploadFile). Either
// way the completed marker is not written, so the next upload starts over.
func (c *Client) uploadLocal(ctx context.Context, in inputs.LocalPathInput, progress func(UploadProgress)) (uri string, err error) {
	ctx, end := c.span(ctx, "Client.uploadLocal")
	defer func() { end(err) }()
	if err := in.Validate(); err != nil {
		return "", err
	}
	tree, err := scanLocal(ctx, in.Path())
	if err != nil {
		return "", err
	}
	ds, err := c.defaultDatastore(ctx)
	if err != nil {
		return "", err
	}
	if !blobCompatible(ds.Type) {
		//lint:ignore ST1005 azure-ai-ml's message, verbatim
		return "", fmt.Errorf("Datastore type %s is not supported for uploads. Supported types are AzureBlob and AzureDataLakeGen2.", ds.Type)
	}
	store, err := c.openBlobStore(ctx, ds)
	if err != nil {
		return "", err
	}
	prefix := uploadRoot + "/" + tree.hash + "/" + tree.base
	uri = "azureml://datastores/" + ds.Name + "/paths/" + prefix
	names := make([]string, len(tree.files))
	for i, f := range tree.files {
		names[i] = prefix
		if tree.isDir {
			names[i] = prefix + "/" + f.rel
		}
	}
	if tree.isDir {
		uri += "/"
	}
	pt := &progressTracker{fn: progress, p: UploadProgress{Path: in.Path(), FilesTotal: len(tree.files), BytesTotal: tree.bytes}, sent: make([]int64, len(tree.files))}

	done, err := store.uploadCompleted(ctx, names[0])
	if err != nil {
		return "", fmt.Errorf("checking for an earlier upload of %s: %w", in.Path(), err)
	}
	if done {
		pt.skipped()
		return uri, nil
	}
	pt.report()

	err = forEachFile(ctx, len(tree.files), c.uploadConcurrency(), func(ctx context.Context, i int) error {
		if err := store.uploadFile(ctx, tree.files[i], names[i], func(n int64) { pt.bytes(i, n) }); err != nil {
			return fmt.Errorf("uploading %s to datastore %s: %w", tree.files[i].rel, ds.Name, err)
		}
		pt.fileDone(i, tree.files[i].size)
		return nil
	})
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// The marker goes on last: a partial upload stays unconfirmed and is redone next time.
	if err := store.markCompleted(ctx, names[0]); err != nil {
		return "", fmt.Errorf("marking the upload of %s as completed: %w", in.Path(), err)
	}
	return uri, nil
}

func (c *Client) uploadConcurrency() int {
	if n := c.opts.UploadConcurrency; n > 0 {
		return n
	}
	return defaultConcurrency
}

// blobCompatible reports datastore types reachable through the blob API: ADLS
// Gen2 accounts serve it too (multi-protocol access), so both use azblob.
func blobCompatible(t string) bool {
	return strings.EqualFold(t, "AzureBlob") || strings.EqualFold(t, "AzureDataLakeGen2")
}

// progressTracker sums per-file progress and calls the user's callback under a
// lock, so the callback never runs concurrently.
type progressTracker struct {
	mu   sync.Mutex
	fn   func(UploadProgress)
	p    UploadProgress
	sent []int64
}

func (t *progressTracker) report() {
	if t.fn != nil {
		t.fn(t.p)
	}
}

func (t *progressTracker) skipped() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.Skipped = true
	t.report()
}

func (t *progressTracker) bytes(i int, n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.BytesDone += n - t.sent[i] // azblob's count can go down on a retry
	t.sent[i] = n
	t.report()
}

func (t *progressTracker) fileDone(i int, size int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.BytesDone += size - t.sent[i]
	t.sent[i] = size
	t.p.FilesDone++
	t.report()
}

// blobStore is a datastore's container opened with the right credential.
type blobStore struct {
	ds     Datastore
	cc     *container.Client
	secret string // account key or SAS token, only to scrub it from errors
}

// openBlobStore opens the datastore's container. Credentials by datastore
// credentialsType: AccountKey and Sas → the secret from listSecrets (ARM POST);
// None and identity kinds → the client's own credential with the storage scope
// https://storage.azure.com/.default.
func (c *Client) openBlobStore(ctx context.Context, ds Datastore) (*blobStore, error) {
	if !blobCompatible(ds.Type) {
		return nil, fmt.Errorf("datastore %s is of type %s; only AzureBlob and AzureDataLakeGen2 datastores are read and written through blob storage", ds.Name, ds.Type)
	}
	containerURL, err := blobContainerURL(ds)
	if err != nil {
		return nil, err
	}
	opts := c.storageOptions()
	switch strings.ToLower(ds.CredentialsType) {
	case "accountkey", "sas":
		var sec wire.DatastoreSecrets
		if _, err := c.armDo(ctx, http.MethodPost, c.armURL("/datastores/"+url.PathEscape(ds.Name)+"/listSecrets", nil), nil, &sec); err != nil {
			return nil, fmt.Errorf("reading the secrets of datastore %s (needs the datastores/listsecrets/action permission): %w", ds.Name, err)
		}
		switch {
		case sec.Key != "":
			cred, err := azblob.NewSharedKeyCredential(ds.AccountName, sec.Key)
			if err != nil {
				return nil, fmt.Errorf("datastore %s: listSecrets returned an account key that is not base64", ds.Name)
			}
			cc, err := container.NewClientWithSharedKeyCredential(containerURL, cred, opts)
			if err != nil {
				return nil, err
			}
			return &blobStore{ds: ds, cc: cc, secret: sec.Key}, nil
		case sec.SASToken != "":
			sas := strings.TrimPrefix(sec.SASToken, "?")
			cc, err := container.NewClientWithNoCredential(containerURL+"?"+sas, opts)
			if err != nil {
				return nil, fmt.Errorf("datastore %s: cannot use its SAS token", ds.Name)
			}
			return &blobStore{ds: ds, cc: cc, secret: sas}, nil
		}
		return nil, fmt.Errorf("datastore %s: listSecrets returned neither an account key nor a SAS token (secretsType %q)", ds.Name, sec.SecretsType)
	default:
		cc, err := container.NewClient(containerURL, c.cred, opts)
		if err != nil {
			return nil, err
		}
		return &blobStore{ds: ds, cc: cc}, nil
	}
}

// storageOptions passes the client's transport, retry, logging, telemetry,
// tracing and policies on to azblob (so a custom Transport's TLS trust applies);
// the cloud and the ARM api-version do not apply to storage.
func (c *Client) storageOptions() *container.ClientOptions {
	o := c.opts.ClientOptions
	return &container.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport:                       o.Transport,
		Retry:                           o.Retry,
		Logging:                         o.Logging,
		Telemetry:                       o.Telemetry,
		TracingProvider:                 o.TracingProvider,
		PerCallPolicies:                 o.PerCallPolicies,
		PerRetryPolicies:                o.PerRetryPolicies,
		InsecureAllowCredentialWithHTTP: o.InsecureAllowCredentialWithHTTP,
	}}
}

// blobContainerURL is https://{account}.blob.{endpoint}/{container}. A datastore
// whose endpoint is itself a URL (http:// or https://) names its blob service
// directly, e.g. Azurite's path-style http://127.0.0.1:10000/devstoreaccount1:
// that is how emulated workspaces point datastores at local storage.
func blobContainerURL(ds Datastore) (string, error) {
	if ds.Container == "" {
		return "", fmt.Errorf("datastore %s names no container", ds.Name)
	}
	ep := strings.TrimSpace(ds.Endpoint)
	if low := strings.ToLower(ep); strings.HasPrefix(low, "https://") || strings.HasPrefix(low, "http://") {
		u, err := url.Parse(ep)
		if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return "", fmt.Errorf("datastore %s: endpoint %q is not a blob service URL", ds.Name, redact.URL(ep))
		}
		return strings.TrimRight(ep, "/") + "/" + url.PathEscape(ds.Container), nil
	}
	if ds.AccountName == "" || strings.ContainsAny(ds.AccountName, "/?#@:. ") {
		return "", fmt.Errorf("datastore %s: invalid storage account name %q", ds.Name, ds.AccountName)
	}
	if ep == "" {
		ep = "core.windows.net"
	}
	if strings.ContainsAny(ep, "/?#@ ") {
		return "", fmt.Errorf("datastore %s: invalid storage endpoint %q", ds.Name, ep)
	}
	proto := strings.ToLower(ds.Protocol)
	if proto == "" {
		proto = "https"
	}
	if proto != "https" && proto != "http" {
		return "", fmt.Errorf("datastore %s: unsupported protocol %q", ds.Name, ds.Protocol)
	}
	return fmt.Sprintf("%s://%s.blob.%s/%s", proto, ds.AccountName, ep, url.PathEscape(ds.Container)), nil
}

// uploadCompleted reports whether blob name carries upload_status=completed.
func (s *blobStore) uploadCompleted(ctx context.Context, name string) (bool, error) {
	props, err := s.cc.NewBlobClient(name).GetProperties(ctx, nil)
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			if strings.EqualFold(re.ErrorCode, "ContainerNotFound") {
				return false, fmt.Errorf("container %s of datastore %s does not exist: %w", s.ds.Container, s.ds.Name, s.scrub(err))
			}
			return false, nil
		}
		return false, s.scrub(err)
	}
	for k, v := range props.Metadata {
		// Go canonicalizes the header, so the key comes back as Upload_status.
		if strings.EqualFold(k, uploadStatusKey) && v != nil && *v == uploadStatusDone {
			return true, nil
		}
	}
	return false, nil
}

// Test hooks around one file's upload: before it is opened, and after its
// content was sent but before it is checked again.
var (
	uploadOpenHook func(path string)
	uploadSentHook func(path string)
)

// uploadFile sends lf to blob name. The open file must still be the one that
// was hashed, before and after sending: otherwise the blob would hold content
// that does not match the hash in its name.
func (s *blobStore) uploadFile(ctx context.Context, lf localFile, name string, progress func(int64)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if uploadOpenHook != nil {
		uploadOpenHook(lf.abs)
	}
	f, fi, err := openRegular(lf.abs)
	if err != nil {
		var se *localfs.SpecialFileError
		if errors.As(err, &se) || errors.Is(err, os.ErrNotExist) {
			return &localChangedError{path: lf.shown, while: "it was waiting to be uploaded"}
		}
		return err
	}
	defer f.Close()
	if !lf.stamp.matches(fi) {
		return &localChangedError{path: lf.shown, while: "it was waiting to be uploaded"}
	}
	_, err = s.cc.NewBlockBlobClient(name).UploadFile(ctx, f, &blockblob.UploadFileOptions{Concurrency: 4, Progress: progress})
	if err != nil {
		return s.scrub(err)
	}
	if uploadSentHook != nil {
		uploadSentHook(lf.abs)
	}
	after, err := f.Stat()
	if err != nil {
		return err
	}
	if !lf.stamp.matches(after) {
		return &localChangedError{path: lf.shown, while: "it was being uploaded"}
	}
	return nil
}

func (s *blobStore) markCompleted(ctx context.Context, name string) error {
	md := map[string]*string{
		uploadStatusKey: ptr(uploadStatusDone),
		"name":          ptr(uuid.NewString()),
		"version":       ptr(uuid.NewString()),
	}
	_, err := s.cc.NewBlobClient(name).SetMetadata(ctx, md, nil)
	return s.scrub(err)
}

func ptr[T any](v T) *T { return &v }

// scrub keeps the datastore's key or SAS out of an error: transport errors
// (*url.Error) carry the full request URL, SAS query included.
func (s *blobStore) scrub(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redact.URL(ue.URL)
	}
	msg := err.Error()
	if s.secret != "" && strings.Contains(msg, s.secret) {
		return errors.New(strings.ReplaceAll(redact.URL(msg), s.secret, redact.Placeholder))
	}
	if red := redact.URL(msg); red != msg {
		return errors.New(red)
	}
	return err
}

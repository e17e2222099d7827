package localdata

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
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/internal/blobrest"
	"github.com/azmlbatch/azmlbatch/internal/localfs"
	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// Local uploads follow azure-ai-ml (service contract 5.1) so that the CLI, the
// Python SDK and this module share uploads of the same data:
//   - destination: LocalUpload/<md5>/<name> for a file and
//     LocalUpload/<md5>/<folder>/<relative path> for a folder's files;
//   - the "indicator" blob (the file, or the folder's first file in sorted order)
//     gets metadata upload_status=completed (plus name and version ids) once every
//     file is uploaded; when it already carries it, nothing is uploaded again.
const (
	// UploadRoot is the folder of every local upload in its container.
	UploadRoot       = "LocalUpload"
	uploadStatusKey  = "upload_status"
	uploadStatusDone = "completed"
)

// Store is one blob container opened with the right credential. It names the
// datastore the container belongs to only in messages.
type Store struct {
	url       string                    // the container's URL, with the SAS query in SAS mode
	key       *blob.SharedKeyCredential // Shared Key mode
	opts      blob.ClientOptions        // token mode: the shared token policy first in PerRetryPolicies
	list      runtime.Pipeline          // List Blobs, authenticated as the blob clients are
	datastore string                    // for messages
	container string                    // for messages
	secret    string                    // account key or SAS token, only to scrub it from errors
}

// StoreConfig opens a container with exactly one of a SAS token, an account
// key or a token credential.
type StoreConfig struct {
	// ContainerURL is https://{account}.blob.{suffix}/{container}, without a query.
	ContainerURL string
	// Datastore and Container name the container in messages.
	Datastore, Container string
	// SAS is a SAS query (without "?").
	SAS string
	// AccountName and AccountKey (base64) sign requests with Shared Key.
	AccountName, AccountKey string
	// Credential gets bearer tokens for the storage scope.
	Credential azcore.TokenCredential
	// Options are the client's transport, retry, logging and policies.
	Options azcore.ClientOptions
	// Module and Version name the caller in the list requests' User-Agent.
	Module, Version string
}

// NewStore opens a container. The account key or SAS token is scrubbed from
// every error the store returns. In token mode one token policy (and so one
// token cache) serves every request of the store, as one azblob container
// client's pipeline does.
func NewStore(cfg StoreConfig) (*Store, error) {
	s := &Store{url: cfg.ContainerURL, datastore: cfg.Datastore, container: cfg.Container}
	var auth policy.Policy
	switch {
	case cfg.AccountKey != "":
		cred, err := blob.NewSharedKeyCredential(cfg.AccountName, cfg.AccountKey)
		if err != nil {
			return nil, err
		}
		if auth, err = blobrest.NewSharedKeyPolicy(cfg.AccountName, cfg.AccountKey); err != nil {
			return nil, err
		}
		s.key, s.secret = cred, cfg.AccountKey
	case cfg.SAS != "":
		s.url += "?" + cfg.SAS
		s.secret = cfg.SAS
	case cfg.Credential != nil:
		auth = blobrest.NewTokenPolicy(cfg.Credential, cfg.Options.InsecureAllowCredentialWithHTTP)
	default:
		return nil, errors.New("localdata: a store needs a SAS token, an account key or a credential")
	}
	s.opts = blob.ClientOptions{ClientOptions: cfg.Options}
	listOpts := cfg.Options
	if auth != nil {
		// Before the caller's per-retry policies, where azblob puts its own.
		listOpts.PerRetryPolicies = append([]policy.Policy{auth}, cfg.Options.PerRetryPolicies...)
		if s.key == nil {
			s.opts.PerRetryPolicies = listOpts.PerRetryPolicies
		}
	}
	s.list = runtime.NewPipeline(cfg.Module, cfg.Version, runtime.PipelineOptions{}, &listOpts)
	return s, nil
}

// blobClient is blob name's client, as azblob's container client makes it:
// the name path-escaped below the container's URL (before any SAS query).
func (s *Store) blobClient(name string) (*blob.Client, error) {
	u := runtime.JoinPaths(s.url, url.PathEscape(name))
	if s.key != nil {
		return blob.NewClientWithSharedKeyCredential(u, s.key, &s.opts)
	}
	return blob.NewClientWithNoCredential(u, &s.opts)
}

func (s *Store) blockBlobClient(name string) (*blockblob.Client, error) {
	u := runtime.JoinPaths(s.url, url.PathEscape(name))
	o := blockblob.ClientOptions(s.opts)
	if s.key != nil {
		return blockblob.NewClientWithSharedKeyCredential(u, s.key, &o)
	}
	return blockblob.NewClientWithNoCredential(u, &o)
}

// Progress reports an upload.
type Progress struct {
	Path                  string
	FilesDone, FilesTotal int
	BytesDone, BytesTotal int64
	Skipped               bool
}

// UploadPrefix is the blob folder of tree: LocalUpload/<hash>/<base>.
func UploadPrefix(tree *Tree) string { return UploadRoot + "/" + tree.Hash + "/" + tree.Base }

// Upload sends tree's files below UploadPrefix(tree) on at most concurrency
// goroutines, unless the indicator blob already carries the completed marker.
// progress, if set, is called from one goroutine at a time. A cancel of ctx
// stops the upload before its next file; a file that changed after it was
// hashed fails it (*ChangedError). Either way the completed marker is not
// written, so the next upload starts over.
func (s *Store) Upload(ctx context.Context, tree *Tree, concurrency int, progress func(Progress)) error {
	prefix := UploadPrefix(tree)
	names := make([]string, len(tree.Files))
	for i, f := range tree.Files {
		names[i] = prefix
		if tree.IsDir {
			names[i] = prefix + "/" + f.Rel
		}
	}
	pt := &progressTracker{fn: progress, p: Progress{Path: tree.Path, FilesTotal: len(tree.Files), BytesTotal: tree.Bytes}, sent: make([]int64, len(tree.Files))}

	done, err := s.uploadCompleted(ctx, names[0])
	if err != nil {
		return fmt.Errorf("checking for an earlier upload of %s: %w", tree.Path, err)
	}
	if done {
		pt.skipped()
		return nil
	}
	pt.report()

	err = ForEach(ctx, len(tree.Files), concurrency, func(ctx context.Context, i int) error {
		if err := s.uploadFile(ctx, tree.Files[i], names[i], func(n int64) { pt.bytes(i, n) }); err != nil {
			return fmt.Errorf("uploading %s to datastore %s: %w", tree.Files[i].Rel, s.datastore, err)
		}
		pt.fileDone(i, tree.Files[i].Size)
		return nil
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The marker goes on last: a partial upload stays unconfirmed and is redone next time.
	if err := s.markCompleted(ctx, names[0]); err != nil {
		return fmt.Errorf("marking the upload of %s as completed: %w", tree.Path, err)
	}
	return nil
}

// progressTracker sums per-file progress and calls the user's callback under a
// lock, so the callback never runs concurrently.
type progressTracker struct {
	mu   sync.Mutex
	fn   func(Progress)
	p    Progress
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

// uploadCompleted reports whether blob name carries upload_status=completed.
func (s *Store) uploadCompleted(ctx context.Context, name string) (bool, error) {
	bc, err := s.blobClient(name)
	if err != nil {
		return false, s.scrub(err)
	}
	props, err := bc.GetProperties(ctx, nil)
	if err != nil {
		if isNotFound(err) {
			var re *azcore.ResponseError
			if errors.As(err, &re) && strings.EqualFold(re.ErrorCode, "ContainerNotFound") {
				return false, fmt.Errorf("container %s of datastore %s does not exist: %w", s.container, s.datastore, s.scrub(err))
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

// uploadFile sends lf to blob name. The open file must still be the one that
// was hashed, before and after sending: otherwise the blob would hold content
// that does not match the hash in its name.
func (s *Store) uploadFile(ctx context.Context, lf File, name string, progress func(int64)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if Hooks.UploadOpen != nil {
		Hooks.UploadOpen(lf.abs)
	}
	f, fi, err := localfs.Open(lf.abs)
	if err != nil {
		var se *localfs.SpecialFileError
		if errors.As(err, &se) || errors.Is(err, os.ErrNotExist) {
			return &ChangedError{Path: lf.shown, While: "it was waiting to be uploaded"}
		}
		return err
	}
	defer f.Close()
	if !lf.stamp.matches(fi) {
		return &ChangedError{Path: lf.shown, While: "it was waiting to be uploaded"}
	}
	bb, err := s.blockBlobClient(name)
	if err != nil {
		return s.scrub(err)
	}
	_, err = bb.UploadFile(ctx, f, &blockblob.UploadFileOptions{Concurrency: 4, Progress: progress})
	if err != nil {
		return s.scrub(err)
	}
	if Hooks.UploadSent != nil {
		Hooks.UploadSent(lf.abs)
	}
	after, err := f.Stat()
	if err != nil {
		return err
	}
	if !lf.stamp.matches(after) {
		return &ChangedError{Path: lf.shown, While: "it was being uploaded"}
	}
	return nil
}

func (s *Store) markCompleted(ctx context.Context, name string) error {
	md := map[string]*string{
		uploadStatusKey: ptr(uploadStatusDone),
		"name":          ptr(uuid.NewString()),
		"version":       ptr(uuid.NewString()),
	}
	bc, err := s.blobClient(name)
	if err == nil {
		_, err = bc.SetMetadata(ctx, md, nil)
	}
	return s.scrub(err)
}

func ptr[T any](v T) *T { return &v }

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// scrub keeps the datastore's key or SAS out of an error: transport errors
// (*url.Error) carry the full request URL, SAS query included.
func (s *Store) scrub(err error) error {
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

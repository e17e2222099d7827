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
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/google/uuid"

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
	cc        *container.Client
	datastore string // for messages
	container string // for messages
	secret    string // account key or SAS token, only to scrub it from errors
}

// NewStore wraps cc, the container of datastore. secret is the account key or
// SAS token cc was built with ("" for a token credential): it is scrubbed from
// every error the store returns.
func NewStore(cc *container.Client, datastore, containerName, secret string) *Store {
	return &Store{cc: cc, datastore: datastore, container: containerName, secret: secret}
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
	props, err := s.cc.NewBlobClient(name).GetProperties(ctx, nil)
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
	_, err = s.cc.NewBlockBlobClient(name).UploadFile(ctx, f, &blockblob.UploadFileOptions{Concurrency: 4, Progress: progress})
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
	_, err := s.cc.NewBlobClient(name).SetMetadata(ctx, md, nil)
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

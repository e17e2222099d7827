package localdata

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/internal/blobrest"
)

// Blob is one blob to download.
type Blob struct {
	// Name is the blob's name in its container.
	Name string
	// Rel is the slash path below the download folder.
	Rel string
}

// List lists the blobs of a file output (the blob at p itself) or a folder
// output (every blob below p, without ADLS Gen2 folder markers). A file that
// does not exist, or an empty folder, lists nothing. A blob whose name would
// be written outside the download folder is an error.
func (s *Store) List(ctx context.Context, p string, file bool) ([]Blob, error) {
	p = strings.TrimLeft(p, "/")
	if file {
		name := strings.TrimRight(p, "/")
		bc, err := s.blobClient(name)
		if err != nil {
			return nil, s.scrub(err)
		}
		if _, err := bc.GetProperties(ctx, nil); err != nil {
			if isNotFound(err) {
				return nil, nil
			}
			return nil, s.scrub(err)
		}
		return []Blob{{Name: name, Rel: path.Base(name)}}, nil
	}
	prefix := strings.TrimRight(p, "/") + "/"
	var out []Blob
	for marker := ""; ; {
		page, err := blobrest.ListPage(ctx, s.list, s.url, blobrest.ListOptions{Prefix: prefix, Marker: marker, Metadata: true})
		if err != nil {
			return nil, s.scrub(err)
		}
		for _, it := range page.Blobs {
			if it.Name == "" || strings.HasSuffix(it.Name, "/") || isFolderMarker(it.Metadata) {
				continue
			}
			rel := strings.TrimPrefix(it.Name, prefix)
			if rel == "" || !filepath.IsLocal(filepath.FromSlash(rel)) {
				return nil, fmt.Errorf("blob %q would be written outside the download folder", it.Name)
			}
			out = append(out, Blob{Name: it.Name, Rel: rel})
		}
		if marker = page.NextMarker; marker == "" {
			break
		}
	}
	return out, nil
}

func isFolderMarker(md map[string]string) bool {
	for k, v := range md {
		if strings.EqualFold(k, "hdi_isfolder") && strings.EqualFold(v, "true") {
			return true
		}
	}
	return false
}

// Download writes blobs into dir (created if needed), keeping their relative
// paths, on at most concurrency goroutines, and returns the files written,
// sorted, with their total size. Existing files are overwritten: each file is
// written to a temporary name in its folder and renamed once complete, so a
// failed or cancelled download leaves no partial file and keeps an earlier
// file of that name. Once ctx is done no further file starts.
func (s *Store) Download(ctx context.Context, blobs []Blob, dir string, concurrency int) (files []string, bytes int64, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	var mu sync.Mutex
	err = ForEach(ctx, len(blobs), concurrency, func(ctx context.Context, i int) error {
		dest := filepath.Join(dir, filepath.FromSlash(blobs[i].Rel))
		n, err := s.downloadFile(ctx, blobs[i].Name, dest)
		if err != nil {
			return fmt.Errorf("downloading %s: %w", blobs[i].Rel, err)
		}
		mu.Lock()
		files = append(files, dest)
		bytes += n
		mu.Unlock()
		return nil
	})
	sort.Strings(files)
	return files, bytes, err
}

// downloadFile writes blob name to dest through a temporary file in dest's
// folder, renamed over dest only once complete: a failed or cancelled download
// leaves neither a partial file nor a truncated earlier dest.
func (s *Store) downloadFile(ctx context.Context, name, dest string) (n int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return 0, err
	}
	tmp := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+"."+uuid.NewString()[:8]+".partial")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return 0, err
	}
	if Hooks.DownloadTemp != nil {
		Hooks.DownloadTemp(tmp)
	}
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	bc, err := s.blobClient(name)
	if err != nil {
		return 0, s.scrub(err)
	}
	n, err = bc.DownloadFile(ctx, f, &blob.DownloadFileOptions{Concurrency: 4})
	if err != nil {
		return 0, s.scrub(err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return 0, err
	}
	if err = os.Rename(tmp, dest); err != nil {
		return 0, err
	}
	return n, nil
}

package localdata

import (
	"context"
	"crypto/md5" //nolint:gosec // the upload convention is MD5; it names a folder, it protects nothing
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localfs"
)

// The upload convention of azure-ai-ml (service contract 5.1): local data goes to
// LocalUpload/<hash>/<basename> where <hash> is an MD5 seeded with this string.
// Matching it lets an upload made by az ml be reused by this package and the
// other way round.
const uploadHashSeed = "Initialize for october 2021 AML CLI version"

// File is one file of a local upload.
type File struct {
	// Rel is the slash-separated path below the uploaded folder; the base name for a file.
	Rel string
	// Size is the file's size as hashed.
	Size int64

	abs   string    // path to read (symlinks resolved by the OS on open)
	shown string    // the path as the user gave it, joined with Rel, for messages
	stamp fileStamp // the file as hashed (or listed), checked again by the upload
}

// Tree is what a local path uploads: its content hash and its files in the
// order azure-ai-ml sorts them (the first one carries the completed marker).
type Tree struct {
	// Path is the local path as the caller gave it, for messages and progress.
	Path string
	// Hash is the azure-ai-ml content hash (empty from Check, which hashes nothing).
	Hash string
	// Base is the last element of the path: the folder or file name in the blob path.
	Base string
	// IsDir is true for a folder.
	IsDir bool
	// Files are the files to upload, sorted by Rel.
	Files []File
	// Bytes is the total size of Files.
	Bytes int64
}

// hashChunkSize is how much is hashed between two checks of ctx: MD5 runs at
// several hundred MB/s, so a chunk takes a few milliseconds at most.
const hashChunkSize = 1 << 20

// Hooks are set only by tests (of this package and of batchendpoint, which
// drive an upload through its client) to act at a precise point of a transfer.
// Each is nil otherwise.
var Hooks struct {
	// HashChunk is called after each chunk is hashed.
	HashChunk func(n int)
	// UploadOpen is called before a file is opened for its upload, UploadSent
	// after its content was sent but before it is checked again.
	UploadOpen, UploadSent func(path string)
	// DownloadTemp is called with each temporary download file once it exists.
	DownloadTemp func(tmp string)
	// Now replaces time.Now for HashCache's racy check, so a test can see
	// files it just wrote as old enough to cache.
	Now func() time.Time
}

// Scan hashes path as azure-ai-ml's get_object_hash does and lists the
// files to upload. It checks ctx before it starts, between entries and between
// chunks of hashChunkSize, so a cancel stops it within one chunk.
//
// File: MD5(seed || content). Folder: MD5 over the folder's entries, sorted by
// lower-cased path; each entry not excluded by the ignore file adds its name,
// then its content (file) or its own entries (folder, recursively). Symbolic
// links are followed. The folder's own name is not hashed.
//
// Ignore rules: as azure-ai-ml's get_ignore_file, a .amlignore in the uploaded
// folder (else a .gitignore there) applies gitignore patterns to paths relative
// to the folder, the last matching pattern deciding. Nested ignore files are not
// read, as in azure-ai-ml. For the hash the rules apply to every entry, folders
// included; for the upload only to files (so "!dir/keep" re-includes dir/keep in
// the upload but not in the hash, a quirk kept for compatible hashes).
//
// What cannot be uploaded is reported as by Check (an *inputs.ValidationError
// naming the path): special files, symbolic link cycles, nothing to upload.
func Scan(ctx context.Context, path string) (*Tree, error) {
	h := md5.New() //nolint:gosec // see uploadHashSeed
	h.Write([]byte(uploadHashSeed))
	return list(ctx, path, h)
}

// Check checks offline, before any request, that path can be uploaded: the
// path exists; a folder holds a file to upload that its .amlignore or
// .gitignore does not exclude; no symbolic link loops; no FIFO, device or
// socket would be read; every file to upload can be opened. It walks the tree
// as Scan does (same ignore rules, links followed) but hashes nothing, and it
// never opens a special file. It checks ctx before each entry. Errors are
// *inputs.ValidationError with Value the offending path and Field empty, for
// the caller to set.
func Check(ctx context.Context, path string) error {
	_, err := list(ctx, path, nil)
	return err
}

// list lists what path uploads; with h nil it hashes nothing and only
// opens (and at once closes) each file to upload, to check that it is readable.
func list(ctx context.Context, path string, h hash.Hash) (*Tree, error) {
	return listRecorded(ctx, path, h, nil)
}

// listRecorded is list that also records, in rec (if set), every name the
// hash reads and the stat of every file whose content it reads.
func listRecorded(ctx context.Context, path string, h hash.Hash, rec *script) (*Tree, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if path == "" {
		return nil, &inputs.ValidationError{Problem: "the local path is empty", Fix: "give the path of a file or folder to upload"}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, statError(path, err)
	}
	t := &Tree{Path: path, Base: filepath.Base(abs), IsDir: fi.IsDir()}
	w := &treeWalker{ctx: ctx, h: h, rec: rec, root: path, onStack: map[string]bool{}}
	if h != nil {
		w.buf = make([]byte, hashChunkSize)
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, specialFile(path, fi.Mode(), "the local path")
		}
		lf := File{abs: abs, Rel: t.Base, shown: path, Size: fi.Size(), stamp: stampOf(fi)}
		if w.h == nil && w.rec != nil {
			w.rec.file(fi)
		} else if err := w.readFile(&lf); err != nil {
			return nil, err
		}
		t.Files = []File{lf}
		t.Bytes = lf.Size
		if h != nil {
			t.Hash = hex.EncodeToString(h.Sum(nil))
		}
		return t, nil
	}
	// azure-ai-ml names a folder upload after the resolved folder.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		t.Base = filepath.Base(real)
	}
	w.ign, w.ignName, err = loadIgnoreFile(abs)
	if err != nil {
		return nil, err
	}
	if w.rec != nil && w.ign != nil {
		w.rec.name(w.ignName + "\n" + w.ign.text) // the rules decide what is hashed
	}
	if err := w.walk(abs, "", true); err != nil {
		return nil, err
	}
	if err := w.checkSomethingToUpload(); err != nil {
		return nil, err
	}
	// azure-ai-ml sorts the upload list by local path; the first entry is the indicator.
	sort.Slice(w.files, func(i, j int) bool { return w.files[i].Rel < w.files[j].Rel })
	t.Files = w.files
	for _, f := range w.files {
		t.Bytes += f.Size
	}
	if h != nil {
		t.Hash = hex.EncodeToString(h.Sum(nil))
	}
	return t, nil
}

type treeWalker struct {
	ctx     context.Context
	h       hash.Hash // nil: list and check only
	rec     *script   // non-nil: record what the hash reads (HashCache)
	buf     []byte
	root    string // the uploaded path as given, for messages
	ign     *ignoreRules
	ignName string          // ".amlignore" or ".gitignore" when ign is set
	onStack map[string]bool // resolved folders being walked, against symlink cycles
	files   []File
	ignored int // regular files the ignore rules exclude from the upload
}

// shown is rel joined to the path as the user gave it.
func (w *treeWalker) shown(rel string) string {
	if rel == "" {
		return w.root
	}
	return filepath.Join(w.root, filepath.FromSlash(rel))
}

// walk visits dir (rel is its slash path below the root, "" for the root).
// hashing is false below a folder the ignore rules exclude: its files are still
// listed for the upload (each checked on its own) but nothing is hashed.
func (w *treeWalker) walk(dir, rel string, hashing bool) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return statError(w.shown(rel), err)
	}
	if w.onStack[real] {
		return &inputs.ValidationError{Value: w.shown(rel),
			Problem: fmt.Sprintf("this symbolic link inside the local folder %s leads back to a folder that contains it (a cycle), so the folder never ends", w.root),
			Fix:     "remove the link, point it outside the folder, or exclude it in the folder's .amlignore"}
	}
	w.onStack[real] = true
	defer delete(w.onStack, real)

	entries, err := os.ReadDir(dir)
	if err != nil {
		return &inputs.ValidationError{Value: w.shown(rel), Problem: "cannot list this local folder: " + osProblem(err), Fix: "make it readable, or exclude it in the folder's .amlignore"}
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	// str(path).lower() order; ties (names differing only in case) by name for determinism.
	sort.Slice(names, func(i, j int) bool {
		a, b := strings.ToLower(names[i]), strings.ToLower(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	for _, name := range names {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		abs := filepath.Join(dir, name)
		childRel := name
		if rel != "" {
			childRel = rel + "/" + name
		}
		excluded := w.ign.excluded(childRel)
		hashThis := hashing && !excluded
		if hashThis && w.h != nil {
			w.h.Write([]byte(name))
		}
		if hashThis && w.rec != nil {
			w.rec.name(name)
		}
		fi, err := os.Stat(abs) // follows symlinks
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // a dangling symlink: azure-ai-ml hashes its name and nothing else
			}
			if excluded {
				continue // neither hashed nor uploaded, whatever it is
			}
			return statError(w.shown(childRel), err)
		}
		switch {
		case fi.IsDir():
			if err := w.walk(abs, childRel, hashThis); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			if excluded {
				w.ignored++
				continue
			}
			lf := File{abs: abs, Rel: childRel, shown: w.shown(childRel), Size: fi.Size(), stamp: stampOf(fi)}
			switch {
			case w.h == nil && w.rec != nil:
				// A cache lookup: the file's stat stands for its content.
				if hashThis {
					w.rec.file(fi)
				}
			case hashThis || w.h == nil:
				if err := w.readFile(&lf); err != nil {
					return err
				}
			}
			w.files = append(w.files, lf)
		case !excluded:
			// Never opened: reading a FIFO blocks until a writer comes.
			return specialFile(w.shown(childRel), fi.Mode(), "this file inside the local folder "+w.root)
		}
	}
	return nil
}

// readFile hashes lf (or, with no hash, opens and closes it to prove it is
// readable) and records what the file looked like for the upload's check.
func (w *treeWalker) readFile(lf *File) error {
	f, fi, err := localfs.Open(lf.abs)
	if err != nil {
		var se *localfs.SpecialFileError
		if errors.As(err, &se) {
			return specialFile(lf.shown, se.Mode, "this local file")
		}
		return &inputs.ValidationError{Value: lf.shown, Problem: "cannot read this local file: " + osProblem(err), Fix: "make it readable, or exclude it in the folder's .amlignore"}
	}
	defer f.Close()
	if w.h == nil {
		lf.Size, lf.stamp = fi.Size(), stampOf(fi)
		return nil
	}
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		n, err := f.Read(w.buf)
		w.h.Write(w.buf[:n])
		if Hooks.HashChunk != nil && n > 0 {
			Hooks.HashChunk(n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", lf.shown, err)
		}
	}
	after, err := f.Stat()
	if err != nil {
		return err
	}
	if !stampOf(fi).matches(after) {
		return &ChangedError{Path: lf.shown, While: "it was being hashed"}
	}
	lf.Size, lf.stamp = after.Size(), stampOf(after)
	if w.rec != nil {
		w.rec.file(after)
	}
	return nil
}

// checkSomethingToUpload rejects a folder that would upload nothing, or
// nothing but its own ignore file.
func (w *treeWalker) checkSomethingToUpload() error {
	data := 0
	for _, f := range w.files {
		if f.Rel != ".amlignore" && f.Rel != ".gitignore" {
			data++
		}
	}
	switch {
	case data > 0:
		return nil
	case w.ignored > 0:
		ign := filepath.Join(w.root, w.ignName)
		return &inputs.ValidationError{Value: w.root,
			Problem: fmt.Sprintf("every file in the local folder is excluded by its ignore file %s, so nothing would be uploaded", ign),
			Fix:     fmt.Sprintf("remove or narrow the patterns in %s that match the input files (a later \"!pattern\" line re-includes files), or point at another folder", ign)}
	case len(w.files) > 0:
		return &inputs.ValidationError{Value: w.root, Problem: "the local folder holds no files but its ignore file", Fix: "put the input files in it, or point at another folder"}
	}
	return &inputs.ValidationError{Value: w.root, Problem: "the local folder holds no files", Fix: "put the input files in it, or point at another folder"}
}

// specialFile is the error for a FIFO, device or socket where data is expected.
func specialFile(shown string, mode fs.FileMode, what string) *inputs.ValidationError {
	return &inputs.ValidationError{Value: shown,
		Problem: fmt.Sprintf("%s is %s: only regular files and folders can be uploaded, and reading it could block or never end", what, localfs.Describe(mode)),
		Fix:     "remove it, or exclude it in the folder's .amlignore"}
}

// statError turns a failed Stat of a path the user named (or one found inside
// it) into a ValidationError.
func statError(shown string, err error) *inputs.ValidationError {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &inputs.ValidationError{Value: shown, Problem: "there is no file or folder at this local path", Fix: "check the path (relative paths are read from the current directory)"}
	case isLinkLoop(err):
		return &inputs.ValidationError{Value: shown, Problem: "this symbolic link cannot be resolved: its chain of links loops", Fix: "remove the link or point it at a real file or folder"}
	case errors.Is(err, fs.ErrPermission):
		return &inputs.ValidationError{Value: shown, Problem: "cannot read this local path: permission denied", Fix: "make it readable (or run as a user who can read it)"}
	}
	return &inputs.ValidationError{Value: shown, Problem: "cannot read this local path: " + osProblem(err), Fix: "check the path and its permissions"}
}

// osProblem is the reason of an *fs.PathError without the path, which the
// ValidationError already names.
func osProblem(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

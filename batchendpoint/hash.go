package batchendpoint

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
	"regexp"
	"sort"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/localfs"
)

// The upload convention of azure-ai-ml (service contract 5.1): local data goes to
// LocalUpload/<hash>/<basename> where <hash> is an MD5 seeded with this string.
// Matching it lets an upload made by az ml be reused by this package and the
// other way round.
const uploadHashSeed = "Initialize for october 2021 AML CLI version"

// localFile is one file of a local upload.
type localFile struct {
	abs   string // path to read (symlinks resolved by the OS on open)
	rel   string // slash-separated path below the uploaded folder; the base name for a file
	shown string // the path as the user gave it, joined with rel, for messages
	size  int64
	stamp fileStamp // the file as hashed (or listed), checked again by the upload
}

// localTree is what a local path uploads: its content hash and its files in the
// order azure-ai-ml sorts them (the first one carries the completed marker).
type localTree struct {
	hash  string
	base  string // last element of the path: the folder or file name in the blob path
	isDir bool
	files []localFile
	bytes int64
}

// hashChunkSize is how much is hashed between two checks of ctx: MD5 runs at
// several hundred MB/s, so a chunk takes a few milliseconds at most.
const hashChunkSize = 1 << 20

// hashChunkHook, when set by a test, is called after each chunk is hashed.
var hashChunkHook func(n int)

// scanLocal hashes path as azure-ai-ml's get_object_hash does and lists the
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
// What cannot be uploaded is reported as by checkLocalInput (a *ValidationError
// naming the path): special files, symbolic link cycles, nothing to upload.
func scanLocal(ctx context.Context, path string) (*localTree, error) {
	h := md5.New() //nolint:gosec // see uploadHashSeed
	h.Write([]byte(uploadHashSeed))
	return walkLocal(ctx, path, h)
}

// walkLocal lists what path uploads; with h nil it hashes nothing and only
// opens (and at once closes) each file to upload, to check that it is readable.
func walkLocal(ctx context.Context, path string, h hash.Hash) (*localTree, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if path == "" {
		return nil, &ValidationError{Problem: "the local path is empty", Fix: "give the path of a file or folder to upload"}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, statError(path, err)
	}
	t := &localTree{base: filepath.Base(abs), isDir: fi.IsDir()}
	w := &treeWalker{ctx: ctx, h: h, root: path, onStack: map[string]bool{}}
	if h != nil {
		w.buf = make([]byte, hashChunkSize)
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, specialFile(path, fi.Mode(), "the local path")
		}
		lf := localFile{abs: abs, rel: t.base, shown: path, size: fi.Size(), stamp: stampOf(fi)}
		if err := w.readFile(&lf); err != nil {
			return nil, err
		}
		t.files = []localFile{lf}
		t.bytes = lf.size
		if h != nil {
			t.hash = hex.EncodeToString(h.Sum(nil))
		}
		return t, nil
	}
	// azure-ai-ml names a folder upload after the resolved folder.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		t.base = filepath.Base(real)
	}
	w.ign, w.ignName, err = loadIgnoreFile(abs)
	if err != nil {
		return nil, err
	}
	if err := w.walk(abs, "", true); err != nil {
		return nil, err
	}
	if err := w.checkSomethingToUpload(); err != nil {
		return nil, err
	}
	// azure-ai-ml sorts the upload list by local path; the first entry is the indicator.
	sort.Slice(w.files, func(i, j int) bool { return w.files[i].rel < w.files[j].rel })
	t.files = w.files
	for _, f := range w.files {
		t.bytes += f.size
	}
	if h != nil {
		t.hash = hex.EncodeToString(h.Sum(nil))
	}
	return t, nil
}

type treeWalker struct {
	ctx     context.Context
	h       hash.Hash // nil: list and check only
	buf     []byte
	root    string // the uploaded path as given, for messages
	ign     *ignoreRules
	ignName string          // ".amlignore" or ".gitignore" when ign is set
	onStack map[string]bool // resolved folders being walked, against symlink cycles
	files   []localFile
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
		return &ValidationError{Value: w.shown(rel),
			Problem: fmt.Sprintf("this symbolic link inside the local folder %s leads back to a folder that contains it (a cycle), so the folder never ends", w.root),
			Fix:     "remove the link, point it outside the folder, or exclude it in the folder's .amlignore"}
	}
	w.onStack[real] = true
	defer delete(w.onStack, real)

	entries, err := os.ReadDir(dir)
	if err != nil {
		return &ValidationError{Value: w.shown(rel), Problem: "cannot list this local folder: " + osProblem(err), Fix: "make it readable, or exclude it in the folder's .amlignore"}
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
			lf := localFile{abs: abs, rel: childRel, shown: w.shown(childRel), size: fi.Size(), stamp: stampOf(fi)}
			if hashThis || w.h == nil {
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
func (w *treeWalker) readFile(lf *localFile) error {
	f, fi, err := openRegular(lf.abs)
	if err != nil {
		var se *localfs.SpecialFileError
		if errors.As(err, &se) {
			return specialFile(lf.shown, se.Mode, "this local file")
		}
		return &ValidationError{Value: lf.shown, Problem: "cannot read this local file: " + osProblem(err), Fix: "make it readable, or exclude it in the folder's .amlignore"}
	}
	defer f.Close()
	if w.h == nil {
		lf.size, lf.stamp = fi.Size(), stampOf(fi)
		return nil
	}
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		n, err := f.Read(w.buf)
		w.h.Write(w.buf[:n])
		if hashChunkHook != nil && n > 0 {
			hashChunkHook(n)
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
		return &localChangedError{path: lf.shown, while: "it was being hashed"}
	}
	lf.size, lf.stamp = after.Size(), stampOf(after)
	return nil
}

// checkSomethingToUpload rejects a folder that would upload nothing, or
// nothing but its own ignore file.
func (w *treeWalker) checkSomethingToUpload() error {
	data := 0
	for _, f := range w.files {
		if f.rel != ".amlignore" && f.rel != ".gitignore" {
			data++
		}
	}
	switch {
	case data > 0:
		return nil
	case w.ignored > 0:
		ign := filepath.Join(w.root, w.ignName)
		return &ValidationError{Value: w.root,
			Problem: fmt.Sprintf("every file in the local folder is excluded by its ignore file %s, so nothing would be uploaded", ign),
			Fix:     fmt.Sprintf("remove or narrow the patterns in %s that match the input files (a later \"!pattern\" line re-includes files), or point at another folder", ign)}
	case len(w.files) > 0:
		return &ValidationError{Value: w.root, Problem: "the local folder holds no files but its ignore file", Fix: "put the input files in it, or point at another folder"}
	}
	return &ValidationError{Value: w.root, Problem: "the local folder holds no files", Fix: "put the input files in it, or point at another folder"}
}

// specialFile is the error for a FIFO, device or socket where data is expected.
func specialFile(shown string, mode fs.FileMode, what string) *ValidationError {
	return &ValidationError{Value: shown,
		Problem: fmt.Sprintf("%s is %s: only regular files and folders can be uploaded, and reading it could block or never end", what, localfs.Describe(mode)),
		Fix:     "remove it, or exclude it in the folder's .amlignore"}
}

// statError turns a failed Stat of a path the user named (or one found inside
// it) into a ValidationError.
func statError(shown string, err error) *ValidationError {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &ValidationError{Value: shown, Problem: "there is no file or folder at this local path", Fix: "check the path (relative paths are read from the current directory)"}
	case isLinkLoop(err):
		return &ValidationError{Value: shown, Problem: "this symbolic link cannot be resolved: its chain of links loops", Fix: "remove the link or point it at a real file or folder"}
	case errors.Is(err, fs.ErrPermission):
		return &ValidationError{Value: shown, Problem: "cannot read this local path: permission denied", Fix: "make it readable (or run as a user who can read it)"}
	}
	return &ValidationError{Value: shown, Problem: "cannot read this local path: " + osProblem(err), Fix: "check the path and its permissions"}
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

// ignoreRules are the patterns of one .amlignore or .gitignore, in file order.
type ignoreRules struct {
	patterns []ignorePattern
}

type ignorePattern struct {
	re      *regexp.Regexp
	include bool // false for a negated (!) pattern
}

// loadIgnoreFile reads dir/.amlignore, else dir/.gitignore (nil when neither
// exists) and returns the rules with the file's name.
func loadIgnoreFile(dir string) (*ignoreRules, string, error) {
	for _, name := range []string{".amlignore", ".gitignore"} {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		f, _, err := openRegular(p) // never a FIFO: reading it would block
		if err != nil {
			var se *localfs.SpecialFileError
			if errors.As(err, &se) {
				return nil, "", specialFile(p, se.Mode, "the ignore file")
			}
			if errors.Is(err, fs.ErrNotExist) {
				continue // a dangling link, as azure-ai-ml's exists() check
			}
			return nil, "", &ValidationError{Value: p, Problem: "cannot read the ignore file: " + osProblem(err), Fix: "make it readable or remove it"}
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, "", err
		}
		return parseIgnore(string(b)), name, nil
	}
	return nil, "", nil
}

func parseIgnore(text string) *ignoreRules {
	r := &ignoreRules{}
	for _, line := range strings.Split(text, "\n") {
		if p, ok := compileIgnorePattern(strings.TrimRight(line, "\r")); ok {
			r.patterns = append(r.patterns, p)
		}
	}
	return r
}

// excluded reports whether rel (slash path, no trailing slash) is ignored: the
// last matching pattern decides.
func (r *ignoreRules) excluded(rel string) bool {
	if r == nil {
		return false
	}
	matched := false
	for _, p := range r.patterns {
		if p.re.MatchString(rel) {
			matched = p.include
		}
	}
	return matched
}

// compileIgnorePattern turns one gitignore line into a regular expression with
// the semantics of Python's pathspec "gitwildmatch", which azure-ai-ml uses:
// a pattern without an inner slash matches at any depth, a leading slash anchors
// it, a trailing slash matches only what lies below a folder of that name, and a
// pattern matches the paths below what it names.
func compileIgnorePattern(line string) (ignorePattern, bool) {
	p := strings.TrimSpace(line)
	if p == "" || strings.HasPrefix(p, "#") || p == "/" {
		return ignorePattern{}, false
	}
	include := true
	if strings.HasPrefix(p, "!") {
		include = false
		p = p[1:]
	} else if strings.HasPrefix(p, `\`) && len(p) > 1 && (p[1] == '!' || p[1] == '#') {
		p = p[1:]
	}
	segs := strings.Split(p, "/")
	switch {
	case segs[0] == "":
		segs = segs[1:] // anchored at the root
	case len(segs) == 1 || (len(segs) == 2 && segs[1] == ""):
		if segs[0] != "**" {
			segs = append([]string{"**"}, segs...)
		}
	}
	if len(segs) == 0 {
		return ignorePattern{}, false
	}
	if len(segs) > 1 && segs[len(segs)-1] == "" {
		segs[len(segs)-1] = "**"
	}
	// Collapse runs of "**".
	out := segs[:0:0]
	for i, s := range segs {
		if s == "**" && i > 0 && segs[i-1] == "**" {
			continue
		}
		out = append(out, s)
	}
	segs = out

	var b strings.Builder
	b.WriteString("^")
	needSlash := false
	end := len(segs) - 1
	for i, s := range segs {
		switch {
		case s == "**" && i == 0 && i == end:
			b.WriteString(".+")
		case s == "**" && i == 0:
			b.WriteString("(?:.+/)?")
			needSlash = false
		case s == "**" && i == end:
			b.WriteString("/.*")
		case s == "**":
			b.WriteString("(?:/.+)?")
			needSlash = true
		default:
			if needSlash {
				b.WriteString("/")
			}
			if s == "*" {
				b.WriteString("[^/]+")
			} else {
				b.WriteString(globSegment(s))
			}
			if i == end {
				b.WriteString("(?:/.*)?")
			}
			needSlash = true
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return ignorePattern{}, false // a malformed pattern matches nothing, as pathspec skips it
	}
	return ignorePattern{re: re, include: include}, true
}

// globSegment translates one path segment's wildcards (*, ?, [...], \x).
func globSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteString(regexp.QuoteMeta(s[i : i+1]))
			}
		case '*':
			b.WriteString("[^/]*")
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := i + 1
			if j < len(s) && (s[j] == '!' || s[j] == '^') {
				j++
			}
			if j < len(s) && s[j] == ']' {
				j++
			}
			for j < len(s) && s[j] != ']' {
				j++
			}
			if j >= len(s) {
				b.WriteString(`\[`)
				continue
			}
			body := s[i+1 : j]
			if strings.HasPrefix(body, "!") {
				body = "^" + body[1:]
			} else if strings.HasPrefix(body, "^") {
				body = `\^` + body[1:]
			}
			body = strings.ReplaceAll(body, `\`, `\\`)
			b.WriteString("[" + body + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(s[i : i+1]))
		}
	}
	return b.String()
}

package batchendpoint

import (
	"crypto/md5" //nolint:gosec // the upload convention is MD5; it names a folder, it protects nothing
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// The upload convention of azure-ai-ml (service contract 5.1): local data goes to
// LocalUpload/<hash>/<basename> where <hash> is an MD5 seeded with this string.
// Matching it lets an upload made by az ml be reused by this package and the
// other way round.
const uploadHashSeed = "Initialize for october 2021 AML CLI version"

// localFile is one file of a local upload.
type localFile struct {
	abs  string // path to read (symlinks resolved by the OS on open)
	rel  string // slash-separated path below the uploaded folder; the base name for a file
	size int64
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

// scanLocal hashes path as azure-ai-ml's get_object_hash does and lists the
// files to upload.
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
func scanLocal(path string) (*localTree, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	h := md5.New() //nolint:gosec // see uploadHashSeed
	h.Write([]byte(uploadHashSeed))
	t := &localTree{base: filepath.Base(abs), isDir: fi.IsDir()}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is neither a regular file nor a folder", path)
		}
		if err := hashFile(h, abs); err != nil {
			return nil, err
		}
		t.files = []localFile{{abs: abs, rel: t.base, size: fi.Size()}}
		t.bytes = fi.Size()
		t.hash = hex.EncodeToString(h.Sum(nil))
		return t, nil
	}
	// azure-ai-ml names a folder upload after the resolved folder.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		t.base = filepath.Base(real)
	}
	ign, err := loadIgnoreFile(abs)
	if err != nil {
		return nil, err
	}
	w := &treeWalker{h: h, ign: ign, onStack: map[string]bool{}}
	if err := w.walk(abs, "", true); err != nil {
		return nil, err
	}
	if len(w.files) == 0 {
		return nil, fmt.Errorf("the folder %s holds no files to upload (empty, or every file is excluded by its ignore file)", path)
	}
	// azure-ai-ml sorts the upload list by local path; the first entry is the indicator.
	sort.Slice(w.files, func(i, j int) bool { return w.files[i].rel < w.files[j].rel })
	t.files = w.files
	for _, f := range w.files {
		t.bytes += f.size
	}
	t.hash = hex.EncodeToString(h.Sum(nil))
	return t, nil
}

func hashFile(h hash.Hash, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}

type treeWalker struct {
	h       hash.Hash
	ign     *ignoreRules
	onStack map[string]bool // resolved folders being walked, against symlink cycles
	files   []localFile
}

// walk visits dir (rel is its slash path below the root, "" for the root).
// hashing is false below a folder the ignore rules exclude: its files are still
// listed for the upload (each checked on its own) but nothing is hashed.
func (w *treeWalker) walk(dir, rel string, hashing bool) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if w.onStack[real] {
		return fmt.Errorf("symbolic link cycle at %s", dir)
	}
	w.onStack[real] = true
	defer delete(w.onStack, real)

	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
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
		abs := filepath.Join(dir, name)
		childRel := name
		if rel != "" {
			childRel = rel + "/" + name
		}
		hashThis := hashing && !w.ign.excluded(childRel)
		if hashThis {
			w.h.Write([]byte(name))
		}
		fi, err := os.Stat(abs) // follows symlinks
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // a dangling symlink: azure-ai-ml hashes its name and nothing else
			}
			return err
		}
		switch {
		case fi.IsDir():
			if err := w.walk(abs, childRel, hashThis); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			if hashThis {
				if err := hashFile(w.h, abs); err != nil {
					return err
				}
			}
			if !w.ign.excluded(childRel) {
				w.files = append(w.files, localFile{abs: abs, rel: childRel, size: fi.Size()})
			}
		}
	}
	return nil
}

// ignoreRules are the patterns of one .amlignore or .gitignore, in file order.
type ignoreRules struct {
	patterns []ignorePattern
}

type ignorePattern struct {
	re      *regexp.Regexp
	include bool // false for a negated (!) pattern
}

// loadIgnoreFile reads dir/.amlignore, else dir/.gitignore; nil when neither exists.
func loadIgnoreFile(dir string) (*ignoreRules, error) {
	for _, name := range []string{".amlignore", ".gitignore"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return parseIgnore(string(b)), nil
	}
	return nil, nil
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

package localdata

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localfs"
)

// ignoreRules are the patterns of one .amlignore or .gitignore, in file order.
type ignoreRules struct {
	patterns []ignorePattern
	text     string // the ignore file as read; part of a hash cache entry's key
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
		f, _, err := localfs.Open(p) // never a FIFO: reading it would block
		if err != nil {
			var se *localfs.SpecialFileError
			if errors.As(err, &se) {
				return nil, "", specialFile(p, se.Mode, "the ignore file")
			}
			if errors.Is(err, fs.ErrNotExist) {
				continue // a dangling link, as azure-ai-ml's exists() check
			}
			return nil, "", &inputs.ValidationError{Value: p, Problem: "cannot read the ignore file: " + osProblem(err), Fix: "make it readable or remove it"}
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, "", err
		}
		r := parseIgnore(string(b))
		r.text = string(b)
		return r, name, nil
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

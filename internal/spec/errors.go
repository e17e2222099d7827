package spec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// loc is where a value came from: a line of the file or one --set assignment.
type loc struct {
	file   string
	line   int
	set    int    // 1-based index of the --set assignment; 0 for the file
	setKey string // the assignment's key, as written
}

func (l loc) String() string {
	if l.set > 0 {
		return strings.TrimSpace(fmt.Sprintf("--set #%d %s", l.set, l.setKey))
	}
	if l.line > 0 {
		return fmt.Sprintf("%s line %d", l.file, l.line)
	}
	return l.file
}

// field formats ValidationError.Field: "<file> line N: <key path>" or
// "--set #N <key>", with the key path added when it differs from the assignment's key.
func (l loc) field(keyPath string) string {
	s := l.String()
	switch {
	case keyPath == "":
	case l.set > 0 && keyPath == l.setKey:
	case s == "":
		s = keyPath
	default:
		s += ": " + keyPath
	}
	return s
}

// fail builds the error for a problem at l; value is shown redacted and shortened.
func fail(l loc, keyPath, value, problem, fix string) error {
	return clean(&inputs.ValidationError{Field: l.field(keyPath), Value: value, Problem: problem, Fix: fix})
}

// wrap places an error from inputs/outputs at l. Those errors carry no
// location of their own; a Field they do carry is kept in parentheses.
func wrap(l loc, keyPath string, err error) error {
	var ve *inputs.ValidationError
	if !errors.As(err, &ve) {
		return fail(l, keyPath, "", err.Error(), "")
	}
	c := *ve
	f := l.field(keyPath)
	if c.Field != "" {
		f += " (" + c.Field + ")"
	}
	c.Field = f
	return clean(&c)
}

const maxShown = 200

// clean redacts secrets in every part of e (outputs.Parse, for one, echoes its
// input unredacted) and keeps echoed values short.
func clean(e *inputs.ValidationError) *inputs.ValidationError {
	e.Field = redact.Text(e.Field)
	e.Value = oneLine(shorten(redact.Text(e.Value)))
	e.Problem = redact.Text(e.Problem)
	e.Fix = redact.Text(e.Fix)
	return e
}

// oneLine escapes control characters and invalid UTF-8 in a shown value, so an
// error stays one line (a value with a line break cannot forge a log line).
func oneLine(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

func shorten(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// suggest returns `; did you mean "x"?` when one of allowed is a close spelling of k.
func suggest(k string, allowed []string) string {
	best, bestD := "", 3
	lk := strings.ToLower(k)
	for _, a := range allowed {
		if lk == a {
			return fmt.Sprintf(" (did you mean %q? keys are lower case)", a)
		}
		if d := editDistance(lk, a, bestD); d < bestD {
			best, bestD = a, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of a and b, or limit when it is at least limit.
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 {
		return limit
	}
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}

// Package names holds the naming rules that more than one public package of this
// module applies: the inputs and outputs packages check datastore locations, and
// batchendpoint checks a datastore name before it looks it up. Each package
// turns a Problem into its own *inputs.ValidationError.
package names

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// Problem is a value that breaks a rule: what is wrong and how to fix it.
// Value is ready to show: redacted and on one line.
type Problem struct {
	Value, Problem, Fix string
}

func problem(value, what, fix string) *Problem {
	return &Problem{Value: OneLine(redact.String(value)), Problem: what, Fix: fix}
}

// OneLine escapes control characters and invalid UTF-8 in a value shown in an
// error, so the error stays one line: a value with a line break can't forge a
// log line or a header.
func OneLine(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// datastoreName: Azure ML datastore names are case-insensitive "alphanumeric
// characters and underscore" (the datastore ARM templates' name parameter).
var datastoreName = Rule{Rest: ASCIIAlnumOr("_"), Max: 255}

// DatastoreName checks a datastore name: letters, digits and underscores. Nil: valid.
func DatastoreName(name string) *Problem {
	if name == "" {
		return problem("", "the datastore name is empty", "name the datastore, for example workspaceblobstore")
	}
	if !datastoreName.MatchString(name) {
		return problem(name, "a datastore name may contain only letters, digits and underscores", "use the datastore's registered name (az ml datastore list) or its ARM id")
	}
	return nil
}

// DatastorePath checks a path inside a datastore. Nil: valid.
func DatastorePath(p string) *Problem {
	if strings.TrimSpace(p) == "" {
		return problem(p, "the path inside the datastore is empty", "give the folder or file path inside the datastore, for example heart-disease-uci-unlabeled")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return problem(p, "the datastore path contains \"..\"", "give the path from the datastore's root without .. segments")
		}
	}
	if strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return problem(p, "the datastore path contains a control character (a line break, tab or similar)", "give the path on one line; percent-encode unusual characters")
	}
	if strings.ContainsAny(p, "\\\x00?#") {
		return problem(p, fmt.Sprintf("the datastore path contains one of %q", "\\ NUL ? #"), "use forward slashes and no query or fragment")
	}
	return nil
}

package inputs

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// oneLine escapes control characters and invalid UTF-8 in a value shown in an
// error, so the error stays one line: a value with a line break can't forge a
// log line or a header.
func oneLine(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

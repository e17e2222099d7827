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

// validateIDChars rejects white space and control characters in an ARM id or
// azureml:// URI: every segment of one (subscription, resource group,
// workspace, location) is a name that ends up in a URL path.
func validateIDChars(id string) error {
	if strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return invalid(id, "the id or URI contains white space or a control character", "copy the id or URI again; none of its parts contains spaces")
	}
	return nil
}

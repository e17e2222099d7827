package inputs

import (
	"strings"
	"unicode"
)

// validateIDChars rejects white space and control characters in an ARM id or
// azureml:// URI: every segment of one (subscription, resource group,
// workspace, location) is a name that ends up in a URL path.
func validateIDChars(id string) error {
	if strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return invalid(id, "the id or URI contains white space or a control character", "copy the id or URI again; none of its parts contains spaces")
	}
	return nil
}

package batchendpoint

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// Limits on the tags and properties of a job. Tags follow Azure Resource
// Manager's tag rules (learn.microsoft.com, "Use tags to organize your Azure
// resources": at most 50 tags, names up to 512 characters, values up to 256,
// names without < > % & \ ? /); one of the 50 is the tag that records the
// invoke's repeatability id. Properties get the same key and value limits.
const (
	// MaxJobTags is the number of tags a caller may set on a job.
	MaxJobTags     = 49
	maxTagKeyLen   = 512
	maxTagValueLen = 256
)

// reservedPrefixes start keys the caller may not set: the service's own
// (azureml.) and this SDK's (azmlbatch.).
var reservedPrefixes = []string{"azureml.", "azmlbatch."}

// validateKeyValues checks the tags (kind "tag") or properties of a job.
func validateKeyValues(field, kind string, m map[string]string, maxCount int) error {
	if maxCount > 0 && len(m) > maxCount {
		return &ValidationError{Field: field, Value: fmt.Sprint(len(m)), Problem: fmt.Sprintf("a job takes at most %d %ss from the caller", maxCount, kind),
			Fix: fmt.Sprintf("keep %d or fewer (Azure allows 50 tags per resource; the SDK uses one to record the repeatability id)", maxCount)}
	}
	for _, k := range sortedKeys(m) {
		v := m[k]
		f := field + "." + k
		switch {
		case strings.TrimSpace(k) == "":
			return &ValidationError{Field: field, Value: printable(k), Problem: "a " + kind + " name is empty", Fix: "give every " + kind + " a name"}
		case len(k) > maxTagKeyLen:
			return &ValidationError{Field: printable(f[:min(len(f), 80)]) + "...", Problem: fmt.Sprintf("the %s name is longer than %d characters", kind, maxTagKeyLen), Fix: "use a shorter name"}
		case !utf8.ValidString(k) || strings.IndexFunc(k, unicode.IsControl) >= 0:
			return &ValidationError{Field: printable(f), Problem: "the " + kind + " name holds control characters or invalid UTF-8", Fix: "use printable text"}
		case strings.ContainsAny(k, `<>%&\?/`):
			return &ValidationError{Field: printable(f), Problem: "Azure does not allow < > % & \\ ? / in " + kind + " names", Fix: "remove those characters from the name"}
		case strings.ContainsAny(k, "=,"):
			return &ValidationError{Field: printable(f), Problem: "the jobs list filters by " + kind + " with name=value pairs separated by commas, so a name may not hold = or ,", Fix: "remove = and , from the name"}
		case len(v) > maxTagValueLen:
			return &ValidationError{Field: printable(f), Problem: fmt.Sprintf("the %s value is longer than %d characters", kind, maxTagValueLen), Fix: "use a shorter value"}
		case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
			return &ValidationError{Field: printable(f), Value: printable(v), Problem: "the " + kind + " value holds control characters or invalid UTF-8", Fix: "use one line of printable text"}
		}
		for _, p := range reservedPrefixes {
			if len(k) >= len(p) && strings.EqualFold(k[:len(p)], p) {
				return &ValidationError{Field: printable(f), Problem: fmt.Sprintf("%s names starting with %s are reserved (the service's and this SDK's own)", kind, p), Fix: "choose a name without that prefix"}
			}
		}
		if kind == "property" && strings.EqualFold(k, wire.PropertyExperimentName) {
			return &ValidationError{Field: printable(f), Problem: "the experiment name has its own field", Fix: "set InvokeRequest.ExperimentName instead"}
		}
	}
	return nil
}

// validateDescription allows any text but control characters other than tab and line breaks.
func validateDescription(field, s string) error {
	bad := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' })
	if !utf8.ValidString(s) || bad >= 0 {
		return &ValidationError{Field: field, Problem: "the description holds control characters (other than tabs and line breaks) or invalid UTF-8", Fix: "use printable text"}
	}
	return nil
}

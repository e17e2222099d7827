package batchendpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

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
		if reservedKey(k) {
			return &ValidationError{Field: printable(f), Problem: kind + " names starting with azureml. or azmlbatch. are reserved (the service's and this SDK's own)", Fix: "choose a name without that prefix"}
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

// UpdateJobTags sets the caller's tags of job name: an ARM GET of the job, then
// a PUT of the same job with its tags changed (Jobs_CreateOrUpdate on an
// existing job, whose tags "will replace Tags in the existing job", as the
// specification says), with If-Match when the GET answered an ETag. tags replaces
// every caller tag (UpdateJobTagsOptions.Merge keeps the others); the
// service's tags (azureml.*) and the SDK's (azmlbatch.*, the repeatability id)
// are always kept. tags follows InvokeRequest.Tags' rules. Another writer
// between the GET and the PUT wins or loses as the service decides: without
// an ETag there is no conflict check.
func (c *Client) UpdateJobTags(ctx context.Context, name string, tags map[string]string, options *UpdateJobTagsOptions) (resp UpdateJobTagsResponse, err error) {
	ctx, end := c.span(ctx, "Client.UpdateJobTags")
	defer func() { end(err) }()
	if err := validateJobResourceName("name", name); err != nil {
		return resp, err
	}
	if err := validateKeyValues("tags", "tag", tags, MaxJobTags); err != nil {
		return resp, err
	}
	if c.opts.DataPlaneOnly {
		return resp, fmt.Errorf("updating job tags needs ARM access; create the client without DataPlaneOnly")
	}
	var o UpdateJobTagsOptions
	if options != nil {
		o = *options
	}
	u := c.armURL("/jobs/"+url.PathEscape(name), nil)
	var job map[string]json.RawMessage
	got, err := c.armDo(ctx, http.MethodGet, u, nil, &job)
	if err != nil {
		return resp, err
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(job["properties"], &props); err != nil || props == nil {
		return resp, fmt.Errorf("job %s: the service's answer has no properties object", name)
	}
	var old map[string]string
	if raw, ok := props["tags"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &old); err != nil {
			return resp, fmt.Errorf("job %s: reading its tags: %w", name, err)
		}
	}
	next := mergeTags(old, tags, o.Merge)
	if props["tags"], err = json.Marshal(next); err != nil {
		return resp, err
	}
	body := map[string]any{"properties": props}
	req, err := runtime.NewRequest(ctx, http.MethodPut, u)
	if err != nil {
		return resp, err
	}
	if etag := got.Header.Get("ETag"); etag != "" {
		req.Raw().Header.Set("If-Match", etag)
	}
	if err := runtime.MarshalAsJSON(req, body); err != nil {
		return resp, err
	}
	put, err := c.armPL.Do(req)
	if err != nil {
		return resp, err
	}
	if !runtime.HasStatusCode(put, http.StatusOK, http.StatusCreated) {
		return resp, serviceError(put)
	}
	var updated wire.Job
	if err := runtime.UnmarshalAsJSON(put, &updated); err != nil {
		return resp, fmt.Errorf("decoding the updated job %s: %w", name, err)
	}
	resp.JobDetails = detailsOf(updated.Details())
	return resp, nil
}

// mergeTags is the tag set UpdateJobTags sends: the reserved tags of old, the
// caller's other old tags when merging, then tags.
func mergeTags(old, tags map[string]string, merge bool) map[string]string {
	out := make(map[string]string, len(old)+len(tags))
	for k, v := range old {
		if merge || reservedKey(k) {
			out[k] = v
		}
	}
	for k, v := range tags {
		out[k] = v
	}
	return out
}

func reservedKey(k string) bool {
	for _, p := range reservedPrefixes {
		if len(k) >= len(p) && strings.EqualFold(k[:len(p)], p) {
			return true
		}
	}
	return false
}

package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Job tags, properties and the ARM jobs-list query (README.md, "Tags,
// properties and job lists").

// PropertyExperimentName is the key of properties.properties that carries the
// experiment name of a pipeline component deployment's job.
const PropertyExperimentName = "experimentName"

// Tag keys the service sets on batch jobs (the recorded 201 in testdata).
const (
	TagBatchRun       = "azureml.batchrun"
	TagDeploymentName = "azureml.deploymentname"
)

// RepeatabilityTagPrefix starts the key of the tag that records an invoke's
// repeatability_request-id on its job. The id is in the key itself because the
// jobs list's tag filter matches tag keys ("Jobs returned will have this tag
// key", Jobs_List in the 2025-12-01 specification), so one filtered request finds
// the job; the value repeats the id for the client-side check.
const RepeatabilityTagPrefix = "azmlbatch.rid."

// RepeatabilityTag is the tag recorded for the repeatability id. An id that is
// not only letters, digits, '.', '_' and '-' (characters ARM tag keys and the
// list filter take as they are) or is longer than 200 characters is named in the
// key by its SHA-256 instead.
func RepeatabilityTag(id string) (key, value string) {
	return RepeatabilityTagPrefix + tagKeyPart(id), id
}

func tagKeyPart(id string) string {
	plain := len(id) <= 200 && !strings.HasPrefix(id, "sha256-")
	for i := 0; plain && i < len(id); i++ {
		c := id[i]
		plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if plain {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "sha256-" + hex.EncodeToString(sum[:16])
}

// RepeatabilityIDOf reports whether the tag key=value records a repeatability
// id, and which: the value, when the key is RepeatabilityTag's for it.
func RepeatabilityIDOf(key, value string) (string, bool) {
	if len(key) < len(RepeatabilityTagPrefix) || !strings.EqualFold(key[:len(RepeatabilityTagPrefix)], RepeatabilityTagPrefix) {
		return "", false
	}
	if k, _ := RepeatabilityTag(value); !strings.EqualFold(k, key) {
		return "", false
	}
	return value, true
}

// RepeatabilityIDIn returns the repeatability id recorded in tags, or "".
func RepeatabilityIDIn(tags map[string]string) string {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if id, ok := RepeatabilityIDOf(k, tags[k]); ok {
			return id
		}
	}
	return ""
}

// JobsQuery holds the filters of the ARM jobs list (Jobs_List, api-version
// 2025-12-01: $skipToken, jobType, tag, listViewType, properties). Empty fields
// are not sent.
type JobsQuery struct {
	JobType string
	// Tag is a tag key (the specification's meaning); the service may also
	// take key=value (unverified).
	Tag          string
	ListViewType string
	// Properties are property names, each optionally with =value, joined by
	// commas ("prop1,prop2=value2", the specification's example).
	Properties []string
}

// Values returns the query keys of q.
func (q JobsQuery) Values() url.Values {
	v := url.Values{}
	if q.JobType != "" {
		v.Set("jobType", q.JobType)
	}
	if q.Tag != "" {
		v.Set("tag", q.Tag)
	}
	if q.ListViewType != "" {
		v.Set("listViewType", q.ListViewType)
	}
	if len(q.Properties) > 0 {
		v.Set("properties", strings.Join(q.Properties, ","))
	}
	return v
}

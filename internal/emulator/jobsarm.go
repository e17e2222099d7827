package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// Tag limits of Azure Resource Manager (Microsoft Learn, "Use tags to organize
// your Azure resources": 50 tags, names up to 512 characters, values up to 256,
// names without < > % & \ ? /), applied to a job's caller-sent tags.
const (
	maxTags        = 50
	maxTagName     = 512
	maxTagValue    = 256
	forbiddenInTag = `<>%&\?/`
)

// tagProblems lists what is wrong with tags, one message per tag, in key order.
func tagProblems(tags map[string]string) []string {
	var out []string
	if len(tags) > maxTags {
		out = append(out, fmt.Sprintf("A job can have at most %d tags; %d were provided.", maxTags, len(tags)))
	}
	for _, k := range sortedKeys(tags) {
		v := tags[k]
		switch {
		case strings.TrimSpace(k) == "":
			out = append(out, "Tag names must not be empty.")
		case len([]rune(k)) > maxTagName:
			out = append(out, fmt.Sprintf("Tag name '%.40s...' is longer than %d characters.", k, maxTagName))
		case strings.ContainsAny(k, forbiddenInTag):
			out = append(out, fmt.Sprintf("Tag name '%s' contains a character that is not allowed (%s).", k, strings.Join(strings.Split(forbiddenInTag, ""), " ")))
		case len([]rune(v)) > maxTagValue:
			out = append(out, fmt.Sprintf("The value of tag '%s' is longer than %d characters.", k, maxTagValue))
		}
	}
	return out
}

// validateTags renders tagProblems as the data plane's validation items.
func validateTags(tags map[string]string) []validationItem {
	var items []validationItem
	for _, m := range tagProblems(tags) {
		items = append(items, validationItem{PropertyName: "Tags", ErrorMessage: m, AttemptedValue: len(tags), ErrorCode: "PredicateValidator"})
	}
	return items
}

// allProperties are the job's properties: the caller's (without
// experimentName, which names the experiment instead) plus the system ones,
// which win over a caller's property of the same name.
func (j *job) allProperties() map[string]string {
	p := j.systemProperties()
	for k, v := range j.userProps {
		if _, sys := p[k]; !sys && !strings.EqualFold(k, "experimentName") {
			p[k] = v
		}
	}
	return p
}

// query reads query parameters with case-insensitive names, as ARM does.
type query url.Values

func (q query) get(name string) (string, bool) {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// jobFilter is the Jobs_List filter set (api-version 2025-12-01 and
// 2026-03-01: $skipToken, jobType, tag, listViewType, properties).
type jobFilter struct {
	jobType string
	tagKey  string
	tagVal  *string
	view    string // activeonly, archivedonly, all
	props   []propFilter
	after   int64 // seq of the last job of the previous page; 0 = first page
}

type propFilter struct {
	name string
	val  *string
}

const skipTokenPrefix = "jobs:"

func encodeJobsToken(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(skipTokenPrefix + strconv.FormatInt(seq, 10)))
}

// parseJobFilter reads the filters of q, and its $skipToken when paged.
func parseJobFilter(q query, paged bool) (jobFilter, *apiError) {
	f := jobFilter{view: "activeonly"}
	f.jobType, _ = q.get("jobType")
	if t, ok := q.get("tag"); ok && t != "" {
		k, v, hasV := strings.Cut(t, "=")
		f.tagKey = k
		if hasV {
			f.tagVal = &v
		}
	}
	if v, ok := q.get("listViewType"); ok && v != "" {
		switch lv := strings.ToLower(v); lv {
		case "activeonly", "archivedonly", "all":
			f.view = lv
		default:
			return f, badRequest("The value '%s' is not valid for listViewType. Valid values are: ActiveOnly, ArchivedOnly, All.", v)
		}
	}
	if p, ok := q.get("properties"); ok && p != "" {
		for _, part := range strings.Split(p, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, v, hasV := strings.Cut(part, "=")
			pf := propFilter{name: strings.TrimSpace(k)}
			if hasV {
				pf.val = &v
			}
			f.props = append(f.props, pf)
		}
	}
	if tok, ok := q.get("$skipToken"); paged && ok && tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), skipTokenPrefix), 10, 64)
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), skipTokenPrefix) || n < 1 {
			return f, badRequest("The skip token '%s' is invalid.", tok)
		}
		f.after = n
	}
	return f, nil
}

func (f *jobFilter) matchLocked(j *job) bool {
	switch f.view {
	case "activeonly":
		if j.archived {
			return false
		}
	case "archivedonly":
		if !j.archived {
			return false
		}
	}
	if f.jobType != "" && !strings.EqualFold(f.jobType, "Pipeline") {
		return false
	}
	if f.tagKey != "" {
		v, ok := findFold(j.tags(), f.tagKey)
		if !ok || (f.tagVal != nil && v != *f.tagVal) {
			return false
		}
	}
	if len(f.props) > 0 {
		props := j.allProperties()
		for _, pf := range f.props {
			v, ok := findFold(props, pf.name)
			if !ok || (pf.val != nil && v != *pf.val) {
				return false
			}
		}
	}
	return true
}

// listJobs serves Jobs_List: the workspace's jobs, newest first, filtered. The
// skip token is the position of the last job of the page, so jobs created
// while a client pages do not shift the pages it has yet to read.
func (s *Server) listJobs(c *call) *apiError {
	q := query(c.r.URL.Query())
	f, e := parseJobFilter(q, true)
	if e != nil {
		return e
	}
	size := s.opts.JobsPageSize
	top := -1
	if t, ok := q.get("$top"); ok {
		if n, err := strconv.Atoi(t); err == nil && n >= 0 {
			top = n
		}
	}
	s.mu.Lock()
	items := []armJob{}
	var last int64
	more := false
	start := len(s.jobOrder) - 1
	if f.after > 0 {
		start = min(start, int(f.after)-2) // jobOrder[i].seq == i+1
	}
	for i := start; i >= 0; i-- {
		j := s.jobOrder[i]
		if j.ws != c.ws || !f.matchLocked(j) {
			continue
		}
		if len(items) == size || len(items) == top {
			more = len(items) == size
			break
		}
		items = append(items, s.armJobLocked(j))
		last = j.seq
	}
	s.mu.Unlock()
	out := list[armJob]{Value: items}
	if more {
		nq := c.r.URL.Query()
		for k := range nq {
			if strings.EqualFold(k, "$skipToken") {
				nq.Del(k)
			}
		}
		nq.Set("$skipToken", encodeJobsToken(last))
		out.NextLink = c.s.armURL + c.r.URL.Path + "?" + nq.Encode()
	}
	c.writeJSON(http.StatusOK, out)
	return nil
}

// jobUpdate is the part of a Jobs_CreateOrUpdate body the emulator reads.
type jobUpdate struct {
	Properties *struct {
		Description    *string           `json:"description"`
		Tags           map[string]string `json:"tags"`
		Properties     map[string]string `json:"properties"`
		DisplayName    *string           `json:"displayName"`
		IsArchived     *bool             `json:"isArchived"`
		JobType        *string           `json:"jobType"`
		ExperimentName *string           `json:"experimentName"`
		ComputeID      *string           `json:"computeId"`
		Inputs         json.RawMessage   `json:"inputs"`
		Outputs        json.RawMessage   `json:"outputs"`
	} `json:"properties"`
}

// putJob serves Jobs_CreateOrUpdate on an existing job: description,
// displayName, isArchived and tags change, properties may be added; other
// fields must equal the job's. The emulator creates jobs only by invoke, so a
// PUT for an unknown job name answers 404.
func (s *Server) putJob(c *call) *apiError {
	var body jobUpdate
	if err := json.Unmarshal(c.body, &body); err != nil {
		return badRequest("The request body is not valid JSON for a job: %v", err)
	}
	if body.Properties == nil {
		return badRequest("The job's 'properties' must not be empty.")
	}
	p := body.Properties
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.wsJobLocked(c.ws, c.vars["job"])
	if j == nil {
		return notFound("Job %s was not found in workspace %s. The emulator creates jobs only by invoking a batch endpoint.", c.vars["job"], c.ws.cfg.Name)
	}
	cur := s.armJobLocked(j)
	immutable := func(field string, sent *string, have string) *apiError {
		if sent != nil && !strings.EqualFold(*sent, have) {
			return badRequest("Property '%s' of job %s cannot be changed (from '%s' to '%s').", field, j.name, have, *sent)
		}
		return nil
	}
	if e := immutable("jobType", p.JobType, cur.Properties.JobType); e != nil {
		return e
	}
	if e := immutable("experimentName", p.ExperimentName, cur.Properties.ExperimentName); e != nil {
		return e
	}
	if e := immutable("computeId", p.ComputeID, cur.Properties.ComputeID); e != nil {
		return e
	}
	for _, io := range []struct {
		name string
		sent json.RawMessage
		have any
	}{{"inputs", p.Inputs, cur.Properties.Inputs}, {"outputs", p.Outputs, cur.Properties.Outputs}} {
		if len(io.sent) == 0 || string(io.sent) == "null" {
			continue
		}
		if !sameJSON(io.sent, io.have) {
			return badRequest("Property '%s' of job %s cannot be changed.", io.name, j.name)
		}
	}
	sysProps := j.systemProperties()
	have := cur.Properties.Properties
	for _, k := range sortedKeys(p.Properties) {
		if old, ok := have[k]; ok && old != p.Properties[k] {
			return badRequest("Property 'properties.%s' of job %s cannot be changed (properties can only be added).", k, j.name)
		}
	}
	var user map[string]string
	if p.Tags != nil {
		sys := j.systemTags()
		user = map[string]string{}
		for k, v := range p.Tags {
			if sv, ok := sys[k]; ok {
				if sv != v {
					return badRequest("Tag '%s' of job %s is set by the service and cannot be changed.", k, j.name)
				}
				continue
			}
			user[k] = v
		}
		if msgs := tagProblems(user); len(msgs) > 0 {
			return badRequest("Invalid tags for job %s: %s", j.name, strings.Join(msgs, " "))
		}
	}
	// Validated: apply.
	if user != nil {
		j.userTags = user
	}
	for k, v := range p.Properties {
		if _, sys := sysProps[k]; sys {
			continue
		}
		if _, ok := have[k]; !ok {
			if j.userProps == nil {
				j.userProps = map[string]string{}
			}
			j.userProps[k] = v
		}
	}
	if p.Description != nil {
		j.description = *p.Description
	}
	if p.DisplayName != nil && *p.DisplayName != "" {
		j.displayName = *p.DisplayName
	}
	if p.IsArchived != nil {
		j.archived = *p.IsArchived
	}
	s.logf("job %s updated", j.name)
	c.writeJSON(http.StatusOK, s.armJobLocked(j))
	return nil
}

// sameJSON compares a sent JSON value with a rendered one, ignoring key order
// and letting key names differ in case.
func sameJSON(sent json.RawMessage, have any) bool {
	hb, err := json.Marshal(have)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(sent, &a) != nil || json.Unmarshal(hb, &b) != nil {
		return false
	}
	return reflect.DeepEqual(foldKeys(a), foldKeys(b))
}

// foldKeys lower-cases the keys of JSON objects and drops null members, so
// that a client echoing a GET body with or without nulls compares equal.
func foldKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if e != nil {
				out[strings.ToLower(k)] = foldKeys(e)
			}
		}
		return out
	case []any:
		for i := range t {
			t[i] = foldKeys(t[i])
		}
	}
	return v
}

package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// pipeJob invokes endpoint "pipe" with extra invoke properties and returns the job name.
func (e *env) pipeJob(extra map[string]any) string {
	e.t.Helper()
	return e.invokeOK("pipe", body(map[string]any{}, extra), nil)
}

// jobNames returns the names in an ARM or data-plane list body.
func jobNames(t *testing.T, m map[string]any) []string {
	t.Helper()
	var out []string
	for _, v := range m["value"].([]any) {
		out = append(out, v.(map[string]any)["name"].(string))
	}
	return out
}

func TestJobTagsDescriptionPropertiesRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		body map[string]any
	}{
		{"camelCase", map[string]any{"properties": map[string]any{"inputData": map[string]any{},
			"tags": map[string]any{"team": "a", "azureml.endpointname": "spoofed"}, "description": "nightly run",
			"properties": map[string]any{"req": "r-1", "azureml.runsource": "spoofed"}}}},
		{"PascalCase", map[string]any{"Properties": map[string]any{"InputData": map[string]any{},
			"Tags": map[string]any{"team": "a", "azureml.endpointname": "spoofed"}, "Description": "nightly run",
			"Properties": map[string]any{"req": "r-1", "azureml.runsource": "spoofed"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			r := e.invoke("pipe", tc.body, nil)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			name := r.json(t)["name"].(string)
			e.wait(name)
			check := func(where string, props map[string]any) {
				t.Helper()
				assert.Equal(t, "a", dig(props, "tags", "team"), where)
				assert.Equal(t, "pipe", dig(props, "tags", "azureml.endpointname"), where+": system tags win")
				assert.Equal(t, "nightly run", props["description"], where)
				assert.Equal(t, "r-1", dig(props, "properties", "req"), where)
				assert.Equal(t, "azureml.PipelineRun", dig(props, "properties", "azureml.runsource"), where+": system properties win")
			}
			check("invoke answer", r.json(t)["properties"].(map[string]any))
			dp := e.do(http.MethodGet, e.ws.ScoringURI("pipe")+"/"+name, emulator.AudienceML, nil, nil)
			require.Equal(t, http.StatusOK, dp.status)
			check("data-plane GET", dp.json(t)["properties"].(map[string]any))
			g := e.arm(http.MethodGet, "/jobs/"+name, nil)
			require.Equal(t, http.StatusOK, g.status)
			check("ARM GET", g.json(t)["properties"].(map[string]any))
			l := e.arm(http.MethodGet, "/jobs", nil, "tag=team")
			require.Equal(t, http.StatusOK, l.status)
			require.Equal(t, []string{name}, jobNames(t, l.json(t)))
			check("ARM list", l.json(t)["value"].([]any)[0].(map[string]any)["properties"].(map[string]any))
			mf := e.do(http.MethodGet, e.s.ARMEndpoint()+"/mferp/managementfrontend"+e.ws.ID()+"/batchEndpoints/pipe/jobs?api-version=2020-09-01-dataplanepreview", emulator.AudienceARM, nil, nil)
			require.Equal(t, http.StatusOK, mf.status)
			check("mferp list", mf.json(t)["value"].([]any)[0].(map[string]any)["properties"].(map[string]any))
			info, ok := e.s.Job(name)
			require.True(t, ok)
			assert.Equal(t, "a", info.Tags["team"])
			assert.Equal(t, "r-1", info.Properties["req"])
			assert.Equal(t, "nightly run", info.Description)
		})
	}
}

func TestInvokeTagLimits(t *testing.T) {
	many := map[string]any{}
	for i := range 51 {
		many["k"+strconv.Itoa(i)] = "v"
	}
	tests := []struct {
		name string
		tags map[string]any
		want string
	}{
		{"too many", many, "at most 50 tags; 51 were provided"},
		{"long name", map[string]any{strings.Repeat("n", 513): "v"}, "longer than 512 characters"},
		{"long value", map[string]any{"big": strings.Repeat("v", 257)}, "value of tag 'big' is longer than 256"},
		{"forbidden character", map[string]any{"a/b": "v"}, "Tag name 'a/b' contains a character"},
		{"empty name", map[string]any{"": "v"}, "must not be empty"},
	}
	e := newEnv(t, envOpts{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.invoke("pipe", body(map[string]any{}, map[string]any{"tags": tc.tags}), nil)
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			_, msg := r.errCode(t)
			assert.Contains(t, msg, tc.want)
		})
	}
	t.Run("at the limits", func(t *testing.T) {
		ok := map[string]any{strings.Repeat("n", 512): strings.Repeat("v", 256)}
		for i := range 49 {
			ok["k"+strconv.Itoa(i)] = "v"
		}
		r := e.invoke("pipe", body(map[string]any{}, map[string]any{"tags": ok}), nil)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	})
	assert.Len(t, e.s.Jobs(), 1, "rejected invokes create no job")
}

func TestPutJobUpdate(t *testing.T) {
	e := newEnv(t, envOpts{})
	name := e.pipeJob(map[string]any{"tags": map[string]any{"team": "a"}, "properties": map[string]any{"req": "r-1"},
		"outputData": map[string]any{"out": map[string]any{"jobOutputType": "UriFolder", "uri": "azureml://datastores/workspaceblobstore/paths/o/"}}})
	e.wait(name)
	current := func() map[string]any {
		r := e.arm(http.MethodGet, "/jobs/"+name, nil)
		require.Equal(t, http.StatusOK, r.status)
		return r.json(t)
	}
	// edit returns the job as GET returns it, changed by f.
	edit := func(f func(p map[string]any)) map[string]any {
		m := current()
		f(m["properties"].(map[string]any))
		return m
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   string // in the error message
		check  func(t *testing.T, p map[string]any)
	}{
		{"change tags", edit(func(p map[string]any) {
			tags := p["tags"].(map[string]any)
			delete(tags, "team")
			tags["owner"] = "me"
		}), 200, "", func(t *testing.T, p map[string]any) {
			assert.Equal(t, "me", dig(p, "tags", "owner"))
			assert.Nil(t, dig(p, "tags", "team"))
			assert.Equal(t, "pipe", dig(p, "tags", "azureml.endpointname"))
		}},
		{"tags without the system ones keep them", map[string]any{"properties": map[string]any{"tags": map[string]any{"x": "1"}}}, 200, "",
			func(t *testing.T, p map[string]any) {
				assert.Equal(t, "1", dig(p, "tags", "x"))
				assert.Equal(t, "true", dig(p, "tags", "azureml.batchrun"))
			}},
		{"description, displayName, isArchived", edit(func(p map[string]any) {
			p["description"], p["displayName"], p["isArchived"] = "new text", "renamed", true
		}), 200, "", func(t *testing.T, p map[string]any) {
			assert.Equal(t, "new text", p["description"])
			assert.Equal(t, "renamed", p["displayName"])
			assert.Equal(t, true, p["isArchived"])
		}},
		{"add a property", edit(func(p map[string]any) { p["properties"].(map[string]any)["added"] = "yes" }), 200, "",
			func(t *testing.T, p map[string]any) {
				assert.Equal(t, "yes", dig(p, "properties", "added"))
				assert.Equal(t, "r-1", dig(p, "properties", "req"))
			}},
		{"change a property", edit(func(p map[string]any) { p["properties"].(map[string]any)["req"] = "r-2" }), 400, "'properties.req'", nil},
		{"change a system property", edit(func(p map[string]any) { p["properties"].(map[string]any)["azureml.runsource"] = "x" }), 400, "'properties.azureml.runsource'", nil},
		{"change a system tag", edit(func(p map[string]any) { p["tags"].(map[string]any)["azureml.jobtype"] = "x" }), 400, "Tag 'azureml.jobtype'", nil},
		{"change jobType", edit(func(p map[string]any) { p["jobType"] = "Command" }), 400, "'jobType'", nil},
		{"change experimentName", edit(func(p map[string]any) { p["experimentName"] = "other" }), 400, "'experimentName'", nil},
		{"change computeId", edit(func(p map[string]any) { p["computeId"] = "/x" }), 400, "'computeId'", nil},
		{"change inputs", edit(func(p map[string]any) {
			p["inputs"] = map[string]any{"x": map[string]any{"jobInputType": "literal", "value": "1"}}
		}), 400, "'inputs'", nil},
		{"change outputs", edit(func(p map[string]any) {
			p["outputs"].(map[string]any)["out"].(map[string]any)["uri"] = "azureml://datastores/workspaceblobstore/paths/elsewhere/"
		}), 400, "'outputs'", nil},
		{"bad tag", map[string]any{"properties": map[string]any{"tags": map[string]any{"a?b": "1"}}}, 400, "Tag name 'a?b'", nil},
		{"no properties", map[string]any{}, 400, "properties", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := current()
			r := e.arm(http.MethodPut, "/jobs/"+name, tc.body)
			require.Equal(t, tc.status, r.status, "%s", r.body)
			if tc.status != http.StatusOK {
				_, msg := r.errCode(t)
				assert.Contains(t, msg, tc.want)
				assert.Equal(t, before, current(), "a rejected update changes nothing")
				return
			}
			tc.check(t, r.json(t)["properties"].(map[string]any))
			tc.check(t, current()["properties"].(map[string]any))
		})
	}
	t.Run("unknown job", func(t *testing.T) {
		r := e.arm(http.MethodPut, "/jobs/nope", map[string]any{"properties": map[string]any{"tags": map[string]any{}}})
		require.Equal(t, http.StatusNotFound, r.status)
		assert.Len(t, e.s.Jobs(), 1, "PUT creates no job")
	})
}

func TestListJobsFilters(t *testing.T) {
	e := newEnv(t, envOpts{})
	a := e.pipeJob(map[string]any{"tags": map[string]any{"team": "a"}})
	b := e.pipeJob(map[string]any{"tags": map[string]any{"team": "b"}})
	c := e.pipeJob(map[string]any{"tags": map[string]any{"other": "x"}, "properties": map[string]any{"p": "1"}})
	d := e.pipeJob(map[string]any{"tags": map[string]any{"team": "a"}})
	r := e.arm(http.MethodPut, "/jobs/"+d, map[string]any{"properties": map[string]any{"isArchived": true}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{c, b, a}},
		{"tag=team", []string{b, a}},
		{"tag=TEAM", []string{b, a}},
		{"tag=team%3Da", []string{a}},
		{"tag=nope", nil},
		{"listViewType=ActiveOnly", []string{c, b, a}},
		{"listViewType=ArchivedOnly", []string{d}},
		{"listViewType=all", []string{d, c, b, a}},
		{"LISTVIEWTYPE=All&Tag=team", []string{d, b, a}},
		{"jobType=Pipeline", []string{c, b, a}},
		{"jobType=pipeline", []string{c, b, a}},
		{"jobType=Command", nil},
		{"properties=p", []string{c}},
		{"properties=p%3D1", []string{c}},
		{"properties=p%3D2", nil},
		{"properties=p,azureml.runsource%3Dazureml.PipelineRun", []string{c}},
		{"properties=azureml.runsource&listViewType=All", []string{d, c, b, a}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			e.s.ClearRequests()
			r := e.arm(http.MethodGet, "/jobs", nil, tc.query)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assert.Equal(t, tc.want, jobNames(t, r.json(t)))
			reqs := e.s.Requests(emulator.RouteListJobs)
			require.Len(t, reqs, 1)
			want, _ := url.ParseQuery(tc.query + "&api-version=" + apiV)
			assert.Equal(t, want, reqs[0].Query, "the query is recorded")
		})
	}
	mferp := []struct {
		query string
		want  []string
	}{
		{"", []string{c, b, a}},
		{"tag=team", []string{b, a}},
		{"listViewType=All", []string{d, c, b, a}},
		{"properties=p&jobType=Pipeline", []string{c}},
	}
	for _, tc := range mferp {
		t.Run("mferp "+tc.query, func(t *testing.T) {
			r := e.do(http.MethodGet, e.s.ARMEndpoint()+"/mferp/managementfrontend"+e.ws.ID()+"/batchEndpoints/pipe/jobs?api-version=2020-09-01-dataplanepreview&"+tc.query,
				emulator.AudienceARM, nil, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assert.Equal(t, tc.want, jobNames(t, r.json(t)))
		})
	}
	for _, q := range []string{"listViewType=Bogus", "$skipToken=garbage"} {
		t.Run(q, func(t *testing.T) {
			r := e.arm(http.MethodGet, "/jobs", nil, q)
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
		})
	}
}

func TestListJobsPagingStableWhileJobsAreAdded(t *testing.T) {
	e := newEnv(t, envOpts{opts: &emulator.Options{JobsPageSize: 3}})
	var before []string
	for range 8 {
		before = append([]string{e.pipeJob(nil)}, before...) // newest first
	}
	var seen []string
	next := e.armURL("/jobs")
	for page := 0; next != ""; page++ {
		r := e.do(http.MethodGet, next, emulator.AudienceARM, nil, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		m := r.json(t)
		seen = append(seen, jobNames(t, m)...)
		next, _ = m["nextLink"].(string)
		// Jobs created between pages must not shift the pages still to come.
		e.pipeJob(nil)
		e.pipeJob(nil)
		require.Less(t, page, 10)
	}
	assert.Equal(t, before, seen, "every job listed once, in order")
}

func TestListJobsTopAndPageBody(t *testing.T) {
	e := newEnv(t, envOpts{opts: &emulator.Options{JobsPageSize: 2}})
	for range 3 {
		e.pipeJob(nil)
	}
	r := e.arm(http.MethodGet, "/jobs", nil)
	m := r.json(t)
	assert.Len(t, m["value"], 2)
	require.NotEmpty(t, m["nextLink"])
	var page struct {
		NextLink string `json:"nextLink"`
	}
	require.NoError(t, json.Unmarshal(r.body, &page))
	u, err := url.Parse(page.NextLink)
	require.NoError(t, err)
	assert.Equal(t, apiV, u.Query().Get("api-version"))
	r = e.arm(http.MethodGet, "/jobs", nil, "$top=1")
	assert.Len(t, r.json(t)["value"], 1)
	assert.Nil(t, r.json(t)["nextLink"])
}

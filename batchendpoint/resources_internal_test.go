package batchendpoint

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListWorkspaceJobsPages: the workspace's jobs list follows each nextLink
// (two jobs a page here), skips pages the client-side filters empty, and
// stops reading at the limit.
func TestListWorkspaceJobsPages(t *testing.T) {
	f := newSTFake(t)
	// Pages: [j1 j2] [j3 j4] [j5].
	for _, j := range []struct{ name, status string }{{"j1", "Completed"}, {"j2", "Failed"}, {"j3", "Failed"}, {"j4", "Failed"}, {"j5", "Completed"}} {
		job := stJob(j.name, "ep-"+j.name, "")
		job.Properties.Status = j.status
		f.addJob(job)
	}
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)
	tests := []struct {
		name       string
		opts       *ListWorkspaceJobsOptions
		pages      [][]string
		armFetches int
	}{
		{name: "all", pages: [][]string{{"j1", "j2"}, {"j3", "j4"}, {"j5"}}, armFetches: 3},
		{name: "status", opts: &ListWorkspaceJobsOptions{Statuses: []JobStatus{JobStatusCompleted}}, pages: [][]string{{"j1"}, {"j5"}}, armFetches: 3},
		{name: "limit", opts: &ListWorkspaceJobsOptions{Limit: 3}, pages: [][]string{{"j1", "j2"}, {"j3"}}, armFetches: 2},
		{name: "limit at a page end", opts: &ListWorkspaceJobsOptions{Limit: 2}, pages: [][]string{{"j1", "j2"}}, armFetches: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.count("GET", "/jobs")
			var got [][]string
			for p := c.NewListWorkspaceJobsPager(tc.opts); p.More(); {
				page, err := p.NextPage(context.Background())
				require.NoError(t, err)
				var names []string
				for _, j := range page.Jobs {
					names = append(names, j.Name)
				}
				got = append(got, names)
			}
			assert.Equal(t, tc.pages, got)
			assert.Equal(t, tc.armFetches, f.count("GET", "/jobs")-before)
		})
	}
	t.Run("requests", func(t *testing.T) {
		reqs := f.requests()
		assert.Equal(t, stWorkspace+"/jobs", reqs[0].Path)
		assert.False(t, reqs[0].Query.Has("tag"), "every job, not only batch jobs")
		assert.Equal(t, "2", reqs[1].Query.Get("$skipToken"))
	})
}

package batchendpoint

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

func stJob(name, experiment, deployment string) wire.Job {
	j := wire.Job{Name: name, Properties: wire.JobProperties{ExperimentName: experiment, Status: "Completed", JobType: "Pipeline"}}
	if deployment != "" {
		j.Properties.Tags = map[string]string{"azureml.deploymentname": deployment}
	}
	return j
}

func TestListJobsPager(t *testing.T) {
	f := newSTFake(t)
	// Page size 2: [j1 j2] [j3 j4] [j5].
	f.addJob(stJob("j1", "heart-ep", "xgb"))
	f.addJob(stJob("j2", "other-ep", "xgb"))
	f.addJob(stJob("j3", "heart-ep", "lgbm"))
	f.addJob(stJob("j4", "Heart-EP", "XGB")) // names compare case-insensitively
	f.addJob(stJob("j5", "heart-ep", ""))
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)

	tests := []struct {
		name       string
		endpoint   string
		opts       *ListJobsOptions
		pages      [][]string
		armFetches int
	}{
		{name: "endpoint", endpoint: "heart-ep", pages: [][]string{{"j1"}, {"j3", "j4"}, {"j5"}}, armFetches: 3},
		{name: "deployment", endpoint: "heart-ep", opts: &ListJobsOptions{Deployment: "xgb"}, pages: [][]string{{"j1"}, {"j4"}, nil}, armFetches: 3},
		// Page 1 holds no lgbm job: it is skipped inside the first NextPage.
		{name: "empty pages skipped", endpoint: "heart-ep", opts: &ListJobsOptions{Deployment: "lgbm"}, pages: [][]string{{"j3"}, nil}, armFetches: 3},
		{name: "other endpoint", endpoint: "other-ep", pages: [][]string{{"j2"}, nil}, armFetches: 3},
		{name: "no match", endpoint: "nothing", pages: [][]string{nil}, armFetches: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.count("GET", "/jobs")
			pager := c.NewListJobsPager(tc.endpoint, tc.opts)
			var got [][]string
			for pager.More() {
				page, err := pager.NextPage(context.Background())
				require.NoError(t, err)
				var names []string
				for _, j := range page.Jobs {
					names = append(names, j.Name)
					assert.Equal(t, JobStatusCompleted, j.Status)
				}
				got = append(got, names)
			}
			assert.Equal(t, tc.pages, got)
			assert.Equal(t, tc.armFetches, f.count("GET", "/jobs")-before)
		})
	}

	t.Run("requests", func(t *testing.T) {
		reqs := f.requests()
		first := reqs[0]
		assert.Equal(t, stWorkspace+"/jobs", first.Path)
		assert.Equal(t, DefaultAPIVersion, first.Query.Get("api-version"))
		assert.Empty(t, first.Query.Get("$skipToken"))
		assert.Equal(t, "azureml.batchrun", first.Query.Get("tag"), "only batch jobs are paged through")
		assert.Equal(t, "2", reqs[1].Query.Get("$skipToken"))
	})
	t.Run("invalid endpoint", func(t *testing.T) {
		_, err := c.NewListJobsPager("x", nil).NextPage(context.Background())
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
	})
	t.Run("nextLink on another host is refused", func(t *testing.T) {
		require.Error(t, c.checkNextLink("https://evil.example.com/jobs?$skipToken=1"))
		require.NoError(t, c.checkNextLink(f.srv.URL+stWorkspace+"/jobs?$skipToken=1"))
	})
}

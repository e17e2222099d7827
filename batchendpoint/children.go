package batchendpoint

import (
	"context"
	"errors"
	"fmt"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// moduleNameProperty is the run property naming a child's module;
// batchScoringModule marks a model deployment's scoring child, whose "score"
// output holds the predictions (azure-ai-ml's jobs.download reads it there).
const (
	moduleNameProperty = "azureml.moduleName"
	batchScoringModule = "batchscoring"
	batchScoreOutput   = "score"
)

// errNeedsARM is returned by the job operations that read Run History.
var errNeedsARM = errors.New("this needs ARM access (Run History): create the client without DataPlaneOnly")

// Children lists the job's child jobs with their status and outputs: the steps
// of a pipeline component deployment's job, the scoring child of a model
// deployment's job (as az ml job list --parent-job-name does). It reads Run
// History: GET .../runs/{job}/children, then, for a child the list gives
// without outputs, POST .../rundata, and one POST .../batchGetResolvedUris per
// child to locate them.
func (j *Job) Children(ctx context.Context, _ *ListChildJobsOptions) (resp ListChildJobsResponse, err error) {
	err = j.runHistoryOp(ctx, "Job.Children", "listing the child jobs", func(ctx context.Context) error {
		runs, err := j.c.runChildren(ctx, j.h.Name)
		if err != nil {
			return err
		}
		for _, r := range runs {
			ch := childOf(r)
			if ch.Outputs, err = j.c.runOutputs(ctx, r); err != nil {
				return fmt.Errorf("child job %s: %w", r.RunID, err)
			}
			resp.Children = append(resp.Children, ch)
		}
		return nil
	})
	return resp, err
}

// runHistoryOp runs op, a Run History read about the job, in a tracing span
// called name; its errors say what was being read (what) and of which job.
func (j *Job) runHistoryOp(ctx context.Context, name, what string, op func(context.Context) error) (err error) {
	ctx, end := j.c.span(ctx, name)
	defer func() { end(err) }()
	if j.h.DataPlane {
		return fmt.Errorf("%s of %s: %w", what, j.h.Name, errNeedsARM)
	}
	if err := op(ctx); err != nil {
		return fmt.Errorf("%s of %s: %w", what, j.h.Name, err)
	}
	return nil
}

func childOf(r wire.Run) ChildJob {
	name := r.RunID
	if name == "" {
		name = r.Name
	}
	mod, _ := wire.Find(r.Properties, moduleNameProperty)
	return ChildJob{Name: name, DisplayName: r.DisplayName, Status: JobStatus(r.Status), ModuleName: mod, Properties: r.Properties, Tags: r.Tags}
}

// scoringChildOutputs returns the outputs of the job's batchscoring child
// ("" and nil when it has none): where a model deployment's job keeps its
// predictions when the parent reports no output.
func (c *Client) scoringChildOutputs(ctx context.Context, job string) (string, map[string]JobOutput, error) {
	runs, err := c.runChildren(ctx, job)
	if err != nil {
		return "", nil, err
	}
	for _, r := range runs {
		if mod, _ := wire.Find(r.Properties, moduleNameProperty); mod != batchScoringModule {
			continue
		}
		outs, err := c.runOutputs(ctx, r)
		if err != nil {
			return "", nil, err
		}
		return childOf(r).Name, outs, nil
	}
	return "", nil, nil
}

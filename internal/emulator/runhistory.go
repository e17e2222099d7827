package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Run History: the routes azure-ai-ml's jobs.download/stream and the SDK's
// child-job and log calls use, under the discovery document's "api" URL with
// an ARM token. A batch job is a pipeline run with children: a model
// deployment's job has one child, the "batchscoring" step that holds the
// "score" output and the scoring logs; a pipeline deployment's job has one
// child per step (PipelineDeployment.Steps).

// childRun is one child run (step) of a job.
type childRun struct {
	id     string // a GUID, as the service names step runs
	module string // properties["azureml.moduleName"]
	index  int
}

// batchScoringModule is the module name of a model deployment job's scoring step.
const batchScoringModule = "batchscoring"

// newChildren creates the child runs of j.
func newChildren(j *job) []*childRun {
	if !j.pipeline {
		return []*childRun{{id: uuid.NewString(), module: batchScoringModule}}
	}
	steps := j.dep.pipeline.Steps
	out := make([]*childRun, len(steps))
	for i, st := range steps {
		out[i] = &childRun{id: uuid.NewString(), module: st, index: i}
	}
	return out
}

// statusLocked is the child's status, derived from its parent's: steps run
// with the job; a failed job's last step failed (the earlier ones completed).
func (c *childRun) statusLocked(j *job) string {
	switch j.status {
	case StatusPreparing, StatusQueued:
		return "NotStarted"
	case StatusFailed:
		if c.index == len(j.children)-1 {
			return StatusFailed
		}
		return StatusCompleted
	}
	return j.status
}

// runRef is a run the Run History routes resolved: a job or one of its children.
type runRef struct {
	j     *job
	child *childRun // nil for the job itself
}

func (r runRef) id() string {
	if r.child != nil {
		return r.child.id
	}
	return r.j.name
}

// runLocked finds run id (a job name or a child run id) in w.
func (s *Server) runLocked(w *Workspace, id string) (runRef, bool) {
	if j := s.wsJobLocked(w, id); j != nil {
		return runRef{j: j}, true
	}
	if j := s.childRuns[strings.ToLower(id)]; j != nil && j.ws == w {
		for _, c := range j.children {
			if strings.EqualFold(c.id, id) {
				return runRef{j: j, child: c}, true
			}
		}
	}
	return runRef{}, false
}

// runOutputsLocked are the outputs a run reports in Run History: a model
// deployment's job reports none (its batchscoring child holds "score"); a
// pipeline deployment's job reports the pipeline's outputs, its steps none.
func runOutputsLocked(r runRef) []*jobOutput {
	switch {
	case r.child == nil && r.j.pipeline:
		return r.j.outputs
	case r.child != nil && r.child.module == batchScoringModule:
		return r.j.outputs
	}
	return nil
}

// outputAssetID is the asset id under which Run History reports an output, as
// the service names run outputs.
func outputAssetID(r runRef, o *jobOutput) string {
	return fmt.Sprintf("azureml://locations/%s/workspaces/%s/data/azureml_%s_output_data_%s/versions/1",
		r.j.ws.cfg.Location, r.j.ws.guid, r.id(), o.name)
}

// runLocked renders a run as Run History does (run details and child lists).
func (s *Server) runBodyLocked(c *call, r runRef) runDetails {
	j := r.j
	d := runDetails{
		RunID: r.id(), RunUUID: j.guid, Status: j.status, Target: "cpu-cluster", DisplayName: j.displayName,
		StartTimeUTC: j.created.Format(time.RFC3339Nano), Properties: j.allProperties(), Tags: j.tags(),
		Warnings: []string{}, RootRunID: j.name, RunType: "azureml.PipelineRun", ExperimentID: j.ws.guid,
		LogFiles: s.logFileURLsLocked(j, r.id()),
	}
	if r.child != nil {
		d.RunUUID, d.Status, d.DisplayName, d.RunType = r.child.id, r.child.statusLocked(j), r.child.module, "azureml.StepRun"
		d.ParentRunID = Ptr(j.name)
		d.Properties = map[string]string{"azureml.moduleName": r.child.module, "azureml.nodeid": fmt.Sprintf("%08x", r.child.index+1),
			"azureml.pipelinerunid": j.name, "azureml.pipeline": j.guid, "StepType": "PythonScriptStep", "ContentSnapshotId": j.guid}
		d.Tags = map[string]string{"azureml.nodeid": fmt.Sprintf("%08x", r.child.index+1), "azureml.pipeline": j.guid}
	}
	if IsTerminal(j.status) {
		d.EndTimeUTC = j.ended.Format(time.RFC3339Nano)
	}
	failed := d.Status == StatusFailed
	if j.err != nil && failed {
		d.Error = &runError{
			Error:       runErrorDetail{Code: j.err.Code, Message: j.err.Message, Details: []struct{}{}},
			Correlation: correlation{Operation: j.guid, Request: c.reqID},
			Time:        j.ended.Format(time.RFC3339Nano),
		}
	}
	return d
}

// runDetails serves Run History's run details, where clients read a run's
// error and log files.
func (s *Server) runDetails(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, e := s.pathRunLocked(c)
	if e == nil {
		c.writeJSON(http.StatusOK, s.runBodyLocked(c, r))
	}
	return e
}

func runNotFound(id string) *apiError { return notFound("Run %s was not found.", id) }

// pathRunLocked resolves the run the path names ({job}).
func (s *Server) pathRunLocked(c *call) (runRef, *apiError) {
	r, ok := s.runLocked(c.ws, c.vars["job"])
	if !ok {
		return r, runNotFound(c.vars["job"])
	}
	return r, nil
}

// runChildren serves GET .../runs/{run}/children: the run's child runs in step order.
func (s *Server) runChildren(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, e := s.pathRunLocked(c)
	if e != nil {
		return e
	}
	out := runList{Value: []runDetails{}}
	if r.child == nil {
		for _, ch := range r.j.children {
			out.Value = append(out.Value, s.runBodyLocked(c, runRef{j: r.j, child: ch}))
		}
	}
	c.writeJSON(http.StatusOK, out)
	return nil
}

// runData serves POST .../rundata: {"runId": ...} -> {"runMetadata": run with outputs}.
func (s *Server) runData(c *call) *apiError {
	var req struct {
		RunID string `json:"runId"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil || req.RunID == "" {
		return badRequest("The request body must be a JSON object naming runId.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runLocked(c.ws, req.RunID)
	if !ok {
		return runNotFound(req.RunID)
	}
	md := runMetadata{runDetails: s.runBodyLocked(c, r), Outputs: map[string]typedAssetReference{}}
	for _, o := range runOutputsLocked(r) {
		md.Outputs[o.name] = typedAssetReference{AssetID: outputAssetID(r, o), Type: o.typ}
	}
	c.writeJSON(http.StatusOK, runDataResult{RunMetadata: md})
	return nil
}

// resolveDataURIs serves POST /data/v1.0<ws>/dataversion/batchGetResolvedUris:
// {"values":[assetId...]} -> {"values":{assetId:{"uri":"azureml://.../paths/..."}}}.
func (s *Server) resolveDataURIs(c *call) *apiError {
	var req struct {
		Values []string `json:"values"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil {
		return badRequest("The request body must be a JSON object with a 'values' array of asset ids.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]resolvedURI{}
	for _, id := range req.Values {
		o, r, ok := s.outputByAssetLocked(c.ws, id)
		if !ok {
			return notFound("Data version %s was not found.", id)
		}
		ds := o.dsID[strings.LastIndex(o.dsID, "/")+1:]
		w := r.j.ws.cfg
		out[id] = resolvedURI{Type: o.typ, URI: fmt.Sprintf("azureml://subscriptions/%s/resourcegroups/%s/workspaces/%s/datastores/%s/paths/%s",
			w.SubscriptionID, w.ResourceGroup, w.Name, ds, o.loc.path)}
	}
	c.writeJSON(http.StatusOK, map[string]map[string]resolvedURI{"values": out})
	return nil
}

// outputByAssetLocked finds the run output an asset id from rundata names.
func (s *Server) outputByAssetLocked(w *Workspace, id string) (*jobOutput, runRef, bool) {
	_, rest, ok := strings.Cut(id, "/data/azureml_")
	if !ok {
		return nil, runRef{}, false
	}
	rest, _, _ = strings.Cut(rest, "/versions/")
	runID, name, ok := strings.Cut(rest, "_output_data_")
	if !ok {
		return nil, runRef{}, false
	}
	r, ok := s.runLocked(w, runID)
	if !ok {
		return nil, runRef{}, false
	}
	for _, o := range runOutputsLocked(r) {
		if o.name == name && outputAssetID(r, o) == id {
			return o, r, true
		}
	}
	return nil, runRef{}, false
}

// endpointJobs serves the management front end's job list of a batch endpoint
// (or one deployment), api-version 2020-09-01-dataplanepreview, as
// azure-ai-ml's batch_endpoints.list_jobs calls it. The real service fails
// this call today (azure-sdk-for-python#45212); the emulator serves it, so
// clients written for the documented behaviour can be tested, and a test can
// reproduce the failure with a fault on RouteListEndpointJobs.
func (s *Server) endpointJobs(c *call) *apiError {
	if v := c.r.URL.Query().Get("api-version"); v != dataPlaneAPIVersion {
		return armError(http.StatusBadRequest, "InvalidApiVersionParameter",
			"The api-version '"+v+"' is invalid. The supported versions are '"+dataPlaneAPIVersion+"'.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := c.ws.endpointLocked(c.vars["endpoint"])
	if ep == nil {
		return notFound("Batch endpoint '%s' was not found in workspace '%s'.", c.vars["endpoint"], c.ws.cfg.Name)
	}
	dep := c.vars["deployment"]
	if dep == "" {
		dep = c.r.URL.Query().Get("deployment")
	} else if ep.deploymentLocked(dep) == nil {
		return notFound("Deployment '%s' was not found in batch endpoint '%s'.", dep, ep.cfg.Name)
	}
	f, e := parseJobFilter(query(c.r.URL.Query()), false)
	if e != nil {
		return e
	}
	out := []batchJobResource{}
	for i := len(s.jobOrder) - 1; i >= 0; i-- {
		j := s.jobOrder[i]
		if strings.EqualFold(j.endpoint, ep.cfg.Name) && j.ws == ep.ws && (dep == "" || strings.EqualFold(dep, j.deployment)) && f.matchLocked(j) {
			out = append(out, s.batchJobLocked(j))
		}
	}
	c.writeJSON(http.StatusOK, list[batchJobResource]{Value: out})
	return nil
}

// dataPlaneAPIVersion is the batch job data plane's api-version.
const dataPlaneAPIVersion = "2020-09-01-dataplanepreview"

// endpointJobsLocked lists ep's jobs (of deployment dep when not ""), newest first.
func (s *Server) endpointJobsLocked(ep *endpointState, dep string) []batchJobResource {
	out := []batchJobResource{}
	for i := len(s.jobOrder) - 1; i >= 0; i-- {
		j := s.jobOrder[i]
		if strings.EqualFold(j.endpoint, ep.cfg.Name) && j.ws == ep.ws && (dep == "" || strings.EqualFold(dep, j.deployment)) {
			out = append(out, s.batchJobLocked(j))
		}
	}
	return out
}

// ChildRun is a child run (step) of a job, as Run History reports it.
type ChildRun struct {
	// ID is the run id (a GUID); Module is properties["azureml.moduleName"]
	// ("batchscoring" for a model deployment's scoring step).
	ID, Module string
	Status     string
}

// ChildRuns returns the child runs of a job in step order.
func (s *Server) ChildRuns(job string) []ChildRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[job]
	if j == nil {
		return nil
	}
	out := make([]ChildRun, len(j.children))
	for i, c := range j.children {
		out[i] = ChildRun{ID: c.id, Module: c.module, Status: c.statusLocked(j)}
	}
	return out
}

package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// armSystemData is ARM's systemData block.
type armSystemData struct {
	CreatedAt          string `json:"createdAt"`
	CreatedBy          string `json:"createdBy"`
	CreatedByType      string `json:"createdByType"`
	LastModifiedAt     string `json:"lastModifiedAt"`
	LastModifiedBy     string `json:"lastModifiedBy"`
	LastModifiedByType string `json:"lastModifiedByType"`
}

func sysData(t time.Time) armSystemData {
	ts := t.UTC().Format("2006-01-02T15:04:05.0000000Z")
	return armSystemData{CreatedAt: ts, CreatedBy: "Emulator User", CreatedByType: "User", LastModifiedAt: ts,
		LastModifiedBy: "Emulator User", LastModifiedByType: "User"}
}

type armIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
}

// page returns one page of items following ARM paging: $top caps the total
// number of results, $skipToken is the offset of the page, nextLink repeats the
// request's query with the next token.
func page[T any](c *call, items []T, size int) wire.List[T] {
	q := c.r.URL.Query()
	if top, err := strconv.Atoi(q.Get("$top")); err == nil && top >= 0 && top < len(items) {
		items = items[:top]
	}
	off, _ := strconv.Atoi(q.Get("$skipToken"))
	off = max(0, min(off, len(items)))
	end := min(off+size, len(items))
	out := wire.List[T]{Value: append([]T{}, items[off:end]...)}
	if end < len(items) {
		q.Set("$skipToken", strconv.Itoa(end))
		out.NextLink = c.s.armURL + c.r.URL.Path + "?" + q.Encode()
	}
	return out
}

func pageSize(c *call, def int) int {
	if n, err := strconv.Atoi(c.r.URL.Query().Get("count")); err == nil && n > 0 {
		return n
	}
	return def
}

// --- workspace -------------------------------------------------------------

func (s *Server) getWorkspace(c *call) *apiError {
	w := c.ws
	s.mu.Lock()
	storageAcct := "emulatorstorage"
	if d := w.defaultDatastoreLocked(); d != nil {
		storageAcct = d.cfg.AccountName
	}
	s.mu.Unlock()
	c.writeJSON(http.StatusOK, map[string]any{
		"id": w.ID(), "name": w.cfg.Name, "type": "Microsoft.MachineLearningServices/workspaces", "location": w.cfg.Location,
		"kind": "Default", "tags": map[string]string{},
		"identity":   armIdentity{Type: "SystemAssigned", PrincipalID: "33333333-3333-3333-3333-333333333333", TenantID: s.opts.TenantID},
		"sku":        map[string]string{"name": "Basic", "tier": "Basic"},
		"systemData": sysData(w.created),
		"properties": map[string]any{
			"friendlyName": w.cfg.Name, "description": "", "workspaceId": w.guid, "provisioningState": "Succeeded",
			"discoveryUrl":        s.armURL + "/discovery",
			"mlFlowTrackingUri":   s.trackingURL(w),
			"storageAccount":      fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s", w.cfg.SubscriptionID, w.cfg.ResourceGroup, storageAcct),
			"hbiWorkspace":        false,
			"publicNetworkAccess": "Enabled",
			"creationTime":        w.created.Format(time.RFC3339Nano),
			"tenantId":            s.opts.TenantID,
		},
	})
	return nil
}

func (s *Server) discovery(c *call) *apiError {
	u := s.armURL
	c.writeJSON(http.StatusOK, map[string]string{"api": u, "catalog": u, "experimentation": u, "gallery": u, "history": u,
		"hyperdrive": u, "labeling": u, "modelmanagement": u, "pipelines": u, "studiointeraction": u})
	return nil
}

// --- batch endpoints and deployments ------------------------------------------

type armEndpointDefaults struct {
	DeploymentName *string `json:"deploymentName"`
}

type armEndpointProps struct {
	AuthMode          string              `json:"authMode"`
	Description       *string             `json:"description"`
	Properties        map[string]string   `json:"properties"`
	ScoringURI        *string             `json:"scoringUri"`
	SwaggerURI        *string             `json:"swaggerUri"`
	Defaults          armEndpointDefaults `json:"defaults"`
	ProvisioningState string              `json:"provisioningState"`
}

type armEndpoint struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Kind       string            `json:"kind,omitempty"`
	Identity   armIdentity       `json:"identity"`
	Tags       map[string]string `json:"tags"`
	Properties armEndpointProps  `json:"properties"`
	SystemData armSystemData     `json:"systemData"`
}

func (s *Server) armEndpointLocked(ep *endpointState) armEndpoint {
	w := ep.ws
	a := armEndpoint{
		ID: w.ID() + "/batchEndpoints/" + ep.cfg.Name, Name: ep.cfg.Name, Type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
		Location: w.cfg.Location, Identity: armIdentity{Type: "SystemAssigned", PrincipalID: "44444444-4444-4444-4444-444444444444", TenantID: s.opts.TenantID},
		Tags: map[string]string{}, SystemData: sysData(ep.created),
		Properties: armEndpointProps{AuthMode: "AADToken", Properties: map[string]string{"BatchEndpointCreationApiVersion": "2022-05-01"},
			ProvisioningState: ep.cfg.ProvisioningState},
	}
	if ep.cfg.Description != "" {
		a.Properties.Description = Ptr(ep.cfg.Description)
	}
	if ep.cfg.DefaultDeployment != "" {
		a.Properties.Defaults.DeploymentName = Ptr(ep.cfg.DefaultDeployment)
	}
	if ep.cfg.ProvisioningState == "Succeeded" {
		a.Properties.ScoringURI = Ptr(w.ScoringURI(ep.cfg.Name))
		a.Properties.SwaggerURI = Ptr(strings.TrimSuffix(w.ScoringURI(ep.cfg.Name), "/jobs") + "/swagger.json")
	}
	return a
}

func (s *Server) listBatchEndpoints(c *call) *apiError {
	s.mu.Lock()
	items := make([]armEndpoint, 0, len(c.ws.endpoints))
	for _, ep := range c.ws.endpoints {
		items = append(items, s.armEndpointLocked(ep))
	}
	s.mu.Unlock()
	c.writeJSON(http.StatusOK, page(c, items, pageSize(c, 100)))
	return nil
}

func (s *Server) getBatchEndpoint(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := c.ws.endpointLocked(c.vars["endpoint"])
	if ep == nil {
		return notFound("Batch endpoint '%s' was not found in workspace '%s'.", c.vars["endpoint"], c.ws.cfg.Name)
	}
	c.writeJSON(http.StatusOK, s.armEndpointLocked(ep))
	return nil
}

func (s *Server) armDeploymentLocked(d *deploymentState) map[string]any {
	w := d.ep.ws
	props := map[string]any{
		"description": nil, "properties": map[string]string{}, "provisioningState": "Succeeded",
		"compute": w.computeID(), "environmentVariables": map[string]string{},
	}
	if m := d.model; m != nil {
		props["codeConfiguration"] = map[string]string{"codeId": w.ID() + "/codes/" + d.name + "-code/versions/1", "scoringScript": "score.py"}
		props["environmentId"] = w.ID() + "/environments/" + d.name + "-env/versions/1"
		props["model"] = map[string]string{"referenceType": "Id", "assetId": w.ID() + "/models/" + d.name + "-model/versions/1"}
		props["errorThreshold"] = *m.ErrorThreshold
		props["retrySettings"] = map[string]any{"maxRetries": *m.MaxRetries, "timeout": isoDuration(m.Timeout)}
		props["miniBatchSize"] = m.MiniBatchSize
		props["loggingLevel"] = "Info"
		props["maxConcurrencyPerInstance"] = m.MaxConcurrencyPerInstance
		props["outputAction"] = string(m.OutputAction)
		props["outputFileName"] = m.OutputFileName
		props["resources"] = map[string]any{"instanceCount": m.InstanceCount, "instanceType": nil, "properties": nil}
	} else {
		p := d.pipeline
		settings := map[string]string{}
		for k, v := range p.Inputs {
			if v != "" {
				settings["default_"+k] = v
			}
		}
		props["deploymentConfiguration"] = map[string]any{
			"deploymentConfigurationType": "PipelineComponent",
			"componentId":                 map[string]string{"referenceType": "Id", "assetId": p.ComponentID},
			"settings":                    settings,
			"tags":                        map[string]string{},
			"description":                 nil,
		}
	}
	return map[string]any{
		"id":   w.ID() + "/batchEndpoints/" + d.ep.cfg.Name + "/deployments/" + d.name,
		"name": d.name, "type": "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments",
		"location": w.cfg.Location, "tags": map[string]string{}, "properties": props, "systemData": sysData(d.created),
	}
}

func (s *Server) listDeployments(c *call) *apiError {
	s.mu.Lock()
	ep := c.ws.endpointLocked(c.vars["endpoint"])
	if ep == nil {
		s.mu.Unlock()
		return notFound("Batch endpoint '%s' was not found in workspace '%s'.", c.vars["endpoint"], c.ws.cfg.Name)
	}
	items := make([]map[string]any, 0, len(ep.deployments))
	for _, d := range ep.deployments {
		items = append(items, s.armDeploymentLocked(d))
	}
	s.mu.Unlock()
	c.writeJSON(http.StatusOK, page(c, items, pageSize(c, 100)))
	return nil
}

func (s *Server) getDeployment(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := c.ws.endpointLocked(c.vars["endpoint"])
	if ep == nil {
		return notFound("Batch endpoint '%s' was not found in workspace '%s'.", c.vars["endpoint"], c.ws.cfg.Name)
	}
	d := ep.deploymentLocked(c.vars["deployment"])
	if d == nil {
		return notFound("Deployment '%s' was not found in batch endpoint '%s'.", c.vars["deployment"], ep.cfg.Name)
	}
	c.writeJSON(http.StatusOK, s.armDeploymentLocked(d))
	return nil
}

// --- data assets -------------------------------------------------------------

type armDataVersionProps struct {
	DataType    string            `json:"dataType"`
	DataURI     string            `json:"dataUri"`
	Description *string           `json:"description"`
	Tags        map[string]string `json:"tags"`
	Properties  map[string]string `json:"properties"`
	IsAnonymous bool              `json:"isAnonymous"`
	IsArchived  bool              `json:"isArchived"`
}

type armDataVersion struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Type       string              `json:"type"`
	Properties armDataVersionProps `json:"properties"`
	SystemData armSystemData       `json:"systemData"`
}

func armDataVersionOf(w *Workspace, a DataAsset) armDataVersion {
	v := armDataVersion{
		ID: w.DataVersionID(a.Name, a.Version), Name: a.Version, Type: "Microsoft.MachineLearningServices/workspaces/data/versions",
		Properties: armDataVersionProps{DataType: a.Type, DataURI: a.URI, Tags: a.Tags, Properties: map[string]string{}},
		SystemData: sysData(a.CreatedAt),
	}
	if v.Properties.Tags == nil {
		v.Properties.Tags = map[string]string{}
	}
	if a.Description != "" {
		v.Properties.Description = Ptr(a.Description)
	}
	return v
}

func armDataContainerOf(w *Workspace, dc *dataContainer) map[string]any {
	vs := dc.sortedVersions()
	props := map[string]any{"description": nil, "tags": map[string]string{}, "properties": map[string]string{}, "isArchived": false}
	if len(vs) > 0 {
		props["dataType"] = vs[0].cfg.Type
		props["latestVersion"] = vs[0].cfg.Version
		next := ""
		maxN := 0
		for _, v := range dc.versions {
			if n, err := strconv.Atoi(v.cfg.Version); err == nil && n > maxN {
				maxN = n
			}
		}
		next = strconv.Itoa(maxN + 1)
		props["nextVersion"] = next
	}
	return map[string]any{"id": w.ID() + "/data/" + dc.name, "name": dc.name, "type": "Microsoft.MachineLearningServices/workspaces/data",
		"properties": props, "systemData": sysData(dc.created)}
}

func (s *Server) listDataContainers(c *call) *apiError {
	s.mu.Lock()
	items := make([]map[string]any, 0, len(c.ws.data))
	for _, dc := range c.ws.data {
		items = append(items, armDataContainerOf(c.ws, dc))
	}
	s.mu.Unlock()
	c.writeJSON(http.StatusOK, page(c, items, pageSize(c, 100)))
	return nil
}

func (s *Server) getDataContainer(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	dc := c.ws.dataLocked(c.vars["name"])
	if dc == nil {
		return notFound("Data container %s was not found in workspace %s.", c.vars["name"], c.ws.cfg.Name)
	}
	c.writeJSON(http.StatusOK, armDataContainerOf(c.ws, dc))
	return nil
}

func (s *Server) listDataVersions(c *call) *apiError {
	s.mu.Lock()
	dc := c.ws.dataLocked(c.vars["name"])
	if dc == nil {
		s.mu.Unlock()
		// The service answers an empty list for an unknown name; azure-ai-ml turns that into "does not exist".
		c.writeJSON(http.StatusOK, wire.List[armDataVersion]{Value: []armDataVersion{}})
		return nil
	}
	vs := dc.sortedVersions() // newest first
	order := strings.ToLower(strings.Join(strings.Fields(c.r.URL.Query().Get("$orderBy")), " "))
	switch order {
	case "createdtime desc", "createdat desc":
	case "createdtime asc", "createdtime", "createdat asc", "createdat", "":
		for i, k := 0, len(vs)-1; i < k; i, k = i+1, k-1 {
			vs[i], vs[k] = vs[k], vs[i]
		}
	default:
		s.mu.Unlock()
		return badRequest("Invalid $orderBy '%s'. Supported values are 'createdtime desc' and 'createdtime asc'.", c.r.URL.Query().Get("$orderBy"))
	}
	items := make([]armDataVersion, len(vs))
	for i, v := range vs {
		items[i] = armDataVersionOf(c.ws, v.cfg)
	}
	s.mu.Unlock()
	c.writeJSON(http.StatusOK, page(c, items, pageSize(c, 100)))
	return nil
}

func (s *Server) getDataVersion(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, version := c.vars["name"], c.vars["version"]
	var v *dataVersionState
	if dc := c.ws.dataLocked(name); dc != nil {
		for _, x := range dc.versions {
			if x.cfg.Version == version {
				v = x
			}
		}
	}
	if v == nil {
		return notFound("Data version %s:%s (dataContainerName:version) not found.", name, version)
	}
	c.writeJSON(http.StatusOK, armDataVersionOf(c.ws, v.cfg))
	return nil
}

func (s *Server) putDataVersion(c *call) *apiError {
	var body struct {
		Properties *struct {
			DataType    string            `json:"dataType"`
			DataURI     string            `json:"dataUri"`
			Description string            `json:"description"`
			Tags        map[string]string `json:"tags"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil || body.Properties == nil {
		return badRequest("The request body must be a data version resource with properties.dataType and properties.dataUri.")
	}
	p := body.Properties
	if p.DataURI != "" {
		ref, e := s.parseDataURI(c.ws, p.DataURI, false)
		if e != nil {
			return e
		}
		if ref.asset != nil {
			return badRequest("dataUri '%s' must be a storage location, not another data asset.", p.DataURI)
		}
	}
	a := DataAsset{Name: c.vars["name"], Version: c.vars["version"], Type: p.DataType, URI: p.DataURI, Description: p.Description, Tags: p.Tags}
	created, err := c.ws.putDataVersion(a)
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			return ae
		}
		return badRequest("%v", err)
	}
	stored, _ := c.ws.DataAsset(a.Name, a.Version)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.writeJSON(status, armDataVersionOf(c.ws, stored))
	return nil
}

// --- datastores ----------------------------------------------------------------

func (d Datastore) credentialsType() string {
	switch {
	case d.AccountKey != "":
		return "AccountKey"
	case d.SASToken != "":
		return "Sas"
	}
	return "None"
}

func (s *Server) armDatastore(w *Workspace, d Datastore, created time.Time) map[string]any {
	creds := map[string]any{"credentialsType": d.credentialsType()}
	if t := d.credentialsType(); t != "None" {
		creds["secrets"] = map[string]string{"secretsType": t}
	}
	props := map[string]any{
		"description": nil, "tags": map[string]string{}, "properties": map[string]string{}, "isDefault": d.Default,
		"credentials": creds, "datastoreType": string(d.Type), "accountName": d.AccountName,
		"endpoint": d.Endpoint, "protocol": d.Protocol, "serviceDataAccessAuthIdentity": "None",
		"subscriptionId": w.cfg.SubscriptionID, "resourceGroup": w.cfg.ResourceGroup,
	}
	if d.Description != "" {
		props["description"] = d.Description
	}
	switch d.Type {
	case DatastoreAzureDataLakeGen2:
		props["filesystem"] = d.Container
	case DatastoreAzureFile:
		props["fileShareName"] = d.Container
	default:
		props["containerName"] = d.Container
	}
	return map[string]any{"id": w.DatastoreID(d.Name), "name": d.Name, "type": "Microsoft.MachineLearningServices/workspaces/datastores",
		"properties": props, "systemData": sysData(created)}
}

// effectiveDatastoresLocked returns the datastores with Default resolved
// (the workspaceblobstore fallback applied).
func (w *Workspace) effectiveDatastoresLocked() []datastoreState {
	def := w.defaultDatastoreLocked()
	out := make([]datastoreState, len(w.datastores))
	for i, d := range w.datastores {
		out[i] = *d
		out[i].cfg.Default = d == def
	}
	return out
}

func (s *Server) listDatastores(c *call) *apiError {
	q := c.r.URL.Query()
	filter := strings.ToLower(q.Get("isDefault"))
	names := map[string]bool{}
	for _, n := range q["names"] {
		for _, x := range strings.Split(n, ",") {
			names[strings.ToLower(x)] = true
		}
	}
	s.mu.Lock()
	ds := c.ws.effectiveDatastoresLocked()
	s.mu.Unlock()
	items := []map[string]any{}
	for _, d := range ds {
		if (filter == "true" && !d.cfg.Default) || (filter == "false" && d.cfg.Default) {
			continue
		}
		if len(names) > 0 && !names[strings.ToLower(d.cfg.Name)] {
			continue
		}
		items = append(items, s.armDatastore(c.ws, d.cfg, d.created))
	}
	c.writeJSON(http.StatusOK, page(c, items, pageSize(c, 30)))
	return nil
}

func (s *Server) findDatastore(c *call) (datastoreState, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range c.ws.effectiveDatastoresLocked() {
		if strings.EqualFold(d.cfg.Name, c.vars["name"]) {
			return d, nil
		}
	}
	return datastoreState{}, notFound("Datastore '%s' was not found in workspace '%s'.", c.vars["name"], c.ws.cfg.Name)
}

func (s *Server) getDatastore(c *call) *apiError {
	d, e := s.findDatastore(c)
	if e != nil {
		return e
	}
	c.writeJSON(http.StatusOK, s.armDatastore(c.ws, d.cfg, d.created))
	return nil
}

func (s *Server) listDatastoreSecrets(c *call) *apiError {
	d, e := s.findDatastore(c)
	if e != nil {
		return e
	}
	switch d.cfg.credentialsType() {
	case "AccountKey":
		c.writeJSON(http.StatusOK, map[string]string{"secretsType": "AccountKey", "key": d.cfg.AccountKey})
	case "Sas":
		c.writeJSON(http.StatusOK, map[string]string{"secretsType": "Sas", "sasToken": d.cfg.SASToken})
	default:
		return badRequest("Datastore '%s' has no secrets: its credentialsType is None (identity-based access).", d.cfg.Name)
	}
	return nil
}

// --- jobs ------------------------------------------------------------------------

type armJobService struct {
	JobServiceType string            `json:"jobServiceType"`
	Port           *int              `json:"port"`
	Endpoint       string            `json:"endpoint"`
	Status         *string           `json:"status"`
	ErrorMessage   *string           `json:"errorMessage"`
	Properties     map[string]string `json:"properties"`
}

type armJobProps struct {
	Description    *string                      `json:"description"`
	Tags           map[string]string            `json:"tags"`
	Properties     map[string]string            `json:"properties"`
	DisplayName    string                       `json:"displayName"`
	Status         string                       `json:"status"`
	ExperimentName string                       `json:"experimentName"`
	Services       map[string]armJobService     `json:"services"`
	ComputeID      string                       `json:"computeId"`
	IsArchived     bool                         `json:"isArchived"`
	JobType        string                       `json:"jobType"`
	Settings       map[string]any               `json:"settings"`
	Inputs         map[string]wire.ARMJobInput  `json:"inputs"`
	Outputs        map[string]wire.ARMJobOutput `json:"outputs"`
}

type armJob struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Type       string        `json:"type"`
	Properties armJobProps   `json:"properties"`
	SystemData armSystemData `json:"systemData"`
}

func (s *Server) armJobLocked(j *job) armJob {
	p := armJobProps{
		Tags: j.tags(), Properties: j.systemProperties(), DisplayName: j.displayName, Status: j.status,
		ExperimentName: j.experimentName, ComputeID: j.ws.computeID(), JobType: "Pipeline", Settings: map[string]any{},
		Services: map[string]armJobService{
			"Tracking": {JobServiceType: "Tracking", Endpoint: s.trackingURL(j.ws)},
			"Studio":   {JobServiceType: "Studio", Endpoint: j.studioURL()},
		},
		Inputs: map[string]wire.ARMJobInput{}, Outputs: map[string]wire.ARMJobOutput{},
	}
	if j.description != "" {
		p.Description = Ptr(j.description)
	}
	for k, v := range j.userProps {
		if !strings.EqualFold(k, "experimentName") {
			p.Properties[k] = v
		}
	}
	for _, in := range j.inputs {
		if in.literal {
			p.Inputs[in.name] = wire.ARMJobInput{JobInputType: "literal", Value: in.value}
		} else {
			p.Inputs[in.name] = wire.ARMJobInput{JobInputType: snakeType(in.typ), URI: in.uri, Mode: in.mode}
		}
	}
	for _, o := range j.outputs {
		p.Outputs[o.name] = wire.ARMJobOutput{JobOutputType: snakeType(o.typ), URI: o.uri, Mode: o.mode}
	}
	return armJob{ID: j.ws.ID() + "/jobs/" + j.name, Name: j.name, Type: "Microsoft.MachineLearningServices/workspaces/jobs",
		Properties: p, SystemData: sysData(j.created)}
}

func (s *Server) wsJobLocked(w *Workspace, name string) *job {
	j := s.jobs[name]
	if j == nil || j.ws != w {
		return nil
	}
	return j
}

func (s *Server) getJob(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.wsJobLocked(c.ws, c.vars["job"])
	if j == nil {
		return notFound("Job %s was not found in workspace %s.", c.vars["job"], c.ws.cfg.Name)
	}
	c.writeJSON(http.StatusOK, s.armJobLocked(j))
	return nil
}

func (s *Server) listJobs(c *call) *apiError {
	q := c.r.URL.Query()
	jobType, tag, view := q.Get("jobType"), q.Get("tag"), strings.ToLower(q.Get("listViewType"))
	s.mu.Lock()
	var items []armJob
	for i := len(s.jobOrder) - 1; i >= 0; i-- {
		j := s.jobOrder[i]
		if j.ws != c.ws || view == "archivedonly" {
			continue
		}
		if jobType != "" && !strings.EqualFold(jobType, "Pipeline") {
			continue
		}
		if tag != "" {
			k, v, hasV := strings.Cut(tag, "=")
			tv, ok := j.tags()[k]
			if !ok || (hasV && tv != v) {
				continue
			}
		}
		items = append(items, s.armJobLocked(j))
	}
	s.mu.Unlock()
	if items == nil {
		items = []armJob{}
	}
	c.writeJSON(http.StatusOK, page(c, items, s.opts.JobsPageSize))
	return nil
}

func (s *Server) cancelJob(c *call) *apiError {
	s.mu.Lock()
	j := s.wsJobLocked(c.ws, c.vars["job"])
	s.mu.Unlock()
	if j == nil {
		return notFound("Job %s was not found in workspace %s.", c.vars["job"], c.ws.cfg.Name)
	}
	loc := fmt.Sprintf("%s/subscriptions/%s/providers/Microsoft.MachineLearningServices/locations/%s/mfeOperationResults/jc:%s:%s?api-version=%s",
		s.armURL, c.ws.cfg.SubscriptionID, c.ws.cfg.Location, c.ws.guid, j.name, url.QueryEscape(c.r.URL.Query().Get("api-version")))
	s.mu.Lock()
	terminal := IsTerminal(j.status)
	s.mu.Unlock()
	if terminal {
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	s.requestCancel(j)
	c.w.Header().Set("Location", loc)
	c.w.WriteHeader(http.StatusAccepted)
	return nil
}

// operationResult serves the Location of a cancel: 202 until the job has ended.
func (s *Server) operationResult(c *call) *apiError {
	op := c.vars["op"]
	parts := strings.SplitN(op, ":", 3)
	if len(parts) != 3 || parts[0] != "jc" {
		return notFound("Operation %s was not found.", op)
	}
	s.mu.Lock()
	j := s.jobs[parts[2]]
	var status string
	if j != nil && j.ws.guid == parts[1] {
		status = j.status
		c.ws = j.ws
	} else {
		j = nil
	}
	s.mu.Unlock()
	if j == nil {
		return notFound("Operation %s was not found.", op)
	}
	if !IsTerminal(status) {
		c.w.Header().Set("Location", s.armURL+c.r.URL.RequestURI())
		c.w.WriteHeader(http.StatusAccepted)
		return nil
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// runDetails serves Run History's run details, where clients read a failed job's error.
func (s *Server) runDetails(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.wsJobLocked(c.ws, c.vars["job"])
	if j == nil {
		return notFound("Run %s was not found.", c.vars["job"])
	}
	d := map[string]any{
		"runId": j.name, "runUuid": j.guid, "status": j.status, "target": "cpu-cluster",
		"startTimeUtc": j.created.Format(time.RFC3339Nano), "properties": j.systemProperties(), "tags": j.tags(),
		"warnings": []any{}, "error": nil,
	}
	if IsTerminal(j.status) {
		d["endTimeUtc"] = j.ended.Format(time.RFC3339Nano)
	}
	if j.err != nil {
		d["error"] = map[string]any{
			"error":       map[string]any{"code": j.err.Code, "message": j.err.Message, "details": []any{}, "innerError": nil},
			"correlation": map[string]string{"operation": j.guid, "request": c.reqID},
			"time":        j.ended.Format(time.RFC3339Nano),
		}
	}
	c.writeJSON(http.StatusOK, d)
	return nil
}

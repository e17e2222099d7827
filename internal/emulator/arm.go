package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
)

func sysData(t time.Time) armSystemData {
	ts := t.UTC().Format("2006-01-02T15:04:05.0000000Z")
	return armSystemData{CreatedAt: ts, CreatedBy: "Emulator User", CreatedByType: "User", LastModifiedAt: ts,
		LastModifiedBy: "Emulator User", LastModifiedByType: "User"}
}

// page returns one page of items following ARM paging: $top caps the total
// number of results, $skipToken is the offset of the page, nextLink repeats the
// request's query with the next token.
func page[T any](c *call, items []T, size int) list[T] {
	q := c.r.URL.Query()
	if top, err := strconv.Atoi(q.Get("$top")); err == nil && top >= 0 && top < len(items) {
		items = items[:top]
	}
	off, _ := strconv.Atoi(q.Get("$skipToken"))
	off = max(0, min(off, len(items)))
	end := min(off+size, len(items))
	out := list[T]{Value: append([]T{}, items[off:end]...)}
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
	c.writeJSON(http.StatusOK, armWorkspace{
		ID: w.ID(), Name: w.cfg.Name, Type: "Microsoft.MachineLearningServices/workspaces", Location: w.cfg.Location,
		Kind: "Default", Tags: map[string]string{},
		Identity:   armIdentity{Type: "SystemAssigned", PrincipalID: "33333333-3333-3333-3333-333333333333", TenantID: s.opts.TenantID},
		SKU:        armSKU{Name: "Basic", Tier: "Basic"},
		SystemData: sysData(w.created),
		Properties: armWorkspaceProps{
			FriendlyName: w.cfg.Name, WorkspaceID: w.guid, ProvisioningState: "Succeeded",
			DiscoveryURL:        s.armURL + "/discovery",
			MLFlowTrackingURI:   s.trackingURL(w),
			StorageAccount:      fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s", w.cfg.SubscriptionID, w.cfg.ResourceGroup, storageAcct),
			PublicNetworkAccess: "Enabled",
			CreationTime:        w.created.Format(time.RFC3339Nano),
			TenantID:            s.opts.TenantID,
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

func (s *Server) armDeploymentLocked(d *deploymentState) armDeployment {
	w := d.ep.ws
	props := armDeploymentProps{
		Properties: map[string]string{}, ProvisioningState: "Succeeded",
		Compute: w.computeID(), EnvironmentVariables: map[string]string{},
	}
	if m := d.model; m != nil {
		props.CodeConfiguration = &armCodeConfiguration{CodeID: w.ID() + "/codes/" + d.name + "-code/versions/1", ScoringScript: "score.py"}
		props.EnvironmentID = w.ID() + "/environments/" + d.name + "-env/versions/1"
		props.Model = &armAssetReference{ReferenceType: "Id", AssetID: w.ID() + "/models/" + d.name + "-model/versions/1"}
		props.ErrorThreshold = Ptr(*m.ErrorThreshold)
		props.RetrySettings = &armRetrySettings{MaxRetries: *m.MaxRetries, Timeout: isoDuration(m.Timeout)}
		props.MiniBatchSize = Ptr(m.MiniBatchSize)
		props.LoggingLevel = "Info"
		props.MaxConcurrencyPerInstance = Ptr(m.MaxConcurrencyPerInstance)
		props.OutputAction = string(m.OutputAction)
		props.OutputFileName = m.OutputFileName
		props.Resources = &armResources{InstanceCount: m.InstanceCount}
	} else {
		p := d.pipeline
		settings := map[string]string{}
		for k, v := range p.Inputs {
			if v != "" {
				settings["default_"+k] = v
			}
		}
		props.DeploymentConfiguration = &armDeploymentConfiguration{
			DeploymentConfigurationType: "PipelineComponent",
			ComponentID:                 armAssetReference{ReferenceType: "Id", AssetID: p.ComponentID},
			Settings:                    settings,
			Tags:                        map[string]string{},
		}
	}
	return armDeployment{
		ID:   w.ID() + "/batchEndpoints/" + d.ep.cfg.Name + "/deployments/" + d.name,
		Name: d.name, Type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments",
		Location: w.cfg.Location, Tags: map[string]string{}, Properties: props, SystemData: sysData(d.created),
	}
}

func (s *Server) listDeployments(c *call) *apiError {
	s.mu.Lock()
	ep := c.ws.endpointLocked(c.vars["endpoint"])
	if ep == nil {
		s.mu.Unlock()
		return notFound("Batch endpoint '%s' was not found in workspace '%s'.", c.vars["endpoint"], c.ws.cfg.Name)
	}
	items := make([]armDeployment, 0, len(ep.deployments))
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

func armDataVersionOf(w *Workspace, a DataAsset) armDataVersion {
	v := armDataVersion{
		ID: w.DataVersionID(a.Name, a.Version), Name: a.Version, Type: "Microsoft.MachineLearningServices/workspaces/data/versions",
		Properties: armDataVersionProps{DataType: string(a.Type), DataURI: a.Path, Tags: a.Tags, Properties: map[string]string{}},
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

func armDataContainerOf(w *Workspace, dc *dataContainer) armDataContainer {
	vs := dc.sortedVersions()
	props := armDataContainerProps{Tags: map[string]string{}, Properties: map[string]string{}}
	if len(vs) > 0 {
		props.DataType = string(vs[0].cfg.Type)
		props.LatestVersion = vs[0].cfg.Version
		maxN := 0
		for _, v := range dc.versions {
			if n, err := strconv.Atoi(v.cfg.Version); err == nil && n > maxN {
				maxN = n
			}
		}
		props.NextVersion = strconv.Itoa(maxN + 1)
	}
	return armDataContainer{ID: w.ID() + "/data/" + dc.name, Name: dc.name, Type: "Microsoft.MachineLearningServices/workspaces/data",
		Properties: props, SystemData: sysData(dc.created)}
}

func (s *Server) listDataContainers(c *call) *apiError {
	s.mu.Lock()
	items := make([]armDataContainer, 0, len(c.ws.data))
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
		c.writeJSON(http.StatusOK, list[armDataVersion]{Value: []armDataVersion{}})
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
	a := DataAsset{Name: c.vars["name"], Version: c.vars["version"], Type: inputs.Kind(p.DataType), Path: p.DataURI, Description: p.Description, Tags: p.Tags}
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

func (s *Server) armDatastore(w *Workspace, d Datastore, created time.Time) armDatastore {
	creds := armDatastoreCreds{CredentialsType: d.credentialsType()}
	if t := d.credentialsType(); t != "None" {
		creds.Secrets = &armDatastoreSecrets{SecretsType: t}
	}
	props := armDatastoreProps{
		Tags: map[string]string{}, Properties: map[string]string{}, IsDefault: d.Default,
		Credentials: creds, DatastoreType: string(d.Type), AccountName: d.AccountName,
		Endpoint: d.Endpoint, Protocol: d.Protocol, ServiceDataAccessAuthIdentity: "None",
		SubscriptionID: w.cfg.SubscriptionID, ResourceGroup: w.cfg.ResourceGroup,
	}
	if d.Description != "" {
		props.Description = Ptr(d.Description)
	}
	switch d.Type {
	case DatastoreAzureDataLakeGen2:
		props.Filesystem = d.Container
	case DatastoreAzureFile:
		props.FileShareName = d.Container
	default:
		props.ContainerName = d.Container
	}
	return armDatastore{ID: w.DatastoreID(d.Name), Name: d.Name, Type: "Microsoft.MachineLearningServices/workspaces/datastores",
		Properties: props, SystemData: sysData(created)}
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
	items := []armDatastore{}
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
		c.writeJSON(http.StatusOK, armDatastoreSecrets{SecretsType: "AccountKey", Key: d.cfg.AccountKey})
	case "Sas":
		c.writeJSON(http.StatusOK, armDatastoreSecrets{SecretsType: "Sas", SASToken: d.cfg.SASToken})
	default:
		return badRequest("Datastore '%s' has no secrets: its credentialsType is None (identity-based access).", d.cfg.Name)
	}
	return nil
}

// --- jobs ------------------------------------------------------------------------

func (s *Server) armJobLocked(j *job) armJob {
	p := armJobProps{
		Tags: j.tags(), Properties: j.allProperties(), DisplayName: j.displayName, Status: j.status, IsArchived: j.archived,
		ExperimentName: j.experimentName, ComputeID: j.ws.computeID(), JobType: "Pipeline", Settings: map[string]string{},
		Services: map[string]armJobService{
			"Tracking": {JobServiceType: "Tracking", Endpoint: s.trackingURL(j.ws)},
			"Studio":   {JobServiceType: "Studio", Endpoint: j.studioURL()},
		},
		Inputs: map[string]armJobInput{}, Outputs: map[string]armJobOutput{},
	}
	if j.description != "" {
		p.Description = Ptr(j.description)
	}
	for _, in := range j.inputs {
		if in.literal {
			p.Inputs[in.name] = armJobInput{JobInputType: "literal", Value: in.value}
		} else {
			p.Inputs[in.name] = armJobInput{JobInputType: snakeType(in.typ), URI: in.uri, Mode: in.mode}
		}
	}
	for _, o := range j.outputs {
		p.Outputs[o.name] = armJobOutput{JobOutputType: snakeType(o.typ), URI: o.uri, Mode: o.mode}
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

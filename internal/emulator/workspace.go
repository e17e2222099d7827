package emulator

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// WorkspaceConfig identifies a workspace.
type WorkspaceConfig struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
	// Location is the Azure region; DefaultLocation when empty.
	Location string
}

// Workspace is a registered workspace. Register its datastores, batch endpoints,
// deployments and data assets with its methods; all are safe for concurrent use.
type Workspace struct {
	s       *Server
	cfg     WorkspaceConfig
	guid    string
	created time.Time

	// guarded by s.mu
	datastores []*datastoreState
	endpoints  []*endpointState
	data       []*dataContainer
}

type datastoreState struct {
	cfg     Datastore
	created time.Time
}

type endpointState struct {
	ws          *Workspace
	cfg         BatchEndpoint
	created     time.Time
	deployments []*deploymentState
}

type deploymentState struct {
	ep       *endpointState
	name     string
	model    *ModelDeployment
	pipeline *PipelineDeployment
	created  time.Time
}

type dataContainer struct {
	name     string
	created  time.Time
	versions []*dataVersionState
}

type dataVersionState struct {
	cfg DataAsset
	seq int64
}

// DatastoreType is a datastore's datastoreType.
type DatastoreType string

// Datastore types. Only AzureBlob datastores receive job outputs.
const (
	DatastoreAzureBlob         DatastoreType = "AzureBlob"
	DatastoreAzureDataLakeGen2 DatastoreType = "AzureDataLakeGen2"
	// DatastoreAzureFile datastores have no blob storage behind them; they
	// exist to test that they are rejected.
	DatastoreAzureFile DatastoreType = "AzureFile"
)

// Datastore registers a datastore backed by a blob container (in Azurite).
// AzureDataLakeGen2 datastores are read through the blob API of the same account;
// AzureFile datastores exist only to test rejections.
type Datastore struct {
	Name string
	// Type defaults to DatastoreAzureBlob.
	Type DatastoreType
	// ServiceURL is the account's blob service URL, e.g. Azurite's
	// http://127.0.0.1:10000/devstoreaccount1 (path-style) or
	// https://<account>.blob.core.windows.net.
	ServiceURL string
	// AccountName and AccountKey authenticate the emulator against the account.
	// With a key the datastore reports credentialsType AccountKey and listSecrets
	// returns it; with SASToken, credentialsType Sas; otherwise None.
	AccountName string
	AccountKey  string
	SASToken    string
	// Container is the container (Blob), filesystem (Gen2) or file share (File).
	Container string
	// Default makes this the workspace default datastore (the one returned for
	// isDefault=true and used for default output locations). When no datastore is
	// marked, "workspaceblobstore" is the default if registered.
	Default bool
	// Endpoint is properties.endpoint. When empty it is "core.windows.net", as
	// the real service answers: clients address https://<account>.blob.core.windows.net,
	// which the storage proxy routes to ServiceURL. It is ServiceURL (without
	// the trailing slash) instead with Options.ServiceURLDatastoreEndpoints or
	// an http:// ServiceURL: a URL here names the blob service directly.
	Endpoint string
	// Protocol is properties.protocol; the scheme of ServiceURL, else "https".
	Protocol    string
	Description string
}

// BatchEndpoint registers a batch endpoint.
type BatchEndpoint struct {
	// Name must be 3-32 characters: letters, digits and '-', starting with a
	// letter and not ending with '-'. Names are unique across workspaces, as
	// they are within an Azure region.
	Name string
	// DefaultDeployment runs when a request names no deployment; it may be
	// registered after the endpoint.
	DefaultDeployment string
	// Description is the endpoint's description.
	Description string
	// ProvisioningState defaults to "Succeeded". "Creating" makes the endpoint
	// report a null scoringUri, as a real endpoint being created does.
	ProvisioningState string
}

// OutputAction is a model deployment's outputAction.
type OutputAction string

// Output actions.
const (
	// AppendRow writes every row returned by the ScoreFunc to the output file.
	AppendRow OutputAction = "AppendRow"
	// SummaryOnly writes no output file.
	SummaryOnly OutputAction = "SummaryOnly"
)

// Data asset types (properties.dataType).
const (
	DataTypeURIFolder = "uri_folder"
	DataTypeURIFile   = "uri_file"
	DataTypeMLTable   = "mltable"
)

// DataAsset registers a data asset version.
type DataAsset struct {
	// Name and Version identify the version.
	Name, Version string
	// Type is inputs.KindURIFolder (default), inputs.KindURIFile or inputs.KindMLTable.
	Type inputs.Kind
	// Path is the data's uri (dataUri), e.g. azureml://datastores/workspaceblobstore/paths/heart/
	// or azureml://subscriptions/<sub>/resourcegroups/<rg>/workspaces/<ws>/datastores/<ds>/paths/<p>.
	Path string
	// Description and Tags of the version.
	Description string
	Tags        map[string]string
	// CreatedAt orders versions for "latest"; now when zero.
	CreatedAt time.Time
}

var (
	endpointNameRE = regexp.MustCompile(`^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`)
	assetNameRE    = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$`)
	dataVersionRE  = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,50}$`)
)

// AddWorkspace registers a workspace.
func (s *Server) AddWorkspace(cfg WorkspaceConfig) (*Workspace, error) {
	if cfg.SubscriptionID == "" || cfg.ResourceGroup == "" || cfg.Name == "" {
		return nil, errors.New("emulator: workspace needs SubscriptionID, ResourceGroup and Name")
	}
	if cfg.Location == "" {
		cfg.Location = DefaultLocation
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.workspaces {
		if strings.EqualFold(w.cfg.SubscriptionID, cfg.SubscriptionID) && strings.EqualFold(w.cfg.ResourceGroup, cfg.ResourceGroup) &&
			strings.EqualFold(w.cfg.Name, cfg.Name) {
			return nil, fmt.Errorf("emulator: workspace %s already registered", cfg.Name)
		}
	}
	w := &Workspace{s: s, cfg: cfg, guid: uuid.NewString(), created: time.Now().UTC()}
	s.workspaces = append(s.workspaces, w)
	return w, nil
}

// Config returns the workspace's identity.
func (w *Workspace) Config() WorkspaceConfig { return w.cfg }

// ID is the workspace's ARM resource id.
func (w *Workspace) ID() string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s",
		w.cfg.SubscriptionID, w.cfg.ResourceGroup, w.cfg.Name)
}

// DatastoreID is the ARM id of datastore name in this workspace.
func (w *Workspace) DatastoreID(name string) string { return w.ID() + "/datastores/" + name }

// DataVersionID is the ARM id of a data asset version in this workspace.
func (w *Workspace) DataVersionID(name, version string) string {
	return w.ID() + "/data/" + name + "/versions/" + version
}

// AddDatastore registers a datastore; a datastore with the same name is replaced.
func (w *Workspace) AddDatastore(d Datastore) error {
	if d.Name == "" {
		return errors.New("emulator: datastore needs a Name")
	}
	if d.Type == "" {
		d.Type = DatastoreAzureBlob
	}
	switch d.Type {
	case DatastoreAzureBlob, DatastoreAzureDataLakeGen2, DatastoreAzureFile:
	default:
		return fmt.Errorf("emulator: unsupported datastore type %q", d.Type)
	}
	if d.Container == "" || d.AccountName == "" {
		return errors.New("emulator: datastore needs AccountName and Container")
	}
	if d.ServiceURL != "" {
		d.ServiceURL = strings.TrimRight(d.ServiceURL, "/") + "/"
	}
	plainHTTP := strings.HasPrefix(strings.ToLower(d.ServiceURL), "http://")
	if d.Endpoint == "" {
		d.Endpoint = "core.windows.net"
		if d.ServiceURL != "" && (w.s.opts.ServiceURLDatastoreEndpoints || plainHTTP) {
			d.Endpoint = strings.TrimSuffix(d.ServiceURL, "/")
		}
	}
	if d.Protocol == "" {
		d.Protocol = "https"
		if plainHTTP {
			d.Protocol = "http"
		}
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if d.Default {
		for _, o := range w.datastores {
			o.cfg.Default = false
		}
	}
	st := &datastoreState{cfg: d, created: time.Now().UTC()}
	w.s.registerBlobHostLocked(d)
	for i, o := range w.datastores {
		if strings.EqualFold(o.cfg.Name, d.Name) {
			w.datastores[i] = st
			return nil
		}
	}
	w.datastores = append(w.datastores, st)
	if d.ServiceURL != "" && (d.AccountKey != "" || d.SASToken != "") {
		w.s.addAccountLocked(storageAccount{serviceURL: d.ServiceURL, name: d.AccountName, key: d.AccountKey})
	}
	return nil
}

// AddBatchEndpoint registers a batch endpoint. Its scoring URI is ScoringURI(name).
func (w *Workspace) AddBatchEndpoint(e BatchEndpoint) error {
	if len(e.Name) < 3 || len(e.Name) > 32 || !endpointNameRE.MatchString(e.Name) {
		return fmt.Errorf("emulator: invalid endpoint name %q (3-32 characters, ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$)", e.Name)
	}
	if e.ProvisioningState == "" {
		e.ProvisioningState = "Succeeded"
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	key := strings.ToLower(e.Name)
	if _, ok := w.s.endpoints[key]; ok {
		return fmt.Errorf("emulator: endpoint %q already registered", e.Name)
	}
	ep := &endpointState{ws: w, cfg: e, created: time.Now().UTC()}
	w.s.endpoints[key] = ep
	w.endpoints = append(w.endpoints, ep)
	return nil
}

// ScoringURI is the scoringUri the emulator serves for endpoint.
func (w *Workspace) ScoringURI(endpoint string) string {
	return w.s.infURL + "/" + strings.ToLower(endpoint) + "/jobs"
}

// SetDefaultDeployment sets (or, with "", clears) an endpoint's default deployment.
func (w *Workspace) SetDefaultDeployment(endpoint, deployment string) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	ep := w.endpointLocked(endpoint)
	if ep == nil {
		return fmt.Errorf("emulator: no endpoint %q", endpoint)
	}
	ep.cfg.DefaultDeployment = deployment
	return nil
}

// SetEndpointProvisioningState changes an endpoint's provisioningState
// ("Succeeded", "Creating", "Failed", ...).
func (w *Workspace) SetEndpointProvisioningState(endpoint, state string) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	ep := w.endpointLocked(endpoint)
	if ep == nil {
		return fmt.Errorf("emulator: no endpoint %q", endpoint)
	}
	ep.cfg.ProvisioningState = state
	return nil
}

// AddModelDeployment registers a model deployment under endpoint.
func (w *Workspace) AddModelDeployment(endpoint string, d ModelDeployment) error {
	if err := d.validate(); err != nil {
		return err
	}
	return w.addDeployment(endpoint, &deploymentState{name: d.Name, model: &d})
}

// AddPipelineDeployment registers a pipeline component deployment under endpoint.
func (w *Workspace) AddPipelineDeployment(endpoint string, d PipelineDeployment) error {
	if err := d.validate(); err != nil {
		return err
	}
	return w.addDeployment(endpoint, &deploymentState{name: d.Name, pipeline: &d})
}

func (w *Workspace) addDeployment(endpoint string, d *deploymentState) error {
	if len(d.name) < 3 || len(d.name) > 32 || !endpointNameRE.MatchString(d.name) {
		return fmt.Errorf("emulator: invalid deployment name %q", d.name)
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	ep := w.endpointLocked(endpoint)
	if ep == nil {
		return fmt.Errorf("emulator: no endpoint %q", endpoint)
	}
	d.ep = ep
	d.created = time.Now().UTC()
	for i, o := range ep.deployments {
		if strings.EqualFold(o.name, d.name) {
			ep.deployments[i] = d
			return nil
		}
	}
	ep.deployments = append(ep.deployments, d)
	return nil
}

// AddDataAsset registers a data asset version. Registering an existing
// name/version with a different URI or type is an error (versions are immutable).
func (w *Workspace) AddDataAsset(a DataAsset) error {
	if a.Type == "" {
		a.Type = DataTypeURIFolder
	}
	_, err := w.putDataVersion(a)
	return err
}

// putDataVersion stores a; created reports whether the version is new.
func (w *Workspace) putDataVersion(a DataAsset) (created bool, err error) {
	if !dataVersionRE.MatchString(a.Version) {
		// The service's own message (a UserError), quoted in the service contract.
		return false, badRequest("dataVersion is invalid. It can only contain alphanumeric characters, dashes, underscores, and periods, with a limit of 50 characters. (version %q of data asset %q)", a.Version, a.Name)
	}
	if !assetNameRE.MatchString(a.Name) {
		return false, badRequest("Invalid data asset name or version %q:%q. It can only contain alphanumeric characters, dashes, underscores, and periods, with a limit of 255 characters.", a.Name, a.Version)
	}
	switch inputs.Kind(strings.ToLower(string(a.Type))) {
	case DataTypeURIFolder, DataTypeURIFile, DataTypeMLTable:
		a.Type = inputs.Kind(strings.ToLower(string(a.Type)))
	default:
		return false, badRequest("Invalid dataType %q. Supported values are uri_file, uri_folder and mltable.", a.Type)
	}
	if a.Path == "" {
		return false, badRequest("dataUri is required.")
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	w.s.seq++
	c := w.dataLocked(a.Name)
	if c == nil {
		c = &dataContainer{name: a.Name, created: a.CreatedAt}
		w.data = append(w.data, c)
	}
	for _, v := range c.versions {
		if v.cfg.Version == a.Version {
			if v.cfg.Path != a.Path || v.cfg.Type != a.Type {
				return false, userError(409, "Conflict", fmt.Sprintf("Data asset %s:%s already exists with a different dataUri or dataType; data versions are immutable.", a.Name, a.Version))
			}
			v.cfg.Description, v.cfg.Tags = a.Description, a.Tags
			return false, nil
		}
	}
	c.versions = append(c.versions, &dataVersionState{cfg: a, seq: w.s.seq})
	return true, nil
}

// DataAsset returns a registered data asset version; version "latest" picks the
// most recently created.
func (w *Workspace) DataAsset(name, version string) (DataAsset, bool) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	v := w.dataVersionLocked(name, version)
	if v == nil {
		return DataAsset{}, false
	}
	return v.cfg, true
}

// Datastore returns a registered datastore by name.
func (w *Workspace) Datastore(name string) (Datastore, bool) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	d := w.datastoreLocked(name)
	if d == nil {
		return Datastore{}, false
	}
	return d.cfg, true
}

// DefaultDatastore returns the workspace's default datastore.
func (w *Workspace) DefaultDatastore() (Datastore, bool) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	d := w.defaultDatastoreLocked()
	if d == nil {
		return Datastore{}, false
	}
	return d.cfg, true
}

func (w *Workspace) endpointLocked(name string) *endpointState {
	for _, e := range w.endpoints {
		if strings.EqualFold(e.cfg.Name, name) {
			return e
		}
	}
	return nil
}

func (w *Workspace) datastoreLocked(name string) *datastoreState {
	for _, d := range w.datastores {
		if strings.EqualFold(d.cfg.Name, name) {
			return d
		}
	}
	return nil
}

func (w *Workspace) defaultDatastoreLocked() *datastoreState {
	for _, d := range w.datastores {
		if d.cfg.Default {
			return d
		}
	}
	return w.datastoreLocked("workspaceblobstore")
}

func (w *Workspace) dataLocked(name string) *dataContainer {
	for _, c := range w.data {
		if c.name == name {
			return c
		}
	}
	return nil
}

// sortedVersions returns versions newest-created first (caller holds s.mu).
func (c *dataContainer) sortedVersions() []*dataVersionState {
	vs := append([]*dataVersionState(nil), c.versions...)
	sort.SliceStable(vs, func(i, j int) bool {
		if !vs[i].cfg.CreatedAt.Equal(vs[j].cfg.CreatedAt) {
			return vs[i].cfg.CreatedAt.After(vs[j].cfg.CreatedAt)
		}
		return vs[i].seq > vs[j].seq
	})
	return vs
}

func (w *Workspace) dataVersionLocked(name, version string) *dataVersionState {
	c := w.dataLocked(name)
	if c == nil || len(c.versions) == 0 {
		return nil
	}
	if version == "latest" || version == "labels/latest" {
		return c.sortedVersions()[0]
	}
	for _, v := range c.versions {
		if v.cfg.Version == version {
			return v
		}
	}
	return nil
}

func (ep *endpointState) deploymentLocked(name string) *deploymentState {
	for _, d := range ep.deployments {
		if strings.EqualFold(d.name, name) {
			return d
		}
	}
	return nil
}

// workspaceLocked finds a registered workspace by ARM coordinates (case-insensitive).
func (s *Server) workspaceLocked(sub, rg, name string) *Workspace {
	for _, w := range s.workspaces {
		if strings.EqualFold(w.cfg.SubscriptionID, sub) && strings.EqualFold(w.cfg.ResourceGroup, rg) && strings.EqualFold(w.cfg.Name, name) {
			return w
		}
	}
	return nil
}

// EnsureContainers creates the blob containers of every datastore that does not
// exist yet (AzureBlob and AzureDataLakeGen2 only).
func (w *Workspace) EnsureContainers(ctx context.Context) error {
	w.s.mu.Lock()
	var ds []Datastore
	for _, d := range w.datastores {
		if d.cfg.Type != DatastoreAzureFile && d.cfg.ServiceURL != "" {
			ds = append(ds, d.cfg)
		}
	}
	w.s.mu.Unlock()
	for _, d := range ds {
		if err := w.s.ensureContainer(ctx, d); err != nil {
			return fmt.Errorf("emulator: datastore %s: %w", d.Name, err)
		}
	}
	return nil
}

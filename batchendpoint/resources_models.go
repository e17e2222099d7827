package batchendpoint

import (
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// SystemData says who created and last modified a resource, and when (ARM's
// systemData). Zero fields were not reported.
type SystemData struct {
	// CreatedAt and CreatedBy say when and by whom the resource was created;
	// CreatedByType is User, Application, ManagedIdentity or Key.
	CreatedAt                time.Time
	CreatedBy, CreatedByType string
	// LastModifiedAt, LastModifiedBy and LastModifiedByType are the same for
	// the last change.
	LastModifiedAt                     time.Time
	LastModifiedBy, LastModifiedByType string
}

// ManagedIdentity is a resource's managed identity.
type ManagedIdentity struct {
	// Type is SystemAssigned, UserAssigned, "SystemAssigned,UserAssigned" or None.
	Type string
	// PrincipalID and TenantID identify the system-assigned identity.
	PrincipalID, TenantID string
	// UserAssigned are the user-assigned identities, keyed by their ARM id.
	UserAssigned map[string]UserAssignedIdentity
}

// UserAssignedIdentity is one user-assigned identity of a ManagedIdentity.
type UserAssignedIdentity struct {
	// PrincipalID and ClientID identify the identity.
	PrincipalID, ClientID string
}

// AssetReference points at a registered asset (a model or a component).
type AssetReference struct {
	// ReferenceType is how the asset is named: Id (AssetID), DataPath or OutputPath.
	ReferenceType string
	// AssetID is the asset's ARM id when ReferenceType is Id.
	AssetID string
}

// CodeConfiguration is a model deployment's scoring code.
type CodeConfiguration struct {
	// CodeID is the ARM id of the code asset version.
	CodeID string
	// ScoringScript is the script, relative to the code's root, that scores mini-batches.
	ScoringScript string
}

// DeploymentResources is the compute a model deployment runs on.
type DeploymentResources struct {
	// InstanceCount is the number of nodes per job; nil when not reported.
	InstanceCount *int32
	// InstanceType is the VM size ("" for the cluster's).
	InstanceType string
	// Properties are further settings as the service reports them.
	Properties map[string]any
}

// RetrySettings is how a model deployment retries a failed mini-batch.
type RetrySettings struct {
	// MaxRetries is the number of tries per mini-batch; nil when not reported.
	MaxRetries *int32
	// Timeout is the time allowed per mini-batch, an ISO 8601 duration such as PT30S.
	Timeout string
}

// Deployment describes a batch deployment. Model deployments fill the fields
// from Model to RetrySettings; pipeline component deployments Component and Settings.
type Deployment struct {
	// Name of the deployment, Endpoint the endpoint it belongs to, ID its ARM id.
	Name, Endpoint, ID string
	// Kind tells model deployments from pipeline component deployments.
	Kind DeploymentKind
	// Location is the Azure region.
	Location string
	// Description of the deployment.
	Description string
	// Tags and Properties of the deployment.
	Tags, Properties map[string]string
	// ProvisioningState is Succeeded once the deployment can run jobs.
	ProvisioningState string
	// Compute is the ARM id of the compute cluster jobs run on.
	Compute string

	// Model is the model scored; nil for pipeline component deployments.
	Model *AssetReference
	// CodeConfiguration is the scoring code; nil when the model needs none (MLflow).
	CodeConfiguration *CodeConfiguration
	// EnvironmentID is the ARM id of the environment version.
	EnvironmentID string
	// EnvironmentVariables are set for the scoring script.
	EnvironmentVariables map[string]string
	// ErrorThreshold is how many failed files a job tolerates (-1: any); nil when not reported.
	ErrorThreshold *int32
	// LoggingLevel is the scoring script's log level (Info, Warning, Debug).
	LoggingLevel string
	// MaxConcurrencyPerInstance is the number of scoring processes per node.
	MaxConcurrencyPerInstance *int32
	// MiniBatchSize is the number of files per mini-batch.
	MiniBatchSize *int64
	// OutputAction is AppendRow (one output file) or SummaryOnly.
	OutputAction string
	// OutputFileName is the output file of AppendRow.
	OutputFileName string
	// Resources is the compute per job.
	Resources *DeploymentResources
	// RetrySettings is how mini-batches are retried.
	RetrySettings *RetrySettings

	// Component is the pipeline component run; nil for model deployments.
	Component *AssetReference
	// Settings are the pipeline component deployment's settings
	// (default_<input> values, continue_on_step_failure, ...).
	Settings map[string]string

	// SystemData says who created and last changed the deployment, and when.
	SystemData SystemData
}

// DataAssetContainer describes a registered data asset with all its versions.
type DataAssetContainer struct {
	// Name and ID identify the asset.
	Name, ID string
	// Kind is the data type of its versions (uri_file, uri_folder, mltable) when reported.
	Kind string
	// Description of the asset.
	Description string
	// LatestVersion is the most recent version; NextVersion the integer
	// version the service would assign next. Either may be "".
	LatestVersion, NextVersion string
	// Tags and Properties of the asset.
	Tags, Properties map[string]string
	// Archived reports an archived asset.
	Archived bool
	// SystemData says who created and last changed the asset, and when.
	SystemData SystemData
}

func systemDataFromWire(sd *wire.SystemData) SystemData {
	if sd == nil {
		return SystemData{}
	}
	return SystemData{CreatedAt: wire.ParseTime(sd.CreatedAt), CreatedBy: sd.CreatedBy, CreatedByType: sd.CreatedByType,
		LastModifiedAt: wire.ParseTime(sd.LastModifiedAt), LastModifiedBy: sd.LastModifiedBy, LastModifiedByType: sd.LastModifiedByType}
}

func identityFromWire(id *wire.Identity) *ManagedIdentity {
	if id == nil {
		return nil
	}
	m := &ManagedIdentity{Type: id.Type, PrincipalID: id.PrincipalID, TenantID: id.TenantID}
	for k, v := range id.UserAssignedIdentities {
		if m.UserAssigned == nil {
			m.UserAssigned = make(map[string]UserAssignedIdentity, len(id.UserAssignedIdentities))
		}
		m.UserAssigned[k] = UserAssignedIdentity(v)
	}
	return m
}

func assetRefFromWire(r *wire.AssetReference) *AssetReference {
	if r == nil || (r.ReferenceType == "" && r.AssetID == "") {
		return nil
	}
	return &AssetReference{ReferenceType: r.ReferenceType, AssetID: r.AssetID}
}

func endpointFromWire(w *wire.BatchEndpoint) Endpoint {
	p := w.Properties
	e := Endpoint{Name: w.Name, ID: w.ID, Location: w.Location, ScoringURI: p.ScoringURI, Description: p.Description,
		AuthMode: p.AuthMode, OpenAPIURI: p.SwaggerURI, ProvisioningState: p.ProvisioningState, Tags: w.Tags,
		Properties: p.Properties, Identity: identityFromWire(w.Identity), SystemData: systemDataFromWire(w.SystemData)}
	if d := p.Defaults; d != nil && d.DeploymentName != nil {
		e.DefaultDeployment = *d.DeploymentName
	}
	return e
}

// deploymentFromWire reads a deployment of endpoint.
func deploymentFromWire(endpoint string, w *wire.BatchDeployment) Deployment {
	p := w.Properties
	d := Deployment{Name: w.Name, Endpoint: endpoint, ID: w.ID, Kind: DeploymentKindModel, Location: w.Location,
		Description: p.Description, Tags: w.Tags, Properties: p.Properties, ProvisioningState: p.ProvisioningState,
		Compute: p.Compute, Model: assetRefFromWire(p.Model), EnvironmentID: p.EnvironmentID,
		EnvironmentVariables: p.EnvironmentVariables, ErrorThreshold: p.ErrorThreshold, LoggingLevel: p.LoggingLevel,
		MaxConcurrencyPerInstance: p.MaxConcurrencyPerInstance, MiniBatchSize: p.MiniBatchSize,
		OutputAction: p.OutputAction, OutputFileName: p.OutputFileName, SystemData: systemDataFromWire(w.SystemData)}
	if c := p.CodeConfiguration; c != nil {
		d.CodeConfiguration = &CodeConfiguration{CodeID: c.CodeID, ScoringScript: c.ScoringScript}
	}
	if r := p.Resources; r != nil {
		d.Resources = &DeploymentResources{InstanceCount: r.InstanceCount, InstanceType: r.InstanceType, Properties: r.Properties}
	}
	if r := p.RetrySettings; r != nil {
		d.RetrySettings = &RetrySettings{MaxRetries: r.MaxRetries, Timeout: r.Timeout}
	}
	// The same test as Invoke's deployment lookup.
	if cfg := p.DeploymentConfiguration; cfg != nil && strings.EqualFold(cfg.DeploymentConfigurationType, "PipelineComponent") {
		d.Kind = DeploymentKindPipelineComponent
		d.Component = assetRefFromWire(cfg.ComponentID)
		d.Settings = cfg.Settings
	}
	return d
}

func dataContainerFromWire(w *wire.DataContainer) DataAssetContainer {
	p := w.Properties
	return DataAssetContainer{Name: w.Name, ID: w.ID, Kind: p.DataType, Description: p.Description,
		LatestVersion: p.LatestVersion, NextVersion: p.NextVersion, Tags: p.Tags, Properties: p.Properties,
		Archived: p.IsArchived, SystemData: systemDataFromWire(w.SystemData)}
}

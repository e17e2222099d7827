package main

import (
	"strings"
	"time"
	"unicode"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// The printed resources use the snake_case field names az ml prints (its
// entities' _to_dict()), so the same jq and --query expressions work.

func timeString(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// modes maps the service's input and output modes to az's YAML spelling.
var modes = map[string]string{"ReadOnlyMount": "ro_mount", "ReadWriteMount": "rw_mount", "Download": "download",
	"Direct": "direct", "EvalMount": "eval_mount", "EvalDownload": "eval_download", "Upload": "upload"}

func mode(m string) any {
	if m == "" {
		return nil
	}
	if s, ok := modes[m]; ok {
		return s
	}
	return m
}

func creationContext(createdAt time.Time, createdBy string, modifiedAt time.Time, modifiedBy string) map[string]any {
	c := map[string]any{"created_at": timeString(createdAt), "created_by": createdBy,
		"last_modified_at": timeString(modifiedAt), "last_modified_by": modifiedBy}
	if createdBy == "" {
		delete(c, "created_by")
	}
	if modifiedBy == "" {
		delete(c, "last_modified_by")
	}
	return c
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// jobDict is a job as az ml job show prints it (a batch job is a pipeline job).
func jobDict(d batchendpoint.JobDetails) map[string]any {
	in := map[string]any{}
	for name, i := range d.Inputs {
		if i.Kind.IsLiteral() || (i.URI == "" && i.Value != "") {
			in[name] = i.Value
			continue
		}
		e := map[string]any{"type": string(i.Kind), "path": i.URI}
		if m := mode(i.Mode); m != nil {
			e["mode"] = m
		}
		in[name] = e
	}
	out := map[string]any{}
	for name, o := range d.Outputs {
		e := map[string]any{"type": string(o.Kind), "path": o.URI}
		if m := mode(o.Mode); m != nil {
			e["mode"] = m
		}
		out[name] = e
	}
	services := map[string]any{}
	if d.StudioURL != "" {
		services["Studio"] = map[string]any{"endpoint": d.StudioURL, "type": "Studio"}
	}
	if d.TrackingURL != "" {
		services["Tracking"] = map[string]any{"endpoint": d.TrackingURL, "type": "Tracking"}
	}
	j := map[string]any{
		"id": d.ID, "name": d.Name, "type": jobType(d), "display_name": d.DisplayName, "status": string(d.Status),
		"experiment_name": d.ExperimentName, "services": services, "inputs": in, "outputs": out,
		"tags": orEmpty(d.Tags), "properties": orEmpty(d.Properties),
		"creation_context": creationContext(d.CreatedAt, d.CreatedBy, d.LastModifiedAt, d.LastModifiedBy),
	}
	if d.Error != nil {
		j["error"] = jobErrorDict(*d.Error)
	}
	return j
}

// jobType is the job's type as az prints it: a batch job is a pipeline job,
// which is all the data plane reports.
func jobType(d batchendpoint.JobDetails) string {
	if d.JobType == "" {
		return "pipeline"
	}
	return snake(d.JobType)
}

func jobErrorDict(e batchendpoint.JobError) map[string]any {
	m := map[string]any{"code": e.Code, "message": e.Message}
	for _, d := range e.Details {
		details, _ := m["details"].([]any)
		m["details"] = append(details, jobErrorDict(d))
	}
	return m
}

// childJobDict is a child job as az ml job list --parent-job-name prints it.
func childJobDict(c batchendpoint.ChildJob) map[string]any {
	out := map[string]any{}
	for name, o := range c.Outputs {
		out[name] = map[string]any{"type": string(o.Kind), "path": o.URI}
	}
	return map[string]any{"name": c.Name, "display_name": c.DisplayName, "status": string(c.Status),
		"component": c.ModuleName, "outputs": out, "tags": orEmpty(c.Tags), "properties": orEmpty(c.Properties)}
}

// dataDict is a data asset version as az ml data show prints it.
func dataDict(a batchendpoint.DataAsset) map[string]any {
	m := map[string]any{"id": a.ID, "name": a.Name, "version": a.Version, "type": a.Kind, "path": a.Path,
		"tags": orEmpty(a.Tags), "creation_context": map[string]any{"created_at": timeString(a.CreatedAt)}}
	if a.Description != "" {
		m["description"] = a.Description
	}
	return m
}

// datastoreTypes maps ARM datastore types to az's.
var datastoreTypes = map[string]string{"AzureBlob": "azure_blob", "AzureFile": "azure_file",
	"AzureDataLakeGen1": "azure_data_lake_gen1", "AzureDataLakeGen2": "azure_data_lake_gen2", "OneLake": "one_lake"}

// datastoreDict is a datastore as az ml datastore show prints it.
func datastoreDict(d batchendpoint.Datastore) map[string]any {
	t := datastoreTypes[d.Type]
	if t == "" {
		t = snake(d.Type)
	}
	m := map[string]any{"id": d.ID, "name": d.Name, "type": t, "account_name": d.AccountName,
		"endpoint": d.Endpoint, "protocol": d.Protocol, "credentials": map[string]any{}}
	if d.Container != "" {
		if d.Type == "AzureFile" {
			m["file_share_name"] = d.Container
		} else {
			m["container_name"] = d.Container
		}
	}
	if d.CredentialsType != "" && d.CredentialsType != "None" {
		m["credentials"] = map[string]any{"type": snake(d.CredentialsType)}
	}
	return m
}

// nilIfEmpty prints an unset string as null, as az prints an unset field.
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// systemDataDict is systemData as az prints creation_context.
func systemDataDict(sd batchendpoint.SystemData) map[string]any {
	m := map[string]any{}
	set := func(k string, v any) {
		if v != nil && v != "" {
			m[k] = v
		}
	}
	set("created_at", timeString(sd.CreatedAt))
	set("created_by", sd.CreatedBy)
	set("created_by_type", sd.CreatedByType)
	set("last_modified_at", timeString(sd.LastModifiedAt))
	set("last_modified_by", sd.LastModifiedBy)
	set("last_modified_by_type", sd.LastModifiedByType)
	return m
}

// dataContainerDict is a data asset (all versions) as az ml data list prints it.
func dataContainerDict(c batchendpoint.DataAssetContainer) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "latest_version": nilIfEmpty(c.LatestVersion),
		"description": nilIfEmpty(c.Description), "tags": orEmpty(c.Tags), "creation_context": systemDataDict(c.SystemData)}
}

// endpointDict is a batch endpoint as az ml batch-endpoint show prints it.
func endpointDict(e batchendpoint.Endpoint) map[string]any {
	m := map[string]any{"id": e.ID, "name": e.Name, "location": nilIfEmpty(e.Location),
		"description": nilIfEmpty(e.Description), "tags": orEmpty(e.Tags), "properties": orEmpty(e.Properties),
		"auth_mode": snake(e.AuthMode), "scoring_uri": nilIfEmpty(e.ScoringURI), "openapi_uri": nilIfEmpty(e.OpenAPIURI),
		"provisioning_state": nilIfEmpty(e.ProvisioningState), "defaults": map[string]any{"deployment_name": e.DefaultDeployment}}
	if id := e.Identity; id != nil {
		im := map[string]any{"type": id.Type}
		if id.PrincipalID != "" {
			im["principal_id"] = id.PrincipalID
		}
		if id.TenantID != "" {
			im["tenant_id"] = id.TenantID
		}
		if len(id.UserAssigned) > 0 {
			ua := map[string]any{}
			for k, v := range id.UserAssigned {
				ua[k] = map[string]any{"principal_id": v.PrincipalID, "client_id": v.ClientID}
			}
			im["user_assigned_identities"] = ua
		}
		m["identity"] = im
	}
	return m
}

func assetRefDict(r *batchendpoint.AssetReference) map[string]any {
	return map[string]any{"asset_id": r.AssetID, "reference_type": r.ReferenceType}
}

// deploymentDict is a batch deployment as az ml batch-deployment show prints it.
func deploymentDict(d batchendpoint.Deployment) map[string]any {
	m := map[string]any{"id": d.ID, "name": d.Name, "endpoint_name": d.Endpoint, "type": "model",
		"description": nilIfEmpty(d.Description), "tags": orEmpty(d.Tags), "properties": orEmpty(d.Properties),
		"provisioning_state": nilIfEmpty(d.ProvisioningState), "compute": nilIfEmpty(d.Compute),
		"environment_variables": orEmpty(d.EnvironmentVariables)}
	if d.Kind == batchendpoint.DeploymentKindPipelineComponent {
		m["type"] = "pipeline"
		if d.Component != nil {
			m["component"] = d.Component.AssetID
		}
		if d.Settings != nil {
			m["settings"] = d.Settings
		}
		return m
	}
	if d.Model != nil {
		m["model"] = assetRefDict(d.Model)
	}
	if c := d.CodeConfiguration; c != nil {
		m["code_configuration"] = map[string]any{"code_id": c.CodeID, "scoring_script": c.ScoringScript}
	}
	if d.EnvironmentID != "" {
		m["environment_id"] = d.EnvironmentID
	}
	if d.ErrorThreshold != nil {
		m["error_threshold"] = *d.ErrorThreshold
	}
	if d.LoggingLevel != "" {
		m["logging_level"] = d.LoggingLevel
	}
	if d.MaxConcurrencyPerInstance != nil {
		m["max_concurrency_per_instance"] = *d.MaxConcurrencyPerInstance
	}
	if d.MiniBatchSize != nil {
		m["mini_batch_size"] = *d.MiniBatchSize
	}
	if d.OutputAction != "" {
		m["output_action"] = d.OutputAction
	}
	if d.OutputFileName != "" {
		m["output_file_name"] = d.OutputFileName
	}
	if r := d.Resources; r != nil {
		rm := map[string]any{"instance_type": nilIfEmpty(r.InstanceType), "properties": nil}
		if r.InstanceCount != nil {
			rm["instance_count"] = *r.InstanceCount
		}
		if r.Properties != nil {
			rm["properties"] = r.Properties
		}
		m["resources"] = rm
	}
	if r := d.RetrySettings; r != nil {
		rm := map[string]any{"timeout": nilIfEmpty(r.Timeout)}
		if r.MaxRetries != nil {
			rm["max_retries"] = *r.MaxRetries
		}
		m["retry_settings"] = rm
	}
	return m
}

// snake turns camelCase or PascalCase into snake_case (UriFolder -> uri_folder).
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

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
		"id": d.ID, "name": d.Name, "type": "pipeline", "display_name": d.DisplayName, "status": string(d.Status),
		"experiment_name": d.ExperimentName, "services": services, "inputs": in, "outputs": out,
		"tags": orEmpty(d.Tags), "properties": orEmpty(d.Properties),
		"creation_context": creationContext(d.CreatedAt, d.CreatedBy, d.LastModifiedAt, d.LastModifiedBy),
	}
	if d.Error != nil {
		j["error"] = jobErrorDict(*d.Error)
	}
	return j
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

// armDatastore reads an ARM datastore resource into the library's type.
func armDatastore(r map[string]any) batchendpoint.Datastore {
	p := obj(r, "properties")
	return batchendpoint.Datastore{Name: getStr(r, "name"), ID: getStr(r, "id"), Type: getStr(p, "datastoreType"),
		AccountName: getStr(p, "accountName"), Container: first(getStr(p, "containerName"), getStr(p, "fileShareName")),
		Endpoint: getStr(p, "endpoint"), Protocol: getStr(p, "protocol"), IsDefault: p["isDefault"] == true,
		CredentialsType: getStr(obj(p, "credentials"), "credentialsType")}
}

// armDataVersion reads an ARM data version resource into the library's type;
// name is the asset's (the resource's own name is the version).
func armDataVersion(name string, r map[string]any) batchendpoint.DataAsset {
	p := obj(r, "properties")
	created, _ := time.Parse(time.RFC3339Nano, getStr(obj(r, "systemData"), "createdAt"))
	tags := map[string]string{}
	for k, v := range obj(p, "tags") {
		if s, ok := v.(string); ok {
			tags[k] = s
		}
	}
	return batchendpoint.DataAsset{Name: name, Version: getStr(r, "name"), ID: getStr(r, "id"), Kind: snake(getStr(p, "dataType")),
		Path: getStr(p, "dataUri"), Description: getStr(p, "description"), Tags: tags, CreatedAt: created}
}

// dataContainerDict is a data asset (all versions) as az ml data list prints it.
func dataContainerDict(r map[string]any) map[string]any {
	p := obj(r, "properties")
	return map[string]any{"id": getStr(r, "id"), "name": getStr(r, "name"), "latest_version": p["latestVersion"],
		"description": p["description"], "tags": firstMap(obj(p, "tags")),
		"creation_context": snakeKeys(obj(r, "systemData"))}
}

// endpointDict is a batch endpoint as az ml batch-endpoint show prints it.
func endpointDict(r map[string]any) map[string]any {
	p := obj(r, "properties")
	m := map[string]any{"id": getStr(r, "id"), "name": getStr(r, "name"), "location": r["location"],
		"description": p["description"], "tags": firstMap(obj(r, "tags")), "properties": firstMap(obj(p, "properties")),
		"auth_mode": snake(getStr(p, "authMode")), "scoring_uri": p["scoringUri"], "openapi_uri": p["swaggerUri"],
		"provisioning_state": p["provisioningState"], "defaults": map[string]any{"deployment_name": getStr(obj(p, "defaults"), "deploymentName")}}
	if id, ok := r["identity"].(map[string]any); ok {
		m["identity"] = snakeKeys(id)
	}
	return m
}

// deploymentDict is a batch deployment as az ml batch-deployment show prints it.
func deploymentDict(endpoint string, r map[string]any) map[string]any {
	p := obj(r, "properties")
	m := snakeKeys(p)
	delete(m, "deployment_configuration")
	m["id"], m["name"], m["endpoint_name"] = getStr(r, "id"), getStr(r, "name"), endpoint
	m["tags"] = firstMap(obj(r, "tags"))
	if _, ok := m["properties"]; !ok {
		m["properties"] = map[string]any{}
	}
	kind := "model"
	if dc := obj(p, "deploymentConfiguration"); getStr(dc, "deploymentConfigurationType") == "PipelineComponent" {
		kind = "pipeline"
		if c := getStr(dc, "componentId"); c != "" {
			m["component"] = c
		}
		if s, ok := dc["settings"]; ok {
			m["settings"] = s
		}
	} else if dc := obj(p, "deploymentConfiguration"); len(dc) > 0 {
		for k, v := range snakeKeys(dc) {
			if k != "deployment_configuration_type" {
				m[k] = v
			}
		}
	}
	m["type"] = kind
	return m
}

// armJobDict is a job of the workspace's ARM job list in jobDict's shape.
func armJobDict(r map[string]any) map[string]any {
	p := obj(r, "properties")
	services := map[string]any{}
	for name, s := range obj(p, "services") {
		if sm, ok := s.(map[string]any); ok {
			services[name] = map[string]any{"endpoint": sm["endpoint"], "type": first(getStr(sm, "jobServiceType"), name)}
		}
	}
	sd := obj(r, "systemData")
	created, _ := time.Parse(time.RFC3339Nano, getStr(sd, "createdAt"))
	modified, _ := time.Parse(time.RFC3339Nano, getStr(sd, "lastModifiedAt"))
	return map[string]any{"id": getStr(r, "id"), "name": getStr(r, "name"), "type": snake(getStr(p, "jobType")),
		"display_name": getStr(p, "displayName"), "status": getStr(p, "status"), "experiment_name": getStr(p, "experimentName"),
		"services": services, "inputs": snakeKeys(obj(p, "inputs")), "outputs": snakeKeys(obj(p, "outputs")),
		"tags": firstMap(obj(p, "tags")), "properties": firstMap(obj(p, "properties")),
		"creation_context": creationContext(created, getStr(sd, "createdBy"), modified, getStr(sd, "lastModifiedBy"))}
}

func obj(m map[string]any, k string) map[string]any {
	v, _ := m[k].(map[string]any)
	return v
}

func getStr(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
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

// snakeKeys converts the keys of an ARM object, recursively, except under
// tags and properties (user keys) and input/output names.
func snakeKeys(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		sk := snake(k)
		switch x := v.(type) {
		case map[string]any:
			if sk == "tags" || sk == "properties" || sk == "inputs" || sk == "outputs" {
				inner := map[string]any{}
				for ik, iv := range x {
					if im, ok := iv.(map[string]any); ok && (sk == "inputs" || sk == "outputs") {
						inner[ik] = snakeKeys(im)
					} else {
						inner[ik] = iv
					}
				}
				out[sk] = inner
				continue
			}
			out[sk] = snakeKeys(x)
		default:
			out[sk] = v
		}
	}
	return out
}

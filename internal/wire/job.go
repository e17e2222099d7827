package wire

import "strings"

// Data-plane input types (jobInputType). The batch data plane uses PascalCase values.
const (
	InputURIFolder   = "UriFolder"
	InputURIFile     = "UriFile"
	InputLiteral     = "Literal"
	InputMLTable     = "MLTable"
	InputMLFlowModel = "MLFlowModel"
	InputCustomModel = "CustomModel"
	InputTritonModel = "TritonModel"
)

// BatchJobResource is the body of the invoke POST and of the data-plane job responses.
type BatchJobResource struct {
	ID         string      `json:"id,omitempty"`
	Name       string      `json:"name,omitempty"`
	Type       string      `json:"type,omitempty"`
	Properties BatchJob    `json:"properties"`
	SystemData *SystemData `json:"systemData,omitempty"`
}

// BatchJob is the properties bag of a batch job (data-plane model 2020-09-01-dataplanepreview).
// Field order is alphabetical, as the Python serializer writes it.
type BatchJob struct {
	Compute                   *Compute               `json:"compute,omitempty"`
	Dataset                   *LegacyDataset         `json:"dataset,omitempty"`
	Description               string                 `json:"description,omitempty"`
	ErrorThreshold            *int32                 `json:"errorThreshold,omitempty"`
	InputData                 map[string]JobInput    `json:"inputData,omitempty"`
	InteractionEndpoints      map[string]JobEndpoint `json:"interactionEndpoints,omitempty"`
	LoggingLevel              string                 `json:"loggingLevel,omitempty"`
	MaxConcurrencyPerInstance *int32                 `json:"maxConcurrencyPerInstance,omitempty"`
	MiniBatchSize             *int64                 `json:"miniBatchSize,omitempty"`
	Name                      string                 `json:"name,omitempty"`
	Output                    *OutputArtifacts       `json:"output,omitempty"`
	OutputData                map[string]JobOutput   `json:"outputData,omitempty"`
	OutputDataset             *OutputDataset         `json:"outputDataset,omitempty"`
	OutputFileName            string                 `json:"outputFileName,omitempty"`
	Properties                map[string]string      `json:"properties,omitempty"`
	ProvisioningState         string                 `json:"provisioningState,omitempty"`
	RetrySettings             *RetrySettings         `json:"retrySettings,omitempty"`
	Status                    string                 `json:"status,omitempty"`
	Tags                      map[string]string      `json:"tags,omitempty"`
}

// JobInput is one entry of inputData. Data inputs carry URI (and optionally Mode);
// literals carry Value, always as a string.
type JobInput struct {
	Description  *string `json:"description,omitempty"`
	URI          string  `json:"uri,omitempty"`
	Mode         string  `json:"mode,omitempty"`
	Value        *string `json:"value,omitempty"`
	JobInputType string  `json:"jobInputType"`
}

// JobOutput is one entry of outputData.
type JobOutput struct {
	Description   *string `json:"description,omitempty"`
	URI           string  `json:"uri,omitempty"`
	Mode          string  `json:"mode,omitempty"`
	JobOutputType string  `json:"jobOutputType"`
}

// Compute overrides the deployment's compute settings.
type Compute struct {
	Target        string            `json:"target,omitempty"`
	InstanceCount *int32            `json:"instanceCount,omitempty"`
	InstanceType  string            `json:"instanceType,omitempty"`
	IsLocal       *bool             `json:"isLocal,omitempty"`
	Location      string            `json:"location,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
}

// RetrySettings overrides the deployment's per-mini-batch retry settings.
type RetrySettings struct {
	MaxRetries *int32 `json:"maxRetries,omitempty"`
	Timeout    string `json:"timeout,omitempty"` // ISO-8601 duration
}

// JobEndpoint is an entry of interactionEndpoints (Studio, Tracking).
type JobEndpoint struct {
	JobEndpointType string `json:"jobEndpointType,omitempty"`
	Endpoint        string `json:"endpoint,omitempty"`
	Port            *int32 `json:"port,omitempty"`
}

// OutputArtifacts is the read-only output location of the job's artifacts.
type OutputArtifacts struct {
	DatastoreID string `json:"datastoreId,omitempty"`
	Path        string `json:"path,omitempty"`
}

// OutputDataset is the legacy (V1) output location: a datastore id and a path.
type OutputDataset struct {
	DatastoreID string `json:"datastoreId,omitempty"`
	Path        string `json:"path,omitempty"`
}

// LegacyDataset is the deprecated V1 "dataset" input form.
type LegacyDataset struct {
	DataInputType string `json:"dataInputType,omitempty"`
	Path          string `json:"path,omitempty"`
}

// SystemData is the ARM/data-plane creation metadata.
type SystemData struct {
	CreatedAt          string `json:"createdAt,omitempty"`
	CreatedBy          string `json:"createdBy,omitempty"`
	CreatedByType      string `json:"createdByType,omitempty"`
	LastModifiedAt     string `json:"lastModifiedAt,omitempty"`
	LastModifiedBy     string `json:"lastModifiedBy,omitempty"`
	LastModifiedByType string `json:"lastModifiedByType,omitempty"`
}

// NormalizeInputType maps any spelling of an input type (UriFolder, uri_folder,
// URIFOLDER) to the data-plane PascalCase value; unknown values are returned as is.
func NormalizeInputType(s string) string {
	switch key(s) {
	case "urifolder":
		return InputURIFolder
	case "urifile":
		return InputURIFile
	case "literal":
		return InputLiteral
	case "mltable":
		return InputMLTable
	case "mlflowmodel":
		return InputMLFlowModel
	case "custommodel":
		return InputCustomModel
	case "tritonmodel":
		return InputTritonModel
	}
	return s
}

func key(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// Find returns the value of m whose key equals k ignoring case; the service treats
// keys such as interactionEndpoints' "Studio" case-insensitively.
func Find[V any](m map[string]V, k string) (V, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for kk, v := range m {
		if strings.EqualFold(kk, k) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

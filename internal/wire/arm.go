package wire

// ARM resource shapes (Microsoft.MachineLearningServices, api-version 2025-12-01),
// reduced to the fields azmlbatch reads or the emulator serves.

// ErrorResponse is the ARM / AzureML error envelope.
type ErrorResponse struct {
	Error       ErrorDetail    `json:"error"`
	Correlation map[string]any `json:"correlation,omitempty"`
}

// ErrorDetail is error.* of the envelope; details repeat the same shape.
type ErrorDetail struct {
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	Target     string        `json:"target,omitempty"`
	Details    []ErrorDetail `json:"details,omitempty"`
	InnerError any           `json:"innerError,omitempty"`
}

// BatchEndpoint is a batch endpoint resource.
type BatchEndpoint struct {
	ID         string                  `json:"id,omitempty"`
	Name       string                  `json:"name,omitempty"`
	Type       string                  `json:"type,omitempty"`
	Location   string                  `json:"location,omitempty"`
	Tags       map[string]string       `json:"tags,omitempty"`
	Identity   *Identity               `json:"identity,omitempty"`
	Properties BatchEndpointProperties `json:"properties"`
	SystemData *SystemData             `json:"systemData,omitempty"`
}

// BatchEndpointProperties are the properties of a batch endpoint.
type BatchEndpointProperties struct {
	AuthMode          string                 `json:"authMode,omitempty"`
	Description       string                 `json:"description,omitempty"`
	ScoringURI        string                 `json:"scoringUri,omitempty"`
	SwaggerURI        string                 `json:"swaggerUri,omitempty"`
	Defaults          *BatchEndpointDefaults `json:"defaults,omitempty"`
	ProvisioningState string                 `json:"provisioningState,omitempty"`
	Properties        map[string]string      `json:"properties,omitempty"`
}

// BatchEndpointDefaults names the default deployment.
type BatchEndpointDefaults struct {
	DeploymentName *string `json:"deploymentName"`
}

// BatchDeployment is a batch deployment resource.
type BatchDeployment struct {
	ID         string                    `json:"id,omitempty"`
	Name       string                    `json:"name,omitempty"`
	Type       string                    `json:"type,omitempty"`
	Location   string                    `json:"location,omitempty"`
	Tags       map[string]string         `json:"tags,omitempty"`
	Properties BatchDeploymentProperties `json:"properties"`
	SystemData *SystemData               `json:"systemData,omitempty"`
}

// BatchDeploymentProperties are the properties of a batch deployment (model or pipeline component).
type BatchDeploymentProperties struct {
	Description               string                   `json:"description,omitempty"`
	Compute                   string                   `json:"compute,omitempty"`
	DeploymentConfiguration   *DeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
	ErrorThreshold            *int32                   `json:"errorThreshold,omitempty"`
	LoggingLevel              string                   `json:"loggingLevel,omitempty"`
	MaxConcurrencyPerInstance *int32                   `json:"maxConcurrencyPerInstance,omitempty"`
	MiniBatchSize             *int64                   `json:"miniBatchSize,omitempty"`
	Model                     *AssetReference          `json:"model,omitempty"`
	OutputAction              string                   `json:"outputAction,omitempty"`
	OutputFileName            string                   `json:"outputFileName,omitempty"`
	Resources                 *DeploymentResources     `json:"resources,omitempty"`
	RetrySettings             *RetrySettings           `json:"retrySettings,omitempty"`
	ProvisioningState         string                   `json:"provisioningState,omitempty"`
	Properties                map[string]string        `json:"properties,omitempty"`
	CodeConfiguration         *CodeConfiguration       `json:"codeConfiguration,omitempty"`
	EnvironmentID             string                   `json:"environmentId,omitempty"`
	EnvironmentVariables      map[string]string        `json:"environmentVariables,omitempty"`
}

// DeploymentConfiguration is the discriminated configuration of a deployment;
// DeploymentConfigurationType "PipelineComponent" marks a pipeline component deployment.
type DeploymentConfiguration struct {
	DeploymentConfigurationType string            `json:"deploymentConfigurationType"`
	ComponentID                 *AssetReference   `json:"componentId,omitempty"`
	Settings                    map[string]string `json:"settings,omitempty"`
}

// AssetReference points at a registered asset.
type AssetReference struct {
	ReferenceType string `json:"referenceType,omitempty"`
	AssetID       string `json:"assetId,omitempty"`
}

// DeploymentResources holds the instance count.
type DeploymentResources struct {
	InstanceCount *int32         `json:"instanceCount,omitempty"`
	InstanceType  string         `json:"instanceType,omitempty"`
	Properties    map[string]any `json:"properties,omitempty"`
}

// Datastore is a datastore resource.
type Datastore struct {
	ID         string              `json:"id,omitempty"`
	Name       string              `json:"name,omitempty"`
	Type       string              `json:"type,omitempty"`
	Properties DatastoreProperties `json:"properties"`
	SystemData *SystemData         `json:"systemData,omitempty"`
}

// DatastoreProperties covers Blob (containerName) and ADLS Gen2 (filesystem) datastores.
type DatastoreProperties struct {
	DatastoreType string                `json:"datastoreType"`
	Description   string                `json:"description,omitempty"`
	AccountName   string                `json:"accountName,omitempty"`
	ContainerName string                `json:"containerName,omitempty"`
	Filesystem    string                `json:"filesystem,omitempty"`
	FileShareName string                `json:"fileShareName,omitempty"`
	Endpoint      string                `json:"endpoint,omitempty"`
	Protocol      string                `json:"protocol,omitempty"`
	IsDefault     bool                  `json:"isDefault"`
	Credentials   *DatastoreCredentials `json:"credentials,omitempty"`
}

// DatastoreCredentials names the credential kind (AccountKey, Sas, None, ServicePrincipal, ...).
type DatastoreCredentials struct {
	CredentialsType string `json:"credentialsType"`
}

// DatastoreSecrets is the body of listSecrets.
type DatastoreSecrets struct {
	SecretsType string `json:"secretsType"`
	Key         string `json:"key,omitempty"`
	SASToken    string `json:"sasToken,omitempty"`
}

// DataVersion is a data asset version resource.
type DataVersion struct {
	ID         string                `json:"id,omitempty"`
	Name       string                `json:"name,omitempty"`
	Type       string                `json:"type,omitempty"`
	Properties DataVersionProperties `json:"properties"`
	SystemData *SystemData           `json:"systemData,omitempty"`
}

// DataVersionProperties are the properties of a data asset version.
type DataVersionProperties struct {
	DataType    string            `json:"dataType"` // uri_file | uri_folder | mltable
	DataURI     string            `json:"dataUri"`
	Description string            `json:"description,omitempty"`
	IsAnonymous bool              `json:"isAnonymous,omitempty"`
	IsArchived  bool              `json:"isArchived,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Properties  map[string]string `json:"properties,omitempty"`
}

// Job is an ARM job (JobBase) as returned by Jobs_Get; batch jobs appear as pipeline jobs.
type Job struct {
	ID         string        `json:"id,omitempty"`
	Name       string        `json:"name,omitempty"`
	Type       string        `json:"type,omitempty"`
	Properties JobProperties `json:"properties"`
	SystemData *SystemData   `json:"systemData,omitempty"`
}

// JobProperties are the properties of an ARM job.
type JobProperties struct {
	Description    string                  `json:"description,omitempty"`
	DisplayName    string                  `json:"displayName,omitempty"`
	ExperimentName string                  `json:"experimentName,omitempty"`
	JobType        string                  `json:"jobType,omitempty"`
	Status         string                  `json:"status,omitempty"`
	ComputeID      string                  `json:"computeId,omitempty"`
	Tags           map[string]string       `json:"tags,omitempty"`
	Properties     map[string]string       `json:"properties,omitempty"`
	Services       map[string]JobService   `json:"services,omitempty"`
	Inputs         map[string]ARMJobInput  `json:"inputs,omitempty"`
	Outputs        map[string]ARMJobOutput `json:"outputs,omitempty"`
}

// JobService is an entry of an ARM job's services (Studio, Tracking).
type JobService struct {
	JobServiceType string `json:"jobServiceType,omitempty"`
	Endpoint       string `json:"endpoint,omitempty"`
	Status         string `json:"status,omitempty"`
	ErrorMessage   string `json:"errorMessage,omitempty"`
}

// ARMJobInput is an ARM job input; ARM uses snake_case types (uri_folder, literal).
type ARMJobInput struct {
	JobInputType string `json:"jobInputType"`
	URI          string `json:"uri,omitempty"`
	Mode         string `json:"mode,omitempty"`
	Value        string `json:"value,omitempty"`
}

// ARMJobOutput is an ARM job output.
type ARMJobOutput struct {
	JobOutputType string `json:"jobOutputType"`
	URI           string `json:"uri,omitempty"`
	Mode          string `json:"mode,omitempty"`
}

// List is an ARM list page.
type List[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"nextLink,omitempty"`
}

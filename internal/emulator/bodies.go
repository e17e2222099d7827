package emulator

// The emulator's own encoding of the bodies it sends. It deliberately does not
// share internal/wire with the client: each side writes the contract down
// independently, so a mistake in one shows up as a failing test against the
// other. Fields follow the service's responses, including explicit nulls.

// list is an ARM (and data-plane) list page.
type list[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"nextLink,omitempty"`
}

// --- data plane (api-version 2020-09-01-dataplanepreview) ---------------------

// batchJobResource is a data-plane job: the answer to the invoke POST and to job GETs.
type batchJobResource struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Properties batchJob        `json:"properties"`
	SystemData *dataSystemData `json:"systemData,omitempty"`
}

type batchJob struct {
	Compute              *batchCompute              `json:"compute,omitempty"`
	Description          string                     `json:"description,omitempty"`
	InputData            map[string]batchJobInput   `json:"inputData,omitempty"`
	InteractionEndpoints map[string]batchJobService `json:"interactionEndpoints,omitempty"`
	Name                 string                     `json:"name,omitempty"`
	Output               *outputArtifacts           `json:"output,omitempty"`
	OutputData           map[string]batchJobOutput  `json:"outputData,omitempty"`
	Properties           map[string]string          `json:"properties,omitempty"`
	ProvisioningState    string                     `json:"provisioningState,omitempty"`
	RetrySettings        *retrySettings             `json:"retrySettings,omitempty"`
	Status               string                     `json:"status,omitempty"`
	Tags                 map[string]string          `json:"tags,omitempty"`
}

// batchJobInput is an inputData entry: data inputs carry uri and mode, literals a string value.
type batchJobInput struct {
	URI          string  `json:"uri,omitempty"`
	Mode         string  `json:"mode,omitempty"`
	Value        *string `json:"value,omitempty"`
	JobInputType string  `json:"jobInputType"`
}

type batchJobOutput struct {
	URI           string `json:"uri,omitempty"`
	Mode          string `json:"mode,omitempty"`
	JobOutputType string `json:"jobOutputType"`
}

type batchCompute struct {
	Target        string `json:"target,omitempty"`
	InstanceCount *int32 `json:"instanceCount,omitempty"`
	IsLocal       *bool  `json:"isLocal,omitempty"`
}

type retrySettings struct {
	MaxRetries *int32 `json:"maxRetries,omitempty"`
	Timeout    string `json:"timeout,omitempty"` // ISO-8601 duration
}

type batchJobService struct {
	JobEndpointType string `json:"jobEndpointType,omitempty"`
	Endpoint        string `json:"endpoint,omitempty"`
}

type outputArtifacts struct {
	DatastoreID string `json:"datastoreId,omitempty"`
	Path        string `json:"path,omitempty"`
}

type dataSystemData struct {
	CreatedAt      string `json:"createdAt,omitempty"`
	CreatedBy      string `json:"createdBy,omitempty"`
	LastModifiedAt string `json:"lastModifiedAt,omitempty"`
	LastModifiedBy string `json:"lastModifiedBy,omitempty"`
}

// --- ARM (api-version 2024-04-01 and compatible) ------------------------------

// armSystemData is ARM's systemData block.
type armSystemData struct {
	CreatedAt          string `json:"createdAt"`
	CreatedBy          string `json:"createdBy"`
	CreatedByType      string `json:"createdByType"`
	LastModifiedAt     string `json:"lastModifiedAt"`
	LastModifiedBy     string `json:"lastModifiedBy"`
	LastModifiedByType string `json:"lastModifiedByType"`
}

type armIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
}

type armSKU struct {
	Name string `json:"name"`
	Tier string `json:"tier"`
}

type armWorkspace struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Kind       string            `json:"kind"`
	Tags       map[string]string `json:"tags"`
	Identity   armIdentity       `json:"identity"`
	SKU        armSKU            `json:"sku"`
	SystemData armSystemData     `json:"systemData"`
	Properties armWorkspaceProps `json:"properties"`
}

type armWorkspaceProps struct {
	FriendlyName        string `json:"friendlyName"`
	Description         string `json:"description"`
	WorkspaceID         string `json:"workspaceId"`
	ProvisioningState   string `json:"provisioningState"`
	DiscoveryURL        string `json:"discoveryUrl"`
	MLFlowTrackingURI   string `json:"mlFlowTrackingUri"`
	StorageAccount      string `json:"storageAccount"`
	HBIWorkspace        bool   `json:"hbiWorkspace"`
	PublicNetworkAccess string `json:"publicNetworkAccess"`
	CreationTime        string `json:"creationTime"`
	TenantID            string `json:"tenantId"`
}

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

type armDeployment struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Type       string             `json:"type"`
	Location   string             `json:"location"`
	Tags       map[string]string  `json:"tags"`
	Properties armDeploymentProps `json:"properties"`
	SystemData armSystemData      `json:"systemData"`
}

// armDeploymentProps holds both kinds: model deployments fill the fields from
// CodeConfiguration to Resources, pipeline deployments DeploymentConfiguration.
type armDeploymentProps struct {
	Description          *string           `json:"description"`
	Properties           map[string]string `json:"properties"`
	ProvisioningState    string            `json:"provisioningState"`
	Compute              string            `json:"compute"`
	EnvironmentVariables map[string]string `json:"environmentVariables"`

	CodeConfiguration         *armCodeConfiguration `json:"codeConfiguration,omitempty"`
	EnvironmentID             string                `json:"environmentId,omitempty"`
	Model                     *armAssetReference    `json:"model,omitempty"`
	ErrorThreshold            *int                  `json:"errorThreshold,omitempty"`
	RetrySettings             *armRetrySettings     `json:"retrySettings,omitempty"`
	MiniBatchSize             *int                  `json:"miniBatchSize,omitempty"`
	LoggingLevel              string                `json:"loggingLevel,omitempty"`
	MaxConcurrencyPerInstance *int                  `json:"maxConcurrencyPerInstance,omitempty"`
	OutputAction              string                `json:"outputAction,omitempty"`
	OutputFileName            string                `json:"outputFileName,omitempty"`
	Resources                 *armResources         `json:"resources,omitempty"`

	DeploymentConfiguration *armDeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
}

type armCodeConfiguration struct {
	CodeID        string `json:"codeId"`
	ScoringScript string `json:"scoringScript"`
}

type armAssetReference struct {
	ReferenceType string `json:"referenceType"`
	AssetID       string `json:"assetId"`
}

type armRetrySettings struct {
	MaxRetries int    `json:"maxRetries"`
	Timeout    string `json:"timeout"`
}

type armResources struct {
	InstanceCount int               `json:"instanceCount"`
	InstanceType  *string           `json:"instanceType"`
	Properties    map[string]string `json:"properties"` // null
}

type armDeploymentConfiguration struct {
	DeploymentConfigurationType string            `json:"deploymentConfigurationType"`
	ComponentID                 armAssetReference `json:"componentId"`
	Settings                    map[string]string `json:"settings"`
	Tags                        map[string]string `json:"tags"`
	Description                 *string           `json:"description"`
}

type armDataVersionProps struct {
	DataType    string            `json:"dataType"`
	DataURI     string            `json:"dataUri"`
	Description *string           `json:"description"`
	Tags        map[string]string `json:"tags"`
	Properties  map[string]string `json:"properties"`
	IsAnonymous bool              `json:"isAnonymous"`
	IsArchived  bool              `json:"isArchived"`
}

// armProxyResource is the envelope ARM gives a resource without a location
// (data versions and containers, datastores, jobs) around its properties.
type armProxyResource[P any] struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Type       string        `json:"type"`
	Properties P             `json:"properties"`
	SystemData armSystemData `json:"systemData"`
}

type armDataVersion = armProxyResource[armDataVersionProps]

type armDataContainer = armProxyResource[armDataContainerProps]

type armDataContainerProps struct {
	Description   *string           `json:"description"`
	Tags          map[string]string `json:"tags"`
	Properties    map[string]string `json:"properties"`
	IsArchived    bool              `json:"isArchived"`
	DataType      string            `json:"dataType,omitempty"`
	LatestVersion string            `json:"latestVersion,omitempty"`
	NextVersion   string            `json:"nextVersion,omitempty"`
}

type armDatastore = armProxyResource[armDatastoreProps]

type armDatastoreProps struct {
	Description                   *string           `json:"description"`
	Tags                          map[string]string `json:"tags"`
	Properties                    map[string]string `json:"properties"`
	IsDefault                     bool              `json:"isDefault"`
	Credentials                   armDatastoreCreds `json:"credentials"`
	DatastoreType                 string            `json:"datastoreType"`
	AccountName                   string            `json:"accountName"`
	Endpoint                      string            `json:"endpoint"`
	Protocol                      string            `json:"protocol"`
	ServiceDataAccessAuthIdentity string            `json:"serviceDataAccessAuthIdentity"`
	SubscriptionID                string            `json:"subscriptionId"`
	ResourceGroup                 string            `json:"resourceGroup"`
	ContainerName                 string            `json:"containerName,omitempty"` // AzureBlob
	Filesystem                    string            `json:"filesystem,omitempty"`    // AzureDataLakeGen2
	FileShareName                 string            `json:"fileShareName,omitempty"` // AzureFile
}

type armDatastoreCreds struct {
	CredentialsType string               `json:"credentialsType"`
	Secrets         *armDatastoreSecrets `json:"secrets,omitempty"`
}

// armDatastoreSecrets is the secrets block of a datastore (type only) and the
// answer of listSecrets (with the key or SAS token).
type armDatastoreSecrets struct {
	SecretsType string `json:"secretsType"`
	Key         string `json:"key,omitempty"`
	SASToken    string `json:"sasToken,omitempty"`
}

type armJobService struct {
	JobServiceType string            `json:"jobServiceType"`
	Port           *int              `json:"port"`
	Endpoint       string            `json:"endpoint"`
	Status         *string           `json:"status"`
	ErrorMessage   *string           `json:"errorMessage"`
	Properties     map[string]string `json:"properties"`
}

// armJobInput is an ARM job input; ARM spells types in snake_case (uri_folder, literal).
type armJobInput struct {
	JobInputType string `json:"jobInputType"`
	URI          string `json:"uri,omitempty"`
	Mode         string `json:"mode,omitempty"`
	Value        string `json:"value,omitempty"`
}

type armJobOutput struct {
	JobOutputType string `json:"jobOutputType"`
	URI           string `json:"uri,omitempty"`
	Mode          string `json:"mode,omitempty"`
}

type armJobProps struct {
	Description    *string                  `json:"description"`
	Tags           map[string]string        `json:"tags"`
	Properties     map[string]string        `json:"properties"`
	DisplayName    string                   `json:"displayName"`
	Status         string                   `json:"status"`
	ExperimentName string                   `json:"experimentName"`
	Services       map[string]armJobService `json:"services"`
	ComputeID      string                   `json:"computeId"`
	IsArchived     bool                     `json:"isArchived"`
	JobType        string                   `json:"jobType"`
	Settings       map[string]string        `json:"settings"`
	Inputs         map[string]armJobInput   `json:"inputs"`
	Outputs        map[string]armJobOutput  `json:"outputs"`
}

type armJob = armProxyResource[armJobProps]

// runDetails is Run History's run details, where clients read a failed job's
// error and its log files; child lists and run data carry the same run shape.
type runDetails struct {
	RunID        string            `json:"runId"`
	RunUUID      string            `json:"runUuid"`
	ParentRunID  *string           `json:"parentRunId"`
	RootRunID    string            `json:"rootRunId"`
	ExperimentID string            `json:"experimentId"`
	DisplayName  string            `json:"displayName"`
	RunType      string            `json:"runType"`
	Status       string            `json:"status"`
	Target       string            `json:"target"`
	StartTimeUTC string            `json:"startTimeUtc"`
	EndTimeUTC   string            `json:"endTimeUtc,omitempty"`
	Properties   map[string]string `json:"properties"`
	Tags         map[string]string `json:"tags"`
	Warnings     []string          `json:"warnings"`
	Error        *runError         `json:"error"`
	// LogFiles maps a log's name (user_logs/std_log.txt) to a read-only SAS
	// URL; always an object (azure-ai-ml's jobs.stream fails on null).
	LogFiles map[string]string `json:"logFiles"`
}

// runList is Run History's paged run list (children of a run).
type runList struct {
	Value             []runDetails `json:"value"`
	ContinuationToken *string      `json:"continuationToken"`
	NextLink          *string      `json:"nextLink"`
}

// runMetadata is a run with its outputs, as POST rundata answers.
type runMetadata struct {
	runDetails
	Outputs map[string]typedAssetReference `json:"outputs"`
}

// typedAssetReference is a run output: the asset id and its PascalCase type
// (UriFile, UriFolder): azure-ai-ml writes no files for a snake_case type.
type typedAssetReference struct {
	AssetID string `json:"assetId"`
	Type    string `json:"type"`
}

type runDataResult struct {
	RunMetadata runMetadata `json:"runMetadata"`
}

// resolvedURI is one entry of batchGetResolvedUris' answer.
type resolvedURI struct {
	URI  string `json:"uri"`
	Type string `json:"type,omitempty"`
}

type runError struct {
	Error       runErrorDetail `json:"error"`
	Correlation correlation    `json:"correlation"`
	Time        string         `json:"time"`
}

type runErrorDetail struct {
	Code       string     `json:"code"`
	Message    string     `json:"message"`
	Details    []struct{} `json:"details"`
	InnerError *struct{}  `json:"innerError"`
}

type correlation struct {
	Operation string `json:"operation"`
	Request   string `json:"request"`
}

// --- error envelopes ------------------------------------------------------------

// armErrorBody is ARM's lean envelope.
type armErrorBody struct {
	Error armErrorDetail `json:"error"`
}

type armErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// azureMLErrorBody is the Machine Learning service's envelope; the nulls are
// fields the service sends that the emulator has no value for.
type azureMLErrorBody struct {
	Error         azureMLErrorDetail `json:"error"`
	Correlation   correlation        `json:"correlation"`
	Environment   string             `json:"environment"`
	Location      string             `json:"location"`
	Time          string             `json:"time"`
	ComponentName string             `json:"componentName"`
}

type azureMLErrorDetail struct {
	Code              string             `json:"code"`
	Severity          *int               `json:"severity"`
	Message           string             `json:"message"`
	MessageFormat     *string            `json:"messageFormat"`
	MessageParameters map[string]string  `json:"messageParameters"`
	ReferenceCode     *string            `json:"referenceCode"`
	DetailsURI        *string            `json:"detailsUri"`
	Target            *string            `json:"target"`
	Details           []struct{}         `json:"details"`
	InnerError        *azureMLInnerError `json:"innerError"`
	DebugInfo         *struct{}          `json:"debugInfo"`
	AdditionalInfo    []struct{}         `json:"additionalInfo"`
}

type azureMLInnerError struct {
	Code       string    `json:"code"`
	InnerError *struct{} `json:"innerError"`
}

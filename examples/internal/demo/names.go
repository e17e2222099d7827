package demo

// Names used by Microsoft's how-to "Create jobs and input data for batch
// endpoints" (learn.microsoft.com/azure/machine-learning/how-to-access-data-batch-endpoints-jobs)
// and by every example.
const (
	// Endpoint is the batch endpoint.
	Endpoint = "heart-classifier"
	// ModelDeployment is the endpoint's default deployment, a model deployment.
	ModelDeployment = "classifier-xgboost"
	// PipelineDeployment is a pipeline component deployment with data input
	// heart_data, literal input score_mode and output score.
	PipelineDeployment = "uci-classifier-prepros-xgb"
	// PipelineEndpoint is a second batch endpoint whose default deployment,
	// PipelineEndpointDeployment, is a pipeline component deployment with one
	// optional data input of any name, literal score_mode and output score:
	// the kind of endpoint the how-to's pipeline-only command lines (experiment
	// name with --input, a literal input alone) are written for.
	PipelineEndpoint           = "heart-pipeline"
	PipelineEndpointDeployment = "heart-pipeline-default"
	// DataAsset is the data asset created from the local data folder.
	DataAsset = "heart-data"
	// Datastore is the workspace's default blob datastore.
	Datastore = "workspaceblobstore"
	// FileDatastore is an Azure Files datastore, which cannot receive outputs.
	FileDatastore = "workspacefilestore"
	// DatastorePath is where the how-to uploads data inside Datastore.
	DatastorePath = "heart-disease-uci-unlabeled"
	// Experiment is the how-to's experiment name.
	Experiment = "my-batch-job-experiment"

	// ExampleDataContainer and ExampleDataPrefix place the "public example data"
	// (the how-to's https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data)
	// in the local storage account.
	ExampleDataContainer = "data"
	ExampleDataPrefix    = "heart-disease-uci/data"

	// PublicExampleDataURL is the how-to's public dataset, used against real Azure.
	PublicExampleDataURL = "https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"
)

// Local workspace identity (any values work; the emulator serves whatever is registered).
const (
	SubscriptionID = "00000000-0000-0000-0000-000000000000"
	ResourceGroup  = "azmlbatch-local"
	WorkspaceName  = "heart-workspace"
)

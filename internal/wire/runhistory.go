package wire

// Run History and dataset data-plane shapes (README.md, "Run History"): what
// azure-ai-ml's RunOperations and DatasetDataplaneOperations send and read.

// Run is one run of Run History: a job or one of its child runs (the steps of
// a pipeline, the batchscoring child of a model deployment's job).
type Run struct {
	RunID       string                         `json:"runId"`
	ParentRunID string                         `json:"parentRunId,omitempty"`
	DisplayName string                         `json:"displayName,omitempty"`
	Name        string                         `json:"name,omitempty"`
	Status      string                         `json:"status,omitempty"`
	RunType     string                         `json:"runType,omitempty"`
	Properties  map[string]string              `json:"properties,omitempty"`
	Tags        map[string]string              `json:"tags,omitempty"`
	Outputs     map[string]TypedAssetReference `json:"outputs,omitempty"`
}

// RunList is the answer of GET .../runs/{run}/children: one page of runs.
type RunList struct {
	Value             []Run  `json:"value"`
	NextLink          string `json:"nextLink,omitempty"`
	ContinuationToken string `json:"continuationToken,omitempty"`
}

// RunDetails is the answer of GET .../runs/{run}/details. LogFiles maps each
// log's name (user_logs/std_log.txt, system_logs/...) to a URL that reads it,
// with a SAS: no bearer token is sent there.
type RunDetails struct {
	RunID    string            `json:"runId,omitempty"`
	Status   string            `json:"status,omitempty"`
	LogFiles map[string]string `json:"logFiles"`
	Error    *RunError         `json:"error,omitempty"`
}

// RunError wraps a failed run's error detail.
type RunError struct {
	Error ErrorDetail `json:"error"`
}

// TypedAssetReference names an output's asset: an id to resolve with
// BatchGetResolvedURIs and the output's type in PascalCase (UriFile, UriFolder).
type TypedAssetReference struct {
	AssetID string `json:"assetId"`
	Type    string `json:"type,omitempty"`
}

// GetRunDataRequest is the body of POST .../rundata.
type GetRunDataRequest struct {
	RunID                  string `json:"runId"`
	SelectRunMetadata      bool   `json:"selectRunMetadata"`
	SelectRunDefinition    bool   `json:"selectRunDefinition"`
	SelectJobSpecification bool   `json:"selectJobSpecification"`
}

// GetRunDataResult is the answer of POST .../rundata; only the run metadata is read.
type GetRunDataResult struct {
	RunMetadata *Run `json:"runMetadata,omitempty"`
}

// BatchGetResolvedURIs is the body of POST /data/v1.0{ws}/dataversion/batchGetResolvedUris.
type BatchGetResolvedURIs struct {
	Values []string `json:"values"`
}

// BatchDataURIResponse maps each asset id to its location.
type BatchDataURIResponse struct {
	Values map[string]DataURI `json:"values"`
}

// DataURI is one resolved asset location: azureml://subscriptions/.../datastores/{ds}/paths/{p}.
type DataURI struct {
	URI  string `json:"uri"`
	Type string `json:"type,omitempty"`
}

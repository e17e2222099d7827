package wire

// DataVersionCreate is the body of a data version PUT (DataVersions_CreateOrUpdate).
// Unlike DataVersionProperties it always sends isAnonymous, as az ml does.
type DataVersionCreate struct {
	Properties DataVersionCreateProperties `json:"properties"`
}

// DataVersionCreateProperties are the properties of a data version PUT.
type DataVersionCreateProperties struct {
	DataType    string            `json:"dataType"`
	DataURI     string            `json:"dataUri"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	IsAnonymous bool              `json:"isAnonymous"`
}

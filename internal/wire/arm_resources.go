package wire

// Shapes the resource listings read (batch endpoints, deployments, data
// containers), next to those in arm.go.

// Identity is a resource's managed identity (ManagedServiceIdentity).
type Identity struct {
	Type                   string                          `json:"type,omitempty"`
	PrincipalID            string                          `json:"principalId,omitempty"`
	TenantID               string                          `json:"tenantId,omitempty"`
	UserAssignedIdentities map[string]UserAssignedIdentity `json:"userAssignedIdentities,omitempty"`
}

// UserAssignedIdentity is an entry of Identity.UserAssignedIdentities, keyed by its ARM id.
type UserAssignedIdentity struct {
	PrincipalID string `json:"principalId,omitempty"`
	ClientID    string `json:"clientId,omitempty"`
}

// CodeConfiguration is a model deployment's scoring code.
type CodeConfiguration struct {
	CodeID        string `json:"codeId,omitempty"`
	ScoringScript string `json:"scoringScript,omitempty"`
}

// DataContainer is a data asset (all its versions): GET /data/{name}, and the
// entries of GET /data.
type DataContainer struct {
	ID         string                  `json:"id,omitempty"`
	Name       string                  `json:"name,omitempty"`
	Type       string                  `json:"type,omitempty"`
	Properties DataContainerProperties `json:"properties"`
	SystemData *SystemData             `json:"systemData,omitempty"`
}

// DataContainerProperties are the properties of a data container.
type DataContainerProperties struct {
	DataType      string            `json:"dataType,omitempty"`
	Description   string            `json:"description,omitempty"`
	IsArchived    bool              `json:"isArchived,omitempty"`
	LatestVersion string            `json:"latestVersion,omitempty"`
	NextVersion   string            `json:"nextVersion,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
}

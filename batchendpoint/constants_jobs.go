package batchendpoint

import "github.com/azmlbatch/azmlbatch/internal/wire"

// ListViewType selects active or archived jobs in a jobs list (the listViewType
// filter of the ARM jobs list).
type ListViewType string

// List view types of the ARM jobs list.
const (
	// ListViewTypeActiveOnly lists jobs that are not archived (the service's default).
	ListViewTypeActiveOnly ListViewType = "ActiveOnly"
	// ListViewTypeArchivedOnly lists archived jobs only.
	ListViewTypeArchivedOnly ListViewType = "ArchivedOnly"
	// ListViewTypeAll lists both.
	ListViewTypeAll ListViewType = "All"
)

// PossibleListViewTypeValues returns the list view types.
func PossibleListViewTypeValues() []ListViewType {
	return []ListViewType{ListViewTypeActiveOnly, ListViewTypeArchivedOnly, ListViewTypeAll}
}

// TagBatchRun is the tag key the service sets on every batch endpoint job
// (value "true"); job lists filter on it by default.
const TagBatchRun = wire.TagBatchRun

// RepeatabilityTagPrefix starts the key of the tag Client.Invoke sets on every
// job to record its repeatability_request-id: the key is the prefix followed by
// the id (or, for an id with other characters than letters, digits, '.', '_'
// and '-', by "sha256-" and part of its hash), the value is the id. Client.FindJob
// lists by this key.
const RepeatabilityTagPrefix = wire.RepeatabilityTagPrefix

// RepeatabilityTagKey returns the key of the tag that records the repeatability id on its job.
func RepeatabilityTagKey(repeatabilityID string) string {
	k, _ := wire.RepeatabilityTag(repeatabilityID)
	return k
}

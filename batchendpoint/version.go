package batchendpoint

const (
	moduleName = "github.com/azmlbatch/azmlbatch/batchendpoint"
	// moduleVersion is sent in the User-Agent; update it on release.
	moduleVersion = "v0.1.0"
)

// DefaultAPIVersion is the ARM api-version used unless ClientOptions.APIVersion says otherwise.
const DefaultAPIVersion = "2025-12-01"

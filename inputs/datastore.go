package inputs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// DatastoreInput is a path on a datastore registered in the workspace.
type DatastoreInput struct {
	uri       string
	datastore string
	path      string
	kind      Kind
	mode      Mode
}

// Datastore returns a uri_folder input for path on datastore. datastore is a
// datastore name (sent as azureml://datastores/<name>/paths/<path>) or a datastore
// ARM id (sent as <id>/paths/<path>).
func Datastore(datastore, path string) DatastoreInput {
	d := DatastoreInput{path: path, kind: KindURIFolder}
	if p, ok := armid.ParseDatastoreID(datastore); ok && p.Path == "" {
		d.datastore = p.Datastore
		d.uri = strings.TrimRight(datastore, "/") + "/paths/" + path
	} else {
		d.datastore = datastore
		d.uri = "azureml://datastores/" + datastore + "/paths/" + path
	}
	return d
}

// DatastoreURI parses azureml://datastores/<ds>/paths/<p>, the long
// azureml://subscriptions/.../workspaces/.../datastores/<ds>/paths/<p> form, or a
// datastore ARM id followed by /paths/<p>. The URI is sent exactly as given.
func DatastoreURI(uri string) (DatastoreInput, error) {
	p, ok := armid.ParseDatastoreURI(uri)
	if !ok {
		p, ok = armid.ParseDatastoreID(uri)
		if ok && p.Path == "" {
			return DatastoreInput{}, invalid(uri, "the datastore id has no /paths/<path> part", "append /paths/<path inside the datastore> to the datastore id")
		}
	}
	if !ok {
		return DatastoreInput{}, invalid(uri, "not a datastore path",
			"use azureml://datastores/<datastore>/paths/<path> or <datastore ARM id>/paths/<path>")
	}
	return DatastoreInput{uri: uri, datastore: p.Datastore, path: p.Path, kind: KindURIFolder}, nil
}

// File returns a copy that reads the path as a single file (uri_file).
func (d DatastoreInput) File() DatastoreInput { d.kind = KindURIFile; return d }

// Folder returns a copy that reads the path as a folder (uri_folder).
func (d DatastoreInput) Folder() DatastoreInput { d.kind = KindURIFolder; return d }

// WithMode returns a copy with the given input mode.
func (d DatastoreInput) WithMode(m Mode) DatastoreInput { d.mode = m; return d }

// URI returns the URI sent to the service.
func (d DatastoreInput) URI() string { return d.uri }

// DatastoreName returns the datastore's name.
func (d DatastoreInput) DatastoreName() string { return d.datastore }

// Path returns the path inside the datastore.
func (d DatastoreInput) Path() string { return d.path }

// Kind returns uri_folder or uri_file.
func (d DatastoreInput) Kind() Kind { return d.kind }

// Mode returns the input mode ("" = deployment default).
func (d DatastoreInput) Mode() Mode { return d.mode }

// String returns the URI with secrets redacted.
func (d DatastoreInput) String() string { return redact.String(d.uri) }

// Validate checks the datastore name and path.
func (d DatastoreInput) Validate() error {
	// Blob names may contain spaces: only the part before /paths/ is an id.
	id := d.uri
	if i := strings.Index(strings.ToLower(id), "/paths/"); i >= 0 {
		id = id[:i]
	}
	if err := validateIDChars(id); err != nil {
		return err
	}
	if err := validateLocation(names.DatastoreName(d.datastore)); err != nil {
		return err
	}
	if err := validateLocation(names.DatastorePath(d.path)); err != nil {
		return err
	}
	if err := validateDataKind(d.kind); err != nil {
		return err
	}
	return validateMode(d.mode)
}

// validateLocation checks a datastore name (valid: true) or path.
func validateLocation(p *names.Problem) error {
	if p == nil {
		return nil
	}
	return invalid(p.Value, p.Problem, p.Fix)
}

func (DatastoreInput) input() {}

// GoString keeps %#v free of secrets.
func (d DatastoreInput) GoString() string {
	return "inputs.DatastoreInput(" + strconv.Quote(d.String()) + ")"
}

// Format prints the redacted String for every verb.
func (d DatastoreInput) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, d.String(), d.GoString())
}

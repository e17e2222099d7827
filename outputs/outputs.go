package outputs

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// Mode is how a job writes an output.
type Mode string

// Output modes. The zero Mode lets the service decide (rw_mount).
const (
	ModeReadWriteMount Mode = "rw_mount"
	ModeUpload         Mode = "upload"
)

// PossibleModeValues returns the output modes.
func PossibleModeValues() []Mode { return []Mode{ModeReadWriteMount, ModeUpload} }

// DataOutput is one named output of a batch job: a uri_file or uri_folder at a
// path on a Blob datastore, or the service's default location.
type DataOutput struct {
	datastore   string // name
	datastoreID string // ARM id when given as one
	path        string
	uri         string // as given to Parse (sent unchanged)
	kind        inputs.Kind
	mode        Mode
}

// Datastore returns a uri_folder output at path on datastore, which is a datastore
// name or ARM id. The client checks that the datastore is an AzureBlob datastore
// and sends <datastore ARM id>/paths/<path>.
func Datastore(datastore, path string) DataOutput {
	o := DataOutput{path: path, kind: inputs.KindURIFolder}
	if p, ok := armid.ParseDatastoreID(datastore); ok && p.Path == "" {
		o.datastore, o.datastoreID = p.Datastore, strings.TrimRight(datastore, "/")
	} else {
		o.datastore = datastore
	}
	return o
}

// Default returns a uri_folder output at the service's default location.
func Default() DataOutput { return DataOutput{kind: inputs.KindURIFolder} }

// Parse reads an output location: azureml://datastores/<ds>/paths/<p>, the long
// azureml://subscriptions/... form, or <datastore ARM id>/paths/<p>. Those forms
// are sent unchanged. An empty string is the default location.
func Parse(uri string) (DataOutput, error) {
	if strings.TrimSpace(uri) == "" {
		return Default(), nil
	}
	p, ok := armid.ParseDatastoreURI(uri)
	isID := false
	if !ok {
		p, ok = armid.ParseDatastoreID(uri)
		isID = ok
	}
	if !ok || p.Path == "" {
		return DataOutput{}, &inputs.ValidationError{Value: names.OneLine(redact.String(uri)), Problem: "not a datastore output path",
			Fix: "use azureml://datastores/<datastore>/paths/<path> or <datastore ARM id>/paths/<path>; outputs go to Blob datastores only"}
	}
	o := DataOutput{datastore: p.Datastore, path: p.Path, uri: uri, kind: inputs.KindURIFolder}
	if isID {
		o.datastoreID = uri[:strings.Index(strings.ToLower(uri), "/paths/")]
	}
	return o, nil
}

// File returns a copy written as a single file (uri_file).
func (o DataOutput) File() DataOutput { o.kind = inputs.KindURIFile; return o }

// Folder returns a copy written as a folder (uri_folder).
func (o DataOutput) Folder() DataOutput { o.kind = inputs.KindURIFolder; return o }

// WithMode returns a copy with the given output mode.
func (o DataOutput) WithMode(m Mode) DataOutput { o.mode = m; return o }

// WithKind returns a copy of the given kind (uri_file or uri_folder).
func (o DataOutput) WithKind(k inputs.Kind) DataOutput { o.kind = k; return o }

// DatastoreName returns the datastore name ("" for the default location).
func (o DataOutput) DatastoreName() string { return o.datastore }

// DatastoreID returns the datastore ARM id when it was given as one.
func (o DataOutput) DatastoreID() string { return o.datastoreID }

// Path returns the path inside the datastore ("" for the default location).
func (o DataOutput) Path() string { return o.path }

// URI returns the location exactly as given to Parse, or "".
func (o DataOutput) URI() string { return o.uri }

// IsDefault reports whether the service chooses the location.
func (o DataOutput) IsDefault() bool { return o.datastore == "" && o.path == "" }

// Kind returns uri_folder or uri_file.
func (o DataOutput) Kind() inputs.Kind { return o.kind }

// Mode returns the output mode ("" = service default).
func (o DataOutput) Mode() Mode { return o.mode }

// String describes the location, with secrets redacted.
func (o DataOutput) String() string {
	switch {
	case o.uri != "":
		return redact.String(o.uri)
	case o.IsDefault():
		return "(default location)"
	case o.datastoreID != "":
		return redact.String(o.datastoreID + "/paths/" + o.path)
	}
	return redact.String("azureml://datastores/" + o.datastore + "/paths/" + o.path)
}

// GoString keeps %#v free of secrets.
func (o DataOutput) GoString() string {
	return "outputs.DataOutput{location:" + strconv.Quote(o.String()) + ", kind:" + strconv.Quote(string(o.kind)) + ", mode:" + strconv.Quote(string(o.mode)) + "}"
}

// Format prints the redacted String for every verb, GoString for %#v.
func (o DataOutput) Format(f fmt.State, verb rune) {
	s := o.String()
	if verb == 'v' && f.Flag('#') {
		s = o.GoString()
	}
	_, _ = f.Write([]byte(s))
}

// Validate checks the kind, mode, datastore name and path.
func (o DataOutput) Validate() error {
	if !o.kind.IsData() {
		if o.kind == inputs.KindMLTable {
			return &inputs.ValidationError{Value: string(o.kind), Problem: "MLTable outputs aren't supported by batch endpoints", Fix: "use uri_folder or uri_file"}
		}
		return &inputs.ValidationError{Value: string(o.kind), Problem: "an output must be uri_folder or uri_file", Fix: "call File() or Folder()"}
	}
	switch o.mode {
	case "", ModeReadWriteMount, ModeUpload:
	default:
		return &inputs.ValidationError{Value: string(o.mode), Problem: "unknown output mode", Fix: "use rw_mount or upload, or leave it empty"}
	}
	if o.IsDefault() {
		return nil
	}
	if o.datastore == "" {
		return &inputs.ValidationError{Value: names.OneLine(o.path), Problem: "the output has a path but no datastore", Fix: "name the Blob datastore, for example workspaceblobstore"}
	}
	if strings.IndexFunc(o.datastoreID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return &inputs.ValidationError{Value: names.OneLine(o.datastoreID), Problem: "the datastore id contains white space or a control character", Fix: "copy the datastore's ARM id again; none of its parts contains spaces"}
	}
	if p := names.DatastoreName(o.datastore); p != nil {
		return &inputs.ValidationError{Value: p.Value, Problem: p.Problem, Fix: p.Fix}
	}
	if o.path == "" {
		return &inputs.ValidationError{Value: o.datastore, Problem: "the output names a datastore but no path", Fix: "give a unique path inside the datastore, or use outputs.Default() for the service's default location"}
	}
	if o.kind == inputs.KindURIFile && strings.HasSuffix(o.path, "/") {
		return &inputs.ValidationError{Value: names.OneLine(o.path), Problem: "a uri_file output path names a file but ends with /",
			Fix: "give the file name, e.g. " + strings.TrimRight(o.path, "/") + "/predictions.csv, or use Folder()"}
	}
	if p := names.DatastorePath(o.path); p != nil {
		return &inputs.ValidationError{Value: p.Value, Problem: p.Problem, Fix: p.Fix}
	}
	return nil
}

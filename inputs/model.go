package inputs

import (
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/redact"
	"strconv"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/armid"
)

// ModelInput is a model passed to a pipeline component deployment: a workspace model
// (azureml:name:version or its ARM id), a registry model
// (azureml://registries/<registry>/models/<name>/versions/<version>), or a model
// folder at a datastore or https location. Registry URIs are sent unchanged.
type ModelInput struct {
	ref  string
	kind Kind
	mode Mode
	// set for azureml:name:version
	name, version string
}

// MLflowModel returns an mlflow_model input for ref.
func MLflowModel(ref string) ModelInput { return newModel(ref, KindMLFlowModel) }

// CustomModel returns a custom_model input for ref.
func CustomModel(ref string) ModelInput { return newModel(ref, KindCustomModel) }

// TritonModel returns a triton_model input for ref.
func TritonModel(ref string) ModelInput { return newModel(ref, KindTritonModel) }

func newModel(ref string, k Kind) ModelInput {
	m := ModelInput{ref: ref, kind: k}
	if armid.HasPrefixFold(ref, "azureml:") && !armid.HasPrefixFold(ref, "azureml://") {
		if a, ok := armid.ParseShortAsset(ref); ok {
			m.name, m.version = a.Name, a.Version
			if a.Label != "" {
				m.version = "@" + a.Label
			}
		}
	}
	return m
}

// WithMode returns a copy with the given input mode.
func (m ModelInput) WithMode(mode Mode) ModelInput { m.mode = mode; return m }

// Ref returns the reference as given.
func (m ModelInput) Ref() string { return m.ref }

// Name and Version return the parts of an azureml:name:version reference ("" otherwise).
func (m ModelInput) Name() string { return m.name }

// Version returns the version of an azureml:name:version reference.
func (m ModelInput) Version() string { return m.version }

// Kind returns the model type.
func (m ModelInput) Kind() Kind { return m.kind }

// Mode returns the input mode.
func (m ModelInput) Mode() Mode { return m.mode }

// String returns the reference with secrets redacted.
func (m ModelInput) String() string { return redact.String(m.ref) }

// Validate checks that the reference has one of the accepted forms.
func (m ModelInput) Validate() error {
	if !m.kind.IsModel() {
		return invalid(string(m.kind), "not a model type", "use MLflowModel, CustomModel or TritonModel")
	}
	r := m.ref
	fix := "use azureml:<name>:<version>, a model ARM id, azureml://registries/<registry>/models/<name>/versions/<version>, or a datastore/https path to the model folder"
	switch {
	case r == "":
		return invalid("", "the model reference is empty", fix)
	case m.name != "":
		if m.version == "" || strings.HasPrefix(m.version, "@") {
			return invalid(r, "a workspace model reference needs an explicit version", "use azureml:<name>:<version>")
		}
		return validateMode(m.mode)
	case armid.HasPrefixFold(r, "azureml://registries/"):
		seg := strings.Split(r[len("azureml://registries/"):], "/")
		if len(seg) != 5 || seg[0] == "" || !strings.EqualFold(seg[1], "models") || seg[2] == "" || !strings.EqualFold(seg[3], "versions") || seg[4] == "" {
			if len(seg) == 4 && strings.EqualFold(seg[1], "models") && strings.EqualFold(seg[3], "labels") {
				return validateMode(m.mode)
			}
			return invalid(r, "malformed registry model URI", fix)
		}
		return validateMode(m.mode)
	case strings.HasPrefix(r, "/"):
		if a, ok := armid.ParseAssetID(r); !ok || a.Kind != "models" {
			return invalid(r, "not a model ARM id", fix)
		}
		return validateMode(m.mode)
	case armid.HasPrefixFold(r, "https://"):
		return StorageURL(r).WithMode(m.mode).Validate()
	default:
		if _, ok := armid.ParseDatastoreURI(r); ok {
			return validateMode(m.mode)
		}
	}
	return invalid(r, "unrecognised model reference", fix)
}

func (ModelInput) input() {}

// GoString keeps %#v free of secrets.
func (m ModelInput) GoString() string { return "inputs.ModelInput(" + strconv.Quote(m.String()) + ")" }

// Format prints the redacted String for every verb.
func (m ModelInput) Format(f fmt.State, verb rune) { formatRedacted(f, verb, m.String(), m.GoString()) }

package inputs

// Kind is the type of an input, spelled as in az ml YAML files.
type Kind string

// Data kinds.
const (
	// KindURIFolder is a folder: every file below it is an input file.
	KindURIFolder Kind = "uri_folder"
	// KindURIFile is a single file.
	KindURIFile Kind = "uri_file"
	// KindMLTable is a table asset: pipeline component deployments accept a
	// data asset of this kind (DataAssetInput.Table), model deployments don't.
	KindMLTable Kind = "mltable"
)

// Literal kinds (pipeline component deployments only).
const (
	KindString  Kind = "string"
	KindBoolean Kind = "boolean"
	KindNumber  Kind = "number"
	KindInteger Kind = "integer"
)

// Model kinds (pipeline component deployments only).
const (
	KindMLFlowModel Kind = "mlflow_model"
	KindCustomModel Kind = "custom_model"
	KindTritonModel Kind = "triton_model"
)

// PossibleKindValues returns the kinds an input can have.
func PossibleKindValues() []Kind {
	return []Kind{KindURIFolder, KindURIFile, KindString, KindBoolean, KindNumber, KindInteger,
		KindMLFlowModel, KindCustomModel, KindTritonModel}
}

// IsData reports whether k is uri_file or uri_folder.
func (k Kind) IsData() bool { return k == KindURIFolder || k == KindURIFile }

// IsLiteral reports whether k is a literal type.
func (k Kind) IsLiteral() bool {
	return k == KindString || k == KindBoolean || k == KindNumber || k == KindInteger
}

// IsModel reports whether k is a model type.
func (k Kind) IsModel() bool {
	return k == KindMLFlowModel || k == KindCustomModel || k == KindTritonModel
}

// ParseKind maps a type name as written in YAML or on a command line to a Kind.
// It accepts "float" for number and "bool"/"int"/"str" abbreviations.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "uri_folder", "uri_file", "string", "boolean", "number", "integer",
		"mlflow_model", "custom_model", "triton_model":
		return Kind(s), nil
	case "float", "double":
		return KindNumber, nil
	case "bool":
		return KindBoolean, nil
	case "int":
		return KindInteger, nil
	case "str":
		return KindString, nil
	case "mltable":
		// Pipeline component deployments take tables; model deployments are
		// checked once the deployment is known.
		return KindMLTable, nil
	}
	return "", invalid(s, "unknown input type",
		"use uri_folder or uri_file for data; string, boolean, number or integer for literals; mlflow_model, custom_model or triton_model for models")
}

func errMLTable(v string) *ValidationError {
	return invalid(v, "MLTable data isn't supported by batch endpoints",
		"register the data as a uri_folder or uri_file asset, or point at the folder itself")
}

// Mode is how a data input reaches the job.
type Mode string

// Input modes. The zero Mode lets the deployment decide (normally ro_mount).
const (
	ModeReadOnlyMount Mode = "ro_mount"
	ModeDownload      Mode = "download"
	ModeDirect        Mode = "direct"
	ModeEvalMount     Mode = "eval_mount"
	ModeEvalDownload  Mode = "eval_download"
)

// PossibleModeValues returns the input modes.
func PossibleModeValues() []Mode {
	return []Mode{ModeReadOnlyMount, ModeDownload, ModeDirect, ModeEvalMount, ModeEvalDownload}
}

func validateMode(m Mode) error {
	if m == "" {
		return nil
	}
	for _, v := range PossibleModeValues() {
		if m == v {
			return nil
		}
	}
	return invalid(string(m), "unknown input mode", "use ro_mount, download, direct, eval_mount or eval_download, or leave it empty")
}

func validateDataKind(k Kind) error {
	if k.IsData() {
		return nil
	}
	if k == KindMLTable {
		return errMLTable(string(k))
	}
	return invalid(string(k), "a data input must be uri_folder or uri_file", "call File() or Folder(), or use a literal constructor for literal values")
}

// Input is one input of a batch job. It is implemented by the types of this
// package only: DataAssetInput, DatastoreInput, StorageURLInput, LocalPathInput,
// LiteralInput and ModelInput.
type Input interface {
	// Kind is the input's type.
	Kind() Kind
	// Validate checks the input without network I/O.
	Validate() error
	// String describes the input with secrets redacted.
	String() string
	input()
}

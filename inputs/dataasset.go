package inputs

import (
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"github.com/azmlbatch/azmlbatch/internal/redact"
	"strconv"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/armid"
)

// Latest is the version label that selects the most recently created version of an asset.
const Latest = "latest"

// DataAssetInput is a registered data asset: by name and version, by name and the
// label latest, by ARM id, or by an azureml://locations/... or azureml://registries/... URI.
// uri_file and uri_folder assets are accepted by every deployment; MLTable
// assets (Table, or an asset registered as mltable) only by pipeline component
// deployments; V1 datasets are rejected.
type DataAssetInput struct {
	name    string
	version string // "" with label
	label   string
	armID   string // given ARM id, sent as is
	uri     string // azureml://locations|registries/... sent as is
	kind    Kind
	kindSet bool
	mode    Mode
}

// DataAsset returns a reference to version of the data asset name; version "latest"
// (or "@latest") selects the most recently created version. The kind defaults to
// the asset's own type when the client looks the asset up, else uri_folder.
func DataAsset(name, version string) DataAssetInput {
	d := DataAssetInput{name: name, kind: KindURIFolder}
	switch v := strings.TrimPrefix(version, "@"); {
	case strings.EqualFold(v, Latest):
		d.label = Latest
	default:
		d.version = version
	}
	return d
}

// DataAssetID returns a reference to a data asset version by its ARM id
// (/subscriptions/.../workspaces/<ws>/data/<name>/versions/<version>), sent as is.
func DataAssetID(id string) (DataAssetInput, error) {
	a, ok := armid.ParseAssetID(id)
	if !ok || a.Kind != "data" {
		if strings.Contains(strings.ToLower(id), "/datasets/") {
			return DataAssetInput{}, errV1(id)
		}
		return DataAssetInput{}, invalid(id, "not a data asset ARM id",
			"use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>/data/<name>/versions/<version>")
	}
	return DataAssetInput{name: a.Name, version: a.Version, armID: id, kind: KindURIFolder}, nil
}

func errV1(v string) *ValidationError {
	return invalid(v, "V1 datasets (FileDataset, TabularDataset) aren't supported by batch endpoints",
		"register the data as a V2 uri_folder or uri_file data asset and use that")
}

// File returns a copy read as a single file (uri_file).
func (d DataAssetInput) File() DataAssetInput { d.kind, d.kindSet = KindURIFile, true; return d }

// Folder returns a copy read as a folder (uri_folder).
func (d DataAssetInput) Folder() DataAssetInput { d.kind, d.kindSet = KindURIFolder, true; return d }

// Table returns a copy read as a table (mltable). Only pipeline component
// deployments accept it; a model deployment's invoke is refused before it is sent.
func (d DataAssetInput) Table() DataAssetInput { d.kind, d.kindSet = KindMLTable, true; return d }

// WithMode returns a copy with the given input mode.
func (d DataAssetInput) WithMode(m Mode) DataAssetInput { d.mode = m; return d }

// Name returns the asset name ("" for a locations/registries URI the name of which is inside the URI).
func (d DataAssetInput) Name() string { return d.name }

// Version returns the version, or "" when the label latest is used.
func (d DataAssetInput) Version() string { return d.version }

// IsLatest reports whether the newest version is selected.
func (d DataAssetInput) IsLatest() bool { return d.label == Latest }

// ARMID returns the ARM id when the input was built from one.
func (d DataAssetInput) ARMID() string { return d.armID }

// URI returns the azureml://locations/... or azureml://registries/... URI when the
// input was built from one; the service resolves it.
func (d DataAssetInput) URI() string { return d.uri }

// Kind returns uri_folder, uri_file or mltable.
func (d DataAssetInput) Kind() Kind { return d.kind }

// KindSet reports whether the kind was set explicitly with File, Folder or Table. When
// false the registered asset's type wins: code that resolves the asset itself,
// as Client.Invoke does, sends the asset's type instead of Kind's default.
func (d DataAssetInput) KindSet() bool { return d.kindSet }

// Mode returns the input mode ("" = deployment default).
func (d DataAssetInput) Mode() Mode { return d.mode }

// String returns the reference as azureml:name:version, azureml:name@latest, or the id/URI given.
// Secrets are redacted: an unvalidated name or URI may hold anything.
func (d DataAssetInput) String() string {
	switch {
	case d.armID != "":
		return redact.String(d.armID)
	case d.uri != "":
		return redact.String(d.uri)
	case d.label != "":
		return redact.String("azureml:" + d.name + "@" + d.label)
	}
	return redact.String("azureml:" + d.name + ":" + d.version)
}

// Asset names follow ARM's Microsoft.MachineLearningServices name pattern plus
// '.', as az ml data create accepts; versions follow the service's message
// "dataVersion ... can only contain alphanumeric characters, dashes,
// underscores, and periods, with a limit of 50 characters" (UserError, MicrosoftDocs/azure-docs#111551).
var (
	assetName    = names.Rule{First: names.ASCIIAlnum, Rest: names.ASCIIAlnumOr("_.-"), Max: 255}
	assetVersion = names.Rule{Rest: names.ASCIIAlnumOr("_.-"), Max: 50}
)

// Validate checks the name and version.
func (d DataAssetInput) Validate() error {
	for _, id := range []string{d.uri, d.armID} {
		if err := validateIDChars(id); err != nil {
			return err
		}
	}
	if d.uri != "" && !assetName.MatchString(d.name) {
		return invalid(d.name, "a data asset name starts with a letter or digit and contains only letters, digits, '-', '_' and '.'", "use the name shown by az ml data list")
	}
	if d.uri == "" {
		if d.name == "" {
			return invalid("", "the data asset name is empty", "give the registered data asset's name, for example heart-data")
		}
		if !assetName.MatchString(d.name) {
			return invalid(d.name, "a data asset name starts with a letter or digit and contains only letters, digits, '-', '_' and '.'", "use the name shown by az ml data list")
		}
		if d.label == "" {
			if d.version == "" {
				return invalid(d.name, "the data asset has no version", `give a version, or "latest" for the most recently created one`)
			}
			if !assetVersion.MatchString(d.version) {
				return invalid(d.version, "a data asset version contains only letters, digits, '-', '_' and '.', at most 50 characters", `give an existing version such as "1", or "latest"`)
			}
		}
	}
	if d.kind != KindMLTable {
		if err := validateDataKind(d.kind); err != nil {
			return err
		}
	}
	return validateMode(d.mode)
}

func (DataAssetInput) input() {}

// GoString keeps %#v free of secrets.
func (d DataAssetInput) GoString() string {
	return "inputs.DataAssetInput(" + strconv.Quote(d.String()) + ")"
}

// Format prints the redacted String for every verb.
func (d DataAssetInput) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, d.String(), d.GoString())
}

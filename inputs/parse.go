package inputs

import (
	"errors"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/armid"
)

// ParseOptions are the options of Parse. The zero value (or nil) parses as
// az ml batch-endpoint invoke --input does without --input-type.
type ParseOptions struct {
	// Type is the input's type, as --input-type or the YAML type key gives it.
	// Empty: uri_folder, except that a data asset keeps its own type.
	// A literal type makes Parse build a LiteralInput from the value;
	// a model type a ModelInput.
	Type Kind
	// Mode is the input mode of a data or model input.
	Mode Mode
}

var shortAsset = names.NewPattern(`^[A-Za-z0-9][A-Za-z0-9_.\-]*(:[A-Za-z0-9_.\-]+|@[A-Za-z0-9_.\-]+)$`, 0)

// Parse turns one command-line or YAML string into an input. It decides in the
// order az ml does, by the form of the string and never by a substring:
//
//  1. https://... (and other schemes)  storage URL
//  2. /subscriptions/...               data asset ARM id, or datastore ARM id + /paths/...
//  3. azureml://...                    datastore URI, azureml://locations|registries data or model URI
//  4. azureml:name:version, azureml:name@latest (also without the azureml: prefix
//     when no such local file exists)  data asset
//  5. anything else                    local file or folder (relative to the current directory)
//
// Errors are *ValidationError and say which form was expected.
func Parse(value string, opts *ParseOptions) (Input, error) {
	var o ParseOptions
	if opts != nil {
		o = *opts
	}
	if o.Type == KindMLTable {
		return parseTable(value, o)
	}
	if o.Type != "" {
		k, err := ParseKind(string(o.Type))
		if err != nil {
			return nil, err
		}
		o.Type = k
	}
	if o.Type.IsLiteral() {
		return Literal(o.Type, value)
	}
	if err := validateMode(o.Mode); err != nil {
		return nil, err
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return nil, invalid("", "the input path is empty", "give a storage URL, a datastore path, a data asset reference or a local path")
	}
	if o.Type.IsModel() {
		m := newModel(v, o.Type).WithMode(o.Mode)
		if err := m.Validate(); err != nil {
			return nil, err
		}
		return m, nil
	}
	in, err := parseData(v)
	if err != nil {
		return nil, err
	}
	in = applyKindMode(in, o.Type, o.Mode)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return in, nil
}

func parseData(v string) (Input, error) {
	lower := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "http://"),
		strings.HasPrefix(lower, "wasbs://"), strings.HasPrefix(lower, "wasb://"),
		strings.HasPrefix(lower, "abfss://"), strings.HasPrefix(lower, "abfs://"):
		// Validate rejects all but https, with the https form of wasbs/abfss URLs as the fix.
		return StorageURL(v), nil
	case strings.HasPrefix(lower, "/subscriptions/"):
		if d, err := DatastoreURI(v); err == nil {
			return d, nil
		}
		if a, ok := armid.ParseAssetID(v); ok && a.Kind == "data" {
			return DataAssetID(v)
		}
		if strings.Contains(lower, "/datasets/") {
			return nil, errV1(v)
		}
		return nil, invalid(v, "invalid input path: this ARM id names neither a data asset version nor a datastore path",
			"use .../workspaces/<ws>/data/<name>/versions/<version> or .../workspaces/<ws>/datastores/<name>/paths/<path>")
	case strings.HasPrefix(lower, "azureml://"):
		return parseAzureMLURI(v)
	case strings.HasPrefix(lower, "azureml:"):
		return parseShortAsset(v)
	case schemeLike.MatchString(v):
		return nil, invalid(shownURL(v), "unsupported URI scheme", "use an https:// storage URL, or register the storage as a datastore and use azureml://datastores/<name>/paths/<path>")
	}
	if shortAsset.MatchString(v) {
		if _, err := os.Stat(v); errors.Is(err, fs.ErrNotExist) {
			return parseShortAsset(v)
		}
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return nil, invalid(v, "cannot resolve the local path: "+err.Error(), "give an absolute path")
	}
	return LocalPath(abs), nil
}

var schemeLike = names.NewPattern(`^[A-Za-z][A-Za-z0-9+.\-]*://`, 0)

func parseShortAsset(v string) (Input, error) {
	a, ok := armid.ParseShortAsset(v)
	if !ok {
		return nil, invalid(v, "malformed data asset reference", "use azureml:<name>:<version> or azureml:<name>@latest")
	}
	if a.Label != "" && !strings.EqualFold(a.Label, Latest) {
		return nil, invalid(v, "only the label latest is supported", "use azureml:<name>@latest or azureml:<name>:<version>")
	}
	if a.Version == "" && a.Label == "" {
		return nil, invalid(v, "the data asset reference has no version", "use azureml:<name>:<version>, or azureml:<name>@latest for the newest version")
	}
	if a.Label != "" {
		return DataAsset(a.Name, Latest), nil
	}
	return DataAsset(a.Name, a.Version), nil
}

// parseAzureMLURI handles azureml://datastores, the long workspace form,
// azureml://locations/<loc>/workspaces/<ws>/data/<name>/versions/<v|labels/latest>
// and azureml://registries/<r>/data/<name>/versions/<v>.
func parseAzureMLURI(v string) (Input, error) {
	if d, err := DatastoreURI(v); err == nil {
		return d, nil
	}
	if strings.ContainsAny(v, "?#") {
		return nil, invalid(v, "azureml:// URIs take no query string or fragment", "remove the part from ? or #; SAS tokens belong on https:// storage URLs")
	}
	seg := strings.Split(v[len("azureml://"):], "/")
	low := make([]string, len(seg))
	for i, s := range seg {
		low[i] = strings.ToLower(s)
	}
	fix := "use azureml://datastores/<name>/paths/<path>, azureml://locations/<location>/workspaces/<ws>/data/<name>/versions/<version>, or azureml://registries/<registry>/data/<name>/versions/<version>"
	switch {
	case len(seg) >= 1 && low[0] == "datasets", strings.Contains(strings.ToLower(v), "/datasets/"):
		return nil, errV1(v)
	case len(seg) >= 7 && low[0] == "locations" && low[2] == "workspaces" && low[4] == "data":
		name := seg[5]
		ok := (len(seg) == 8 && low[6] == "versions" && seg[7] != "") ||
			(len(seg) == 9 && low[6] == "versions" && low[7] == "labels" && low[8] == Latest)
		if !ok || seg[1] == "" || seg[3] == "" || name == "" {
			return nil, invalid(v, "malformed data asset URI", fix)
		}
		return DataAssetInput{name: name, uri: v, kind: KindURIFolder}, nil
	case len(seg) >= 5 && low[0] == "registries" && low[2] == "data":
		ok := (len(seg) == 6 && low[4] == "versions" && seg[5] != "") ||
			(len(seg) == 7 && low[4] == "versions" && low[5] == "labels" && low[6] == Latest)
		if !ok || seg[1] == "" || seg[3] == "" {
			return nil, invalid(v, "malformed registry data URI", fix)
		}
		return DataAssetInput{name: seg[3], uri: v, kind: KindURIFolder}, nil
	case len(seg) >= 3 && low[0] == "registries" && low[2] == "models":
		return nil, invalid(v, "this is a model, not data", "set the input type to mlflow_model, custom_model or triton_model")
	case len(seg) >= 1 && low[0] == "datastores", len(seg) >= 7 && low[0] == "subscriptions":
		return nil, invalid(v, "malformed datastore URI", "use azureml://datastores/<name>/paths/<path>")
	}
	return nil, invalid(v, "unrecognised azureml:// URI", fix)
}

// applyKindMode sets an explicit type and mode on a data input.
func applyKindMode(in Input, k Kind, m Mode) Input {
	switch x := in.(type) {
	case StorageURLInput:
		if k == KindURIFile {
			x = x.File()
		} else if k != "" {
			x.kind = k
		}
		return x.WithMode(m)
	case DatastoreInput:
		if k == KindURIFile {
			x = x.File()
		} else if k != "" {
			x.kind = k
		}
		return x.WithMode(m)
	case DataAssetInput:
		if k != "" {
			x.kind, x.kindSet = k, true
		}
		return x.WithMode(m)
	case LocalPathInput:
		if k != "" {
			x.kind, x.kindSet = k, true
		}
		return x.WithMode(m)
	}
	return in
}

// parseTable reads an MLTable input: a registered data asset read as a table
// (pipeline component deployments only; model deployments refuse it once the
// deployment is known).
func parseTable(value string, o ParseOptions) (Input, error) {
	o.Type = ""
	in, err := Parse(value, &o)
	if err != nil {
		return nil, err
	}
	d, ok := in.(DataAssetInput)
	if !ok {
		return nil, invalid(value, "an MLTable input names a registered data asset",
			"write azureml:<name>:<version> or azureml:<name>@latest for a table asset, or use uri_folder or uri_file for other data")
	}
	return d.Table(), nil
}

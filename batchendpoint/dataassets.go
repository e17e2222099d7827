package batchendpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/localfs"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// CreateDataAsset registers a data asset version (ARM PUT data/{name}/versions/{v})
// and returns it. A local Path is uploaded first; an upload of the same data made
// earlier (by this package or by az ml) is reused.
func (c *Client) CreateDataAsset(ctx context.Context, spec DataAssetSpec, options *CreateDataAssetOptions) (resp CreateDataAssetResponse, err error) {
	ctx, end := c.span(ctx, "Client.CreateDataAsset")
	defer func() { end(err) }()
	resp.DataAsset, err = c.createDataAsset(ctx, spec, options)
	return resp, err
}

func (c *Client) createDataAsset(ctx context.Context, spec DataAssetSpec, options *CreateDataAssetOptions) (da DataAsset, err error) {
	var o CreateDataAssetOptions
	if options != nil {
		o = *options
	}
	if c.opts.DataPlaneOnly {
		return DataAsset{}, &ValidationError{Field: "ClientOptions.DataPlaneOnly", Problem: "creating a data asset is an ARM operation", Fix: "use a client without DataPlaneOnly"}
	}
	version := spec.Version
	if err := inputs.DataAsset(spec.Name, "1").Validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return DataAsset{}, ve.WithField("DataAssetSpec.Name")
		}
		return DataAsset{}, err
	}
	if version != "" {
		if err := inputs.DataAsset(spec.Name, version).Validate(); err != nil || strings.EqualFold(version, inputs.Latest) {
			return DataAsset{}, &ValidationError{Field: "DataAssetSpec.Version", Value: version, Problem: "not a valid version",
				Fix: `use letters, digits, '-', '_' and '.' (at most 50), or "" for the next integer version`}
		}
	}
	if spec.Kind != "" && !spec.Kind.IsData() {
		return DataAsset{}, &ValidationError{Field: "DataAssetSpec.Kind", Value: string(spec.Kind), Problem: "data assets created here are uri_folder or uri_file",
			Fix: "use inputs.KindURIFolder or inputs.KindURIFile (MLTable assets are not supported by batch endpoints)"}
	}
	if strings.TrimSpace(spec.Path) == "" {
		return DataAsset{}, &ValidationError{Field: "DataAssetSpec.Path", Problem: "the path is empty", Fix: "give a local file or folder, a storage URL or a datastore path"}
	}
	if o.UploadDatastore != "" {
		if p := names.DatastoreName(o.UploadDatastore); p != nil {
			return DataAsset{}, &ValidationError{Field: "CreateDataAssetOptions.UploadDatastore", Value: p.Value, Problem: p.Problem, Fix: p.Fix}
		}
	}
	in, err := inputs.Parse(spec.Path, &inputs.ParseOptions{Type: spec.Kind})
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return DataAsset{}, ve.WithField("DataAssetSpec.Path")
		}
		return DataAsset{}, err
	}
	switch in.(type) {
	case inputs.LocalPathInput, inputs.StorageURLInput, inputs.DatastoreInput:
	default:
		return DataAsset{}, &ValidationError{Field: "DataAssetSpec.Path", Value: in.String(), Problem: "a data asset's path must be data, not a reference to another asset",
			Fix: "give a local file or folder, a storage URL or a datastore path"}
	}
	if x, ok := in.(inputs.StorageURLInput); ok && x.HasSAS() {
		return DataAsset{}, &ValidationError{Field: "DataAssetSpec.Path", Value: x.String(), Problem: "the URL carries a SAS token, which the data asset would store in the workspace for every reader",
			Fix: "register the storage account as a datastore and use azureml://datastores/<name>/paths/<path>, or use a URL without a SAS"}
	}
	// The lookup comes before the upload: nothing is written for an asset that cannot be created.
	if version == "" {
		if version, err = c.nextDataVersion(ctx, spec.Name); err != nil {
			return DataAsset{}, err
		}
	}
	var uri string
	kind := spec.Kind
	switch x := in.(type) {
	case inputs.LocalPathInput:
		if uri, err = c.uploadLocal(ctx, x, o.UploadDatastore, o.UploadProgress); err != nil {
			return DataAsset{}, fmt.Errorf("DataAssetSpec.Path: uploading %s: %w", x.Path(), err)
		}
		kind = x.Kind()
	case inputs.StorageURLInput:
		uri = x.URL()
	case inputs.DatastoreInput:
		uri = x.URI()
	}
	if kind == "" {
		kind = inputs.KindURIFolder
	}
	body := wire.DataVersionCreate{Properties: wire.DataVersionCreateProperties{
		DataType: string(kind), DataURI: uri, Description: spec.Description, Tags: spec.Tags,
	}}
	var w wire.DataVersion
	u := c.armURL("/data/"+url.PathEscape(spec.Name)+"/versions/"+url.PathEscape(version), nil)
	if _, err := c.armDo(ctx, http.MethodPut, u, body, &w, http.StatusOK, http.StatusCreated); err != nil {
		return DataAsset{}, err
	}
	da = dataAssetFromWire(&w)
	if da.ID == "" {
		da.ID = c.ws.arm().DataVersionID(spec.Name, version)
	}
	if da.Name == "" {
		da.Name, da.Version = spec.Name, version
	}
	return da, nil
}

// nextDataVersion returns the version after the most recently created one of
// name ("1" when there is none), as az ml does for an asset without a version.
func (c *Client) nextDataVersion(ctx context.Context, name string) (string, error) {
	var page wire.List[wire.DataVersion]
	q := url.Values{"$orderBy": {"createdtime desc"}, "$top": {"1"}}
	if _, err := c.armDo(ctx, http.MethodGet, c.armURL("/data/"+url.PathEscape(name)+"/versions", q), nil, &page); err != nil {
		if isNotFound(err) {
			return "1", nil
		}
		return "", fmt.Errorf("finding the latest version of data asset %s: %w", name, err)
	}
	if len(page.Value) == 0 {
		return "1", nil
	}
	latest := dataAssetFromWire(&page.Value[0]).Version
	n, err := strconv.Atoi(latest)
	if err != nil || n < 0 {
		return "", &ValidationError{Field: "DataAssetSpec.Version", Value: latest, Problem: fmt.Sprintf("the latest version of data asset %s is not a number, so there is no next integer version", name),
			Fix: "set DataAssetSpec.Version explicitly"}
	}
	return strconv.Itoa(n + 1), nil
}

// dataAssetYAML is the az ml data YAML (https://azuremlschemas.azureedge.net/latest/data.schema.json)
// reduced to what a uri_file/uri_folder asset uses.
type dataAssetYAML struct {
	Schema      string            `yaml:"$schema"`
	Name        string            `yaml:"name"`
	Version     string            `yaml:"version"`
	Description string            `yaml:"description"`
	Type        string            `yaml:"type"`
	Path        string            `yaml:"path"`
	Tags        map[string]string `yaml:"tags"`
}

// LoadDataAssetSpec reads a data asset YAML file as az ml data create -f takes it,
// e.g. the heart-data.yml of Microsoft's batch endpoint how-to:
//
//	$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
//	name: heart-data
//	description: An unlabeled data asset for heart classification.
//	type: uri_folder
//	path: data
//
// version and tags are read too; other keys are an error. A local path is
// relative to the YAML file's folder.
func LoadDataAssetSpec(path string) (DataAssetSpec, error) {
	b, err := localfs.ReadFile(path) // a FIFO or device is refused, not read
	if err != nil {
		return DataAssetSpec{}, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var y dataAssetYAML
	if err := dec.Decode(&y); err != nil {
		if errors.Is(err, io.EOF) {
			return DataAssetSpec{}, &ValidationError{Field: path, Problem: "the file is empty", Fix: "give name, type and path"}
		}
		return DataAssetSpec{}, &ValidationError{Field: path, Problem: "not a data asset YAML: " + err.Error(), Fix: "use the keys $schema, name, version, description, type, path and tags"}
	}
	spec := DataAssetSpec{Name: y.Name, Version: y.Version, Description: y.Description, Path: y.Path, Tags: y.Tags}
	if y.Name == "" {
		return DataAssetSpec{}, &ValidationError{Field: path + ": name", Problem: "missing", Fix: "name the data asset"}
	}
	if y.Path == "" {
		return DataAssetSpec{}, &ValidationError{Field: path + ": path", Problem: "missing", Fix: "give the data's local path, storage URL or datastore path"}
	}
	if y.Type != "" {
		k, err := inputs.ParseKind(y.Type)
		if err != nil || !k.IsData() {
			return DataAssetSpec{}, &ValidationError{Field: path + ": type", Value: y.Type, Problem: "unsupported data asset type", Fix: "use uri_folder or uri_file"}
		}
		spec.Kind = k
	}
	if isLocalDataPath(y.Path) && !filepath.IsAbs(y.Path) {
		dir, err := filepath.Abs(filepath.Dir(path))
		if err != nil {
			return DataAssetSpec{}, err
		}
		spec.Path = filepath.Join(dir, filepath.FromSlash(y.Path))
	}
	return spec, nil
}

// isLocalDataPath reports paths that are neither URLs, azureml: references nor ARM ids.
func isLocalDataPath(p string) bool {
	low := strings.ToLower(strings.TrimSpace(p))
	return !strings.Contains(low, "://") && !strings.HasPrefix(low, "azureml:") && !strings.HasPrefix(low, "/subscriptions/")
}

package batchendpoint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// heart-data.yml from Microsoft's batch endpoint how-to, verbatim.
const heartDataYML = `$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
name: heart-data
description: An unlabeled data asset for heart classification.
type: uri_folder
path: data
`

func TestLoadDataAssetSpec(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		yml     string
		want    DataAssetSpec
		wantErr string
	}{
		{name: "how-to heart-data.yml", yml: heartDataYML, want: DataAssetSpec{Name: "heart-data",
			Description: "An unlabeled data asset for heart classification.", Kind: inputs.KindURIFolder, Path: filepath.Join(dir, "data")}},
		{name: "integer version and tags", yml: "name: a\nversion: 3\ntype: uri_file\npath: sub/x.csv\ntags:\n  owner: me\n  n: 1\n",
			want: DataAssetSpec{Name: "a", Version: "3", Kind: inputs.KindURIFile, Path: filepath.Join(dir, "sub", "x.csv"), Tags: map[string]string{"owner": "me", "n": "1"}}},
		{name: "absolute path kept", yml: "name: a\npath: /abs/data\n", want: DataAssetSpec{Name: "a", Path: "/abs/data"}},
		{name: "datastore path kept", yml: "name: a\npath: azureml://datastores/workspaceblobstore/paths/x/\n",
			want: DataAssetSpec{Name: "a", Path: "azureml://datastores/workspaceblobstore/paths/x/"}},
		{name: "https kept", yml: "name: a\npath: https://acct.blob.core.windows.net/c/d\n",
			want: DataAssetSpec{Name: "a", Path: "https://acct.blob.core.windows.net/c/d"}},
		{name: "unknown key", yml: heartDataYML + "datastor: x\n", wantErr: "datastor"},
		{name: "missing name", yml: "path: data\n", wantErr: "name: missing"},
		{name: "missing path", yml: "name: a\n", wantErr: "path: missing"},
		{name: "mltable", yml: "name: a\ntype: mltable\npath: data\n", wantErr: "unsupported data asset type"},
		{name: "empty", yml: "", wantErr: "empty"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "spec"+string(rune('a'+i))+".yml")
			require.NoError(t, os.WriteFile(p, []byte(tc.yml), 0o644))
			got, err := LoadDataAssetSpec(p)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := LoadDataAssetSpec(filepath.Join(dir, "nope.yml"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestCreateDataAssetRemote(t *testing.T) {
	f := newSTFake(t)
	c, _ := newSTClient(t, f, &stCred{}, nil, nil)
	ctx := context.Background()
	const uri = "azureml://datastores/workspaceblobstore/paths/heart/"

	tests := []struct {
		name        string
		spec        DataAssetSpec
		wantVersion string
		wantBody    string
		wantErr     string
	}{
		{name: "new asset gets version 1", spec: DataAssetSpec{Name: "heart", Path: uri, Description: "d", Tags: map[string]string{"k": "v"}},
			wantVersion: "1", wantBody: `{"properties":{"dataType":"uri_folder","dataUri":"` + uri + `","description":"d","tags":{"k":"v"},"isAnonymous":false}}`},
		{name: "next integer version", spec: DataAssetSpec{Name: "heart", Path: uri},
			wantVersion: "2", wantBody: `{"properties":{"dataType":"uri_folder","dataUri":"` + uri + `","isAnonymous":false}}`},
		{name: "explicit version, file kind, https", spec: DataAssetSpec{Name: "heart", Version: "v9", Kind: inputs.KindURIFile, Path: "https://acct.blob.core.windows.net/c/heart.csv"},
			wantVersion: "v9", wantBody: `{"properties":{"dataType":"uri_file","dataUri":"https://acct.blob.core.windows.net/c/heart.csv","isAnonymous":false}}`},
		// The latest version is now v9, so there is no next integer.
		{name: "latest not a number", spec: DataAssetSpec{Name: "heart", Path: uri}, wantErr: "not a number"},
		{name: "datastore ARM id path", spec: DataAssetSpec{Name: "other", Version: "1", Path: stWorkspace + "/datastores/workspaceblobstore/paths/x"},
			wantVersion: "1", wantBody: `{"properties":{"dataType":"uri_folder","dataUri":"` + stWorkspace + `/datastores/workspaceblobstore/paths/x","isAnonymous":false}}`},
		{name: "SAS URL refused", spec: DataAssetSpec{Name: "heart", Version: "5", Path: "https://acct.blob.core.windows.net/c/d?sv=1&sig=SECRETSIG"}, wantErr: "SAS"},
		{name: "asset reference refused", spec: DataAssetSpec{Name: "heart", Version: "5", Path: "azureml:heart:1"}, wantErr: "must be data"},
		{name: "bad name", spec: DataAssetSpec{Name: "-x", Path: uri}, wantErr: "DataAssetSpec.Name"},
		{name: "bad version", spec: DataAssetSpec{Name: "heart", Version: "latest", Path: uri}, wantErr: "DataAssetSpec.Version"},
		{name: "mltable", spec: DataAssetSpec{Name: "heart", Kind: inputs.KindMLTable, Path: uri}, wantErr: "uri_folder or uri_file"},
		{name: "empty path", spec: DataAssetSpec{Name: "heart"}, wantErr: "path is empty"},
		{name: "missing local path", spec: DataAssetSpec{Name: "heart", Path: filepath.Join(t.TempDir(), "nope")}, wantErr: "no file or folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.requests())
			da, err := c.CreateDataAsset(ctx, tc.spec, nil)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.NotContains(t, err.Error(), "SECRETSIG")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.spec.Name, da.Name)
			assert.Equal(t, tc.wantVersion, da.Version)
			assert.Equal(t, stWorkspace+"/data/"+tc.spec.Name+"/versions/"+tc.wantVersion, da.ID)
			var put *stReq
			for _, r := range f.requests()[before:] {
				if r.Method == "PUT" {
					put = &r
				}
			}
			require.NotNil(t, put)
			assert.Equal(t, stWorkspace+"/data/"+tc.spec.Name+"/versions/"+tc.wantVersion, put.Path)
			assert.JSONEq(t, tc.wantBody, string(put.Body))
		})
	}
	t.Run("validation errors send nothing", func(t *testing.T) {
		before := len(f.requests())
		_, err := c.CreateDataAsset(ctx, DataAssetSpec{Name: "heart", Path: "https://a.blob.core.windows.net/c?sig=SECRETSIG"}, nil)
		require.Error(t, err)
		assert.Len(t, f.requests(), before)
	})
}

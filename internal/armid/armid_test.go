package armid

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

const ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w"

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		rest int
	}{
		{ws, true, 0},
		{ws + "/data/d/versions/1", true, 4},
		{"/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.machinelearningservices/WORKSPACES/w", true, 0},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a", false, 0},
		{"/subscriptions//resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w", false, 0},
		{"subscriptions/s", false, 0},
	}
	for _, c := range cases {
		r, ok := Parse(c.in)
		assert.Equal(t, c.ok, ok, c.in)
		assert.Len(t, r.Rest, c.rest, c.in)
	}
}

func TestDatastoreForms(t *testing.T) {
	p, ok := ParseDatastoreURI("azureml://datastores/workspaceblobstore/paths/a/b.csv")
	assert.True(t, ok)
	assert.Equal(t, DatastorePath{Datastore: "workspaceblobstore", Path: "a/b.csv"}, p)
	p, ok = ParseDatastoreURI("azureml://subscriptions/s/resourceGroups/rg/workspaces/w/datastores/d/paths/x")
	assert.True(t, ok)
	assert.Equal(t, &Workspace{"s", "rg", "w"}, p.Workspace)
	_, ok = ParseDatastoreURI("azureml://datastores//paths/x")
	assert.False(t, ok)
	p, ok = ParseDatastoreID(ws + "/datastores/d/paths/x/y")
	assert.True(t, ok)
	assert.Equal(t, "x/y", p.Path)
	p, ok = ParseDatastoreID(ws + "/datastores/d")
	assert.True(t, ok)
	assert.Equal(t, "", p.Path)
	_, ok = ParseDatastoreID(ws + "/datastores/d/files/x")
	assert.False(t, ok)
}

func TestAssets(t *testing.T) {
	a, ok := ParseAssetID(ws + "/models/m/versions/3")
	assert.True(t, ok)
	assert.Equal(t, "models", a.Kind)
	assert.Equal(t, "3", a.Version)
	_, ok = ParseAssetID(ws + "/datasets/m/versions/3")
	assert.False(t, ok)
	for in, want := range map[string]AssetVersion{
		"azureml:heart-data:1":      {Name: "heart-data", Version: "1"},
		"azureml:heart-data@latest": {Name: "heart-data", Label: "latest"},
		"heart-data:2":              {Name: "heart-data", Version: "2"},
	} {
		got, ok := ParseShortAsset(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	w := Workspace{"s", "rg", "w"}
	assert.Equal(t, ws+"/data/d/versions/1", w.DataVersionID("d", "1"))
	assert.Equal(t, ws+"/datastores/x", w.DatastoreID("x"))
}

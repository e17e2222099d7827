package armid

import (
	"fmt"
	"strings"
)

// Provider is the Azure ML resource provider namespace.
const Provider = "Microsoft.MachineLearningServices"

// Workspace is the workspace part of an ARM id.
type Workspace struct {
	Subscription, ResourceGroup, Name string
}

// ID returns the workspace's ARM id.
func (w Workspace) ID() string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/workspaces/%s", w.Subscription, w.ResourceGroup, Provider, w.Name)
}

// DatastoreID returns the ARM id of datastore name in w.
func (w Workspace) DatastoreID(name string) string { return w.ID() + "/datastores/" + name }

// DataVersionID returns the ARM id of a data asset version in w.
func (w Workspace) DataVersionID(name, version string) string {
	return w.ID() + "/data/" + name + "/versions/" + version
}

// ModelVersionID returns the ARM id of a model version in w.
func (w Workspace) ModelVersionID(name, version string) string {
	return w.ID() + "/models/" + name + "/versions/" + version
}

// Resource is a parsed workspace-scoped ARM id: the workspace and the segments below it.
type Resource struct {
	Workspace Workspace
	Rest      []string // e.g. ["datastores","ws","paths","a","b"]
}

// Parse parses "/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}[/...]".
// Segment keywords are matched case-insensitively, as ARM does.
func Parse(id string) (Resource, bool) {
	if !strings.HasPrefix(id, "/") {
		return Resource{}, false
	}
	seg := strings.Split(strings.TrimPrefix(id, "/"), "/")
	if len(seg) < 8 ||
		!strings.EqualFold(seg[0], "subscriptions") ||
		!strings.EqualFold(seg[2], "resourceGroups") ||
		!strings.EqualFold(seg[4], "providers") ||
		!strings.EqualFold(seg[5], Provider) ||
		!strings.EqualFold(seg[6], "workspaces") {
		return Resource{}, false
	}
	for _, s := range seg[:8] {
		if s == "" {
			return Resource{}, false
		}
	}
	return Resource{Workspace: Workspace{seg[1], seg[3], seg[7]}, Rest: seg[8:]}, true
}

// DatastorePath is a datastore reference with a path inside it.
type DatastorePath struct {
	Workspace *Workspace // nil for the short azureml://datastores form
	Datastore string
	Path      string
}

// ParseDatastoreURI parses azureml://datastores/{ds}/paths/{p} and
// azureml://subscriptions/{s}/resource[gG]roups/{rg}/workspaces/{ws}/datastores/{ds}/paths/{p}.
func ParseDatastoreURI(uri string) (DatastorePath, bool) {
	const scheme = "azureml://"
	if len(uri) < len(scheme) || !strings.EqualFold(uri[:len(scheme)], scheme) {
		return DatastorePath{}, false
	}
	rest := uri[len(scheme):]
	seg := strings.SplitN(rest, "/", 4)
	if len(seg) == 4 && strings.EqualFold(seg[0], "datastores") && strings.EqualFold(seg[2], "paths") && seg[1] != "" {
		return DatastorePath{Datastore: seg[1], Path: seg[3]}, true
	}
	seg = strings.SplitN(rest, "/", 10)
	if len(seg) == 10 && strings.EqualFold(seg[0], "subscriptions") && strings.EqualFold(seg[2], "resourcegroups") &&
		strings.EqualFold(seg[4], "workspaces") && strings.EqualFold(seg[6], "datastores") && strings.EqualFold(seg[8], "paths") &&
		seg[1] != "" && seg[3] != "" && seg[5] != "" && seg[7] != "" {
		return DatastorePath{Workspace: &Workspace{seg[1], seg[3], seg[5]}, Datastore: seg[7], Path: seg[9]}, true
	}
	return DatastorePath{}, false
}

// ParseDatastoreID parses a datastore ARM id followed by /paths/{p}; path may be empty
// when the id has no /paths part.
func ParseDatastoreID(id string) (DatastorePath, bool) {
	r, ok := Parse(id)
	if !ok || len(r.Rest) < 2 || !strings.EqualFold(r.Rest[0], "datastores") || r.Rest[1] == "" {
		return DatastorePath{}, false
	}
	ws := r.Workspace
	if len(r.Rest) == 2 {
		return DatastorePath{Workspace: &ws, Datastore: r.Rest[1]}, true
	}
	if len(r.Rest) < 4 || !strings.EqualFold(r.Rest[2], "paths") {
		return DatastorePath{}, false
	}
	return DatastorePath{Workspace: &ws, Datastore: r.Rest[1], Path: strings.Join(r.Rest[3:], "/")}, true
}

// AssetVersion is a versioned asset reference (data or model).
type AssetVersion struct {
	Workspace *Workspace
	Kind      string // "data" or "models"
	Name      string
	Version   string // "" when Label is set
	Label     string // "latest"
}

// ParseAssetID parses ".../workspaces/{ws}/{data|models}/{name}/versions/{version}".
func ParseAssetID(id string) (AssetVersion, bool) {
	r, ok := Parse(id)
	if !ok || len(r.Rest) != 4 || !strings.EqualFold(r.Rest[2], "versions") || r.Rest[1] == "" || r.Rest[3] == "" {
		return AssetVersion{}, false
	}
	kind := strings.ToLower(r.Rest[0])
	if kind != "data" && kind != "models" {
		return AssetVersion{}, false
	}
	ws := r.Workspace
	return AssetVersion{Workspace: &ws, Kind: kind, Name: r.Rest[1], Version: r.Rest[3]}, true
}

// ParseShortAsset parses "azureml:name:version" and "azureml:name@label"; the
// azureml: prefix is optional.
func ParseShortAsset(s string) (AssetVersion, bool) {
	s = trimPrefixFold(s, "azureml:")
	if strings.HasPrefix(s, "//") || s == "" {
		return AssetVersion{}, false
	}
	if i := strings.LastIndex(s, "@"); i > 0 && !strings.Contains(s[:i], ":") {
		return AssetVersion{Name: s[:i], Label: s[i+1:]}, s[i+1:] != ""
	}
	if i := strings.LastIndex(s, ":"); i > 0 {
		return AssetVersion{Name: s[:i], Version: s[i+1:]}, s[i+1:] != ""
	}
	return AssetVersion{Name: s}, true
}

func trimPrefixFold(s, p string) string {
	if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
		return s[len(p):]
	}
	return s
}

// HasPrefixFold reports whether s starts with p ignoring case.
func HasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

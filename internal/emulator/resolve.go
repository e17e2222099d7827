package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// dataRef is a parsed and validated data input or output uri.
type dataRef struct {
	raw string
	// Datastore path (short, long or ARM-id form).
	ws        *Workspace
	datastore string
	path      string
	// Storage URL (https/http).
	url string
	// Data asset the uri named (resolved to its dataUri's location).
	asset *DataAsset
}

var (
	shortDatastoreRE = regexp.MustCompile(`^azureml://datastores/([^/]+)/paths/(.*)$`)
	longDatastoreRE  = regexp.MustCompile(`(?i)^azureml://subscriptions/([^/]+)/resourcegroups/([^/]+)/workspaces/([^/]+)/datastores/([^/]+)/paths/(.*)$`)
	armDatastoreRE   = regexp.MustCompile(`(?i)^(?:azureml:)?/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/Microsoft\.MachineLearningServices/workspaces/([^/]+)/datastores/([^/]+)/paths/(.*)$`)
	armDataRE        = regexp.MustCompile(`(?i)^(?:azureml:)?/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/Microsoft\.MachineLearningServices/workspaces/([^/]+)/data/([^/]+)/versions/([^/]+)$`)
	longDataRE       = regexp.MustCompile(`(?i)^azureml://subscriptions/([^/]+)/resourcegroups/([^/]+)/workspaces/([^/]+)/data/([^/]+)/versions/(labels/latest|[^/]+)$`)
	locationDataRE   = regexp.MustCompile(`(?i)^azureml://locations/([^/]+)/workspaces/([^/]+)/data/([^/]+)/versions/(labels/latest|[^/]+)$`)
	shortDataRE      = regexp.MustCompile(`^azureml:([^:@/]+)(?::([^:@/]+)|@(latest))$`)
	storageURLRE     = regexp.MustCompile(`(?i)^https?://`)
)

// parseDataURI parses and validates uri in the context of workspace w (the
// invoked one). output restricts the accepted forms to datastore paths.
func (s *Server) parseDataURI(w *Workspace, uri string, output bool) (*dataRef, *apiError) {
	return s.parseDataURITable(w, uri, output, false)
}

// parseDataURITable is parseDataURI that also accepts an mltable data asset when
// table is set (an MLTable input of a pipeline component deployment).
func (s *Server) parseDataURITable(w *Workspace, uri string, output, table bool) (*dataRef, *apiError) {
	ref := &dataRef{raw: uri}
	if m := shortDatastoreRE.FindStringSubmatch(uri); m != nil {
		return s.datastoreRef(ref, w, m[1], m[2], output)
	}
	if m := longDatastoreRE.FindStringSubmatch(uri); m != nil {
		ws, e := s.refWorkspace(m[1], m[2], m[3])
		if e != nil {
			return nil, e
		}
		return s.datastoreRef(ref, ws, m[4], m[5], output)
	}
	if m := armDatastoreRE.FindStringSubmatch(uri); m != nil {
		ws, e := s.refWorkspace(m[1], m[2], m[3])
		if e != nil {
			return nil, e
		}
		return s.datastoreRef(ref, ws, m[4], m[5], output)
	}
	if output {
		if storageURLRE.MatchString(uri) {
			return nil, badRequest("Output uri '%s' is not supported. Batch endpoints only support writing outputs in Blob Storage data stores: use azureml://datastores/<name>/paths/<path> or a datastore id followed by /paths/<path>.", uri)
		}
		return nil, badRequest("Invalid output uri '%s'. Use azureml://datastores/<name>/paths/<path> or a datastore id followed by /paths/<path>.", uri)
	}
	if storageURLRE.MatchString(uri) {
		ref.url = uri
		return ref, nil
	}
	var ws *Workspace
	var name, version string
	switch m := [][]string{armDataRE.FindStringSubmatch(uri), longDataRE.FindStringSubmatch(uri), locationDataRE.FindStringSubmatch(uri), shortDataRE.FindStringSubmatch(uri)}; {
	case m[0] != nil:
		var e *apiError
		if ws, e = s.refWorkspace(m[0][1], m[0][2], m[0][3]); e != nil {
			return nil, e
		}
		name, version = m[0][4], m[0][5]
	case m[1] != nil:
		var e *apiError
		if ws, e = s.refWorkspace(m[1][1], m[1][2], m[1][3]); e != nil {
			return nil, e
		}
		name, version = m[1][4], m[1][5]
	case m[2] != nil:
		ws = w
		if !strings.EqualFold(m[2][2], w.cfg.Name) {
			s.mu.Lock()
			ws = nil
			for _, o := range s.workspaces {
				if strings.EqualFold(o.cfg.Name, m[2][2]) && strings.EqualFold(o.cfg.Location, m[2][1]) {
					ws = o
				}
			}
			s.mu.Unlock()
			if ws == nil {
				return nil, notFound("Workspace '%s' in location '%s' was not found.", m[2][2], m[2][1])
			}
		}
		name, version = m[2][3], m[2][4]
	case m[3] != nil:
		ws, name, version = w, m[3][1], m[3][2]
		if m[3][3] != "" {
			version = "latest"
		}
	default:
		return nil, badRequest("Invalid input uri '%s'. Supported values are a path on a datastore (azureml://datastores/<name>/paths/<path>), a storage URL, or a registered data asset of type uri_folder or uri_file.", uri)
	}
	s.mu.Lock()
	v := ws.dataVersionLocked(name, version)
	var a DataAsset
	if v != nil {
		a = v.cfg
	}
	s.mu.Unlock()
	if v == nil {
		return nil, notFound("Data asset %s:%s was not found in workspace %s.", name, strings.TrimPrefix(version, "labels/"), ws.cfg.Name)
	}
	if a.Type == DataTypeMLTable && !table {
		return nil, badRequest("Data asset %s:%s is of type mltable. Data assets of type table (MLTable) aren't currently supported by batch endpoints; use uri_folder or uri_file data assets.", a.Name, a.Version)
	}
	inner, e := s.parseDataURI(ws, a.Path, false)
	if e != nil {
		return nil, e
	}
	if inner.asset != nil {
		return nil, badRequest("Data asset %s:%s points at another data asset (%s).", a.Name, a.Version, a.Path)
	}
	inner.raw = uri
	inner.asset = &a
	return inner, nil
}

func (s *Server) refWorkspace(sub, rg, name string) (*Workspace, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.workspaceLocked(sub, rg, name); w != nil {
		return w, nil
	}
	return nil, notFound("Workspace '%s' in resource group '%s' of subscription '%s' was not found.", name, rg, sub)
}

func (s *Server) datastoreRef(ref *dataRef, w *Workspace, ds, p string, output bool) (*dataRef, *apiError) {
	s.mu.Lock()
	d := w.datastoreLocked(ds)
	var typ DatastoreType
	if d != nil {
		typ = d.cfg.Type
		ds = d.cfg.Name
	}
	s.mu.Unlock()
	if d == nil {
		return nil, notFound("Datastore '%s' was not found in workspace '%s'.", ds, w.cfg.Name)
	}
	if output && typ != DatastoreAzureBlob {
		return nil, userError(http.StatusBadRequest, "BadArgument", "Batch endpoints only support writing outputs in Blob Storage data stores.")
	}
	if !output && typ == DatastoreAzureFile {
		return nil, badRequest("Datastore '%s' is of type AzureFile. Batch endpoints read inputs from Azure Blob Storage, Azure Data Lake Gen1 and Azure Data Lake Gen2 datastores only.", ds)
	}
	ref.ws, ref.datastore, ref.path = w, ds, p
	return ref, nil
}

// location turns a parsed reference into a blob location, at job run time.
func (s *Server) location(ref *dataRef) (blobLoc, *JobError) {
	if ref.url != "" {
		l, ok := s.urlLoc(ref.url)
		if !ok {
			return blobLoc{}, &JobError{Code: "UserError", Message: fmt.Sprintf(
				"Unable to access the input data at '%s': the host is not a storage account known to the local emulator (it has no internet access). Register it with AddStorageAccount or a datastore.", redactURL(ref.url))}
		}
		return l, nil
	}
	d, ok := ref.ws.Datastore(ref.datastore)
	if !ok {
		return blobLoc{}, &JobError{Code: "UserError", Message: fmt.Sprintf("Datastore '%s' was not found.", ref.datastore)}
	}
	if d.ServiceURL == "" {
		return blobLoc{}, &JobError{Code: "UserError", Message: fmt.Sprintf("Datastore '%s' has no storage behind it in the emulator.", d.Name)}
	}
	return datastoreLoc(d, ref.path), nil
}

// redactURL strips a SAS signature from a URL for messages.
func redactURL(u string) string {
	i := strings.Index(u, "?")
	if i < 0 {
		return u
	}
	return u[:i] + "?<redacted>"
}

package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// orderedMap decodes a JSON object keeping key order: the service reports
// validation errors by position (InputData.Values[0]).
type orderedMap[V any] struct {
	keys []string
	vals []V
}

// UnmarshalJSON records keys in document order.
func (m *orderedMap[V]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("expected an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var v V
		if err := dec.Decode(&v); err != nil {
			return err
		}
		m.keys = append(m.keys, t.(string))
		m.vals = append(m.vals, v)
	}
	_, err := dec.Token()
	return err
}

// flexInt accepts a JSON number or a numeric string.
type flexInt struct {
	v   int64
	set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "null" || s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("invalid integer %s", b)
	}
	f.v, f.set = n, true
	return nil
}

type rawInput struct {
	JobInputType string          `json:"jobInputType"`
	URI          string          `json:"uri"`
	Mode         string          `json:"mode"`
	Value        json.RawMessage `json:"value"`
	Description  *string         `json:"description"`
}

type rawOutput struct {
	JobOutputType string  `json:"jobOutputType"`
	URI           string  `json:"uri"`
	Mode          string  `json:"mode"`
	Description   *string `json:"description"`
}

type invokeProps struct {
	InputData  orderedMap[rawInput]  `json:"inputData"`
	OutputData orderedMap[rawOutput] `json:"outputData"`
	Dataset    *struct {
		DataInputType  string `json:"dataInputType"`
		Path           string `json:"path"`
		DatasetID      string `json:"datasetId"`
		DatasetName    string `json:"datasetName"`
		DatasetVersion string `json:"datasetVersion"`
	} `json:"dataset"`
	OutputDataset *struct {
		DatastoreID string `json:"datastoreId"`
		Path        string `json:"path"`
	} `json:"outputDataset"`
	OutputFileName            string  `json:"outputFileName"`
	MiniBatchSize             flexInt `json:"miniBatchSize"`
	MaxConcurrencyPerInstance flexInt `json:"maxConcurrencyPerInstance"`
	ErrorThreshold            flexInt `json:"errorThreshold"`
	RetrySettings             *struct {
		MaxRetries flexInt `json:"maxRetries"`
		Timeout    string  `json:"timeout"`
	} `json:"retrySettings"`
	Compute *struct {
		InstanceCount flexInt `json:"instanceCount"`
	} `json:"compute"`
	Name         string                     `json:"name"`
	Description  string                     `json:"description"`
	Tags         map[string]string          `json:"tags"`
	Properties   map[string]json.RawMessage `json:"properties"`
	LoggingLevel string                     `json:"loggingLevel"`
}

type invokeBody struct {
	Properties *invokeProps `json:"properties"`
}

var (
	ioNameRE    = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)
	inputTypes  = []string{"CustomModel", "Literal", "MLFlowModel", "MLTable", "TritonModel", "UriFile", "UriFolder"}
	outputTypes = []string{"CustomModel", "MLFlowModel", "MLTable", "TritonModel", "UriFile", "UriFolder"}
)

// enumValue matches v case-insensitively (not across spellings: "uri_folder" is
// not a data-plane value) and returns the canonical form.
func enumValue(v string, values []string) (string, bool) {
	for _, x := range values {
		if strings.EqualFold(x, v) {
			return x, true
		}
	}
	return "", false
}

// literalString renders a literal value as the service stores it (a string).
func literalString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "True"
		}
		return "False"
	}
	return string(raw)
}

// parseISODuration parses the PnDTnHnMnS subset used by retrySettings.timeout.
func parseISODuration(s string) (time.Duration, bool) {
	re := regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)
	m := re.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || s == "PT" {
		return 0, false
	}
	var d time.Duration
	units := []time.Duration{24 * time.Hour, time.Hour, time.Minute}
	for i, u := range units {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * u
		}
	}
	if m[4] != "" {
		f, _ := strconv.ParseFloat(m[4], 64)
		d += time.Duration(f * float64(time.Second))
	}
	return d, true
}

// attemptedInputValue is an input as the service echoes it in a validation
// error's AttemptedValue (PascalCase, keys in alphabetical order).
type attemptedInputValue struct {
	JobInputType string
	Mode         string  `json:",omitempty"`
	URI          string  `json:"Uri,omitempty"`
	Value        *string `json:",omitempty"`
}

func attemptedInput(in rawInput) attemptedInputValue {
	v := attemptedInputValue{JobInputType: in.JobInputType, URI: in.URI, Mode: in.Mode}
	if len(in.Value) > 0 {
		v.Value = Ptr(literalString(in.Value))
	}
	return v
}

// invoke handles POST {scoringUri}.
func (s *Server) invoke(c *call) *apiError {
	s.mu.Lock()
	ep := s.endpoints[strings.ToLower(c.vars["endpoint"])]
	s.mu.Unlock()
	if ep == nil {
		return notFound("Batch endpoint '%s' was not found.", c.vars["endpoint"])
	}
	c.ws = ep.ws
	id, firstSent, e := repeatHeaders(c.r)
	if e != nil {
		c.w.Header().Set(headerRepeatResult, "rejected")
		return e
	}
	create := func(c *call) *apiError { return s.createJob(c, ep, id) }
	if id == "" {
		return create(c)
	}
	return s.invokeRepeatable(c, ep, id, firstSent, create)
}

// createJob validates the invoke of ep and creates its job; id is the
// repeatability id ("" for none).
func (s *Server) createJob(c *call, ep *endpointState, repeatID string) *apiError {
	// Deployment: header, else the endpoint default.
	depName := c.r.Header.Get("azureml-model-deployment")
	s.mu.Lock()
	if depName == "" {
		depName = ep.cfg.DefaultDeployment
	}
	var dep *deploymentState
	if depName != "" {
		dep = ep.deploymentLocked(depName)
	}
	noDeployments := len(ep.deployments) == 0
	s.mu.Unlock()
	switch {
	case depName == "" && noDeployments:
		return notFound("No deployment exists for batch endpoint '%s'. Create a deployment and set it as the default, or name one in the 'azureml-model-deployment' header.", ep.cfg.Name)
	case depName == "":
		return notFound("Batch endpoint '%s' has no default deployment. Set a default deployment or name one in the 'azureml-model-deployment' header.", ep.cfg.Name)
	case dep == nil:
		return notFound("Deployment '%s' was not found in batch endpoint '%s'.", depName, ep.cfg.Name)
	}

	var body invokeBody
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if err := dec.Decode(&body); err != nil {
		return badRequest("The request body is not valid JSON for a batch job: %v", err)
	}
	if body.Properties == nil {
		return validationError(validationItem{PropertyName: "Properties", ErrorMessage: "'Properties' must not be empty.", AttemptedValue: nil, ErrorCode: "NotNullValidator"})
	}
	j, e := s.buildJob(c, ep, dep, body.Properties)
	if e != nil {
		return e
	}
	j.repeatID = repeatID
	j.createdBy = createdBy(c.r)
	j.ctx, j.cancelFn = context.WithCancelCause(context.Background())

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return armError(http.StatusServiceUnavailable, "ServiceUnavailable", "The emulator is shutting down.")
	}
	if len(s.failNext) > 0 {
		f := s.failNext[0]
		j.scripted = &f
		s.failNext = s.failNext[1:]
	}
	j.setStatusLocked(StatusPreparing)
	s.jobs[j.name] = j
	for _, ch := range j.children {
		s.childRuns[strings.ToLower(ch.id)] = j
	}
	s.jobOrder = append(s.jobOrder, j)
	j.seq = int64(len(s.jobOrder))
	resp, _ := json.Marshal(s.batchJobLocked(j))
	s.jobsWG.Add(1)
	s.mu.Unlock()
	s.logf("job %s created on %s/%s", j.name, j.endpoint, j.deployment)
	if sim := j.dep.simulation(); sim != nil {
		s.simulate(j, sim)
	} else {
		go s.runJob(j)
	}

	c.w.Header().Set("azureml-model-deployment", j.deployment)
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(http.StatusCreated)
	_, _ = c.w.Write(resp)
	return nil
}

func createdBy(r *http.Request) string {
	if cl, err := parseBearer(r.Header.Get("Authorization")); err == nil {
		if cl.Name != "" {
			return cl.Name
		}
		if cl.UPN != "" {
			return cl.UPN
		}
		return cl.OID
	}
	return ""
}

// buildJob validates the request like the service and returns the job to create.
func (s *Server) buildJob(c *call, ep *endpointState, dep *deploymentState, p *invokeProps) (*job, *apiError) {
	pipeline := dep.pipeline != nil
	ins := p.InputData
	// Legacy V1 "dataset" form: one folder input.
	if p.Dataset != nil && len(ins.keys) == 0 {
		switch strings.ToLower(p.Dataset.DataInputType) {
		case "dataurl":
			ins.keys = []string{"UriFolder"}
			ins.vals = []rawInput{{JobInputType: "UriFolder", URI: p.Dataset.Path}}
		default:
			return nil, badRequest("Data assets of type FileDataset (V1) are not supported by batch endpoints created with REST API versions 2022-05-01 and newer. Use a uri_folder or uri_file data asset (dataInputType '%s').", p.Dataset.DataInputType)
		}
	}
	outs := p.OutputData
	if p.OutputDataset != nil && len(outs.keys) == 0 && (p.OutputDataset.DatastoreID != "" || p.OutputDataset.Path != "") {
		ds := p.OutputDataset.DatastoreID
		if i := strings.LastIndex(ds, "/datastores/"); i >= 0 {
			ds = ds[i+len("/datastores/"):]
		}
		ds = strings.TrimPrefix(ds, "azureml:")
		file := p.OutputFileName
		if file == "" && dep.model != nil {
			file = dep.model.OutputFileName
		}
		outs.keys = []string{"score"}
		outs.vals = []rawOutput{{JobOutputType: "UriFile", URI: "azureml://datastores/" + ds + "/paths/" + joinBlob(p.OutputDataset.Path, file)}}
	}

	var items []validationItem
	seen := map[string]bool{}
	for i, k := range ins.keys {
		in := ins.vals[i]
		if !ioNameRE.MatchString(k) {
			items = append(items, validationItem{PropertyName: "InputData.Keys[" + strconv.Itoa(i) + "]",
				ErrorMessage:   fmt.Sprintf("Input name '%s' is invalid. Keys can contain only alphanumeric characters and underscore characters.", k),
				AttemptedValue: k, ErrorCode: "PredicateValidator"})
		}
		if seen[strings.ToLower(k)] {
			items = append(items, validationItem{PropertyName: "InputData.Keys[" + strconv.Itoa(i) + "]",
				ErrorMessage: fmt.Sprintf("Input name '%s' is used more than once (names are case-insensitive).", k), AttemptedValue: k, ErrorCode: "PredicateValidator"})
		}
		seen[strings.ToLower(k)] = true
		prop := "InputData.Values[" + strconv.Itoa(i) + "]"
		typ, ok := enumValue(in.JobInputType, inputTypes)
		switch {
		case in.JobInputType == "":
			items = append(items, validationItem{PropertyName: prop + ".JobInputType", ErrorMessage: "'Job Input Type' must not be empty.", AttemptedValue: attemptedInput(in), ErrorCode: "NotEmptyValidator"})
			continue
		case !ok:
			items = append(items, validationItem{PropertyName: prop + ".JobInputType",
				ErrorMessage:   fmt.Sprintf("'%s' is not a valid job input type. Valid values are: %s.", in.JobInputType, strings.Join(inputTypes, ", ")),
				AttemptedValue: in.JobInputType, ErrorCode: "EnumValidator"})
			continue
		}
		supported := []string{"UriFile", "UriFolder"}
		if pipeline {
			// Pipeline component deployments take MLTable data as their components
			// declare it (Microsoft Learn, "Create jobs and input data for batch
			// endpoints", current version); model deployments don't.
			supported = []string{"Literal", "MLTable", "UriFile", "UriFolder"}
		}
		if _, ok := enumValue(typ, supported); !ok {
			names := make([]string, len(supported))
			for i, t := range supported {
				names[i] = t + "JobInput"
			}
			items = append(items, validationItem{PropertyName: prop,
				ErrorMessage:   fmt.Sprintf("The specified job input type '%sJobInput' is not supported. The supported types are: %s.", typ, strings.Join(names, ", ")),
				AttemptedValue: attemptedInput(in), ErrorCode: "PredicateValidator"})
			continue
		}
		if typ != "Literal" && strings.TrimSpace(in.URI) == "" {
			items = append(items, validationItem{PropertyName: prop + ".Uri", ErrorMessage: "'Uri' must not be empty.", AttemptedValue: attemptedInput(in), ErrorCode: "NotEmptyValidator"})
		}
		if pipeline && dep.pipeline.Inputs != nil {
			if _, ok := dep.pipeline.Inputs[k]; !ok {
				items = append(items, validationItem{PropertyName: "InputData.Keys[" + strconv.Itoa(i) + "]",
					ErrorMessage:   fmt.Sprintf("Input '%s' is not defined by the pipeline component. Defined inputs: %s.", k, strings.Join(sortedKeys(dep.pipeline.Inputs), ", ")),
					AttemptedValue: k, ErrorCode: "PredicateValidator"})
			}
		}
	}
	if !pipeline && len(ins.keys) != 1 {
		items = append(items, validationItem{PropertyName: "InputData",
			ErrorMessage:   fmt.Sprintf("Batch deployments of models take exactly one input; %d were provided.", len(ins.keys)),
			AttemptedValue: len(ins.keys), ErrorCode: "PredicateValidator"})
	}
	seen = map[string]bool{}
	for i, k := range outs.keys {
		o := outs.vals[i]
		if !ioNameRE.MatchString(k) || seen[strings.ToLower(k)] {
			items = append(items, validationItem{PropertyName: "OutputData.Keys[" + strconv.Itoa(i) + "]",
				ErrorMessage:   fmt.Sprintf("Output name '%s' is invalid. Keys can contain only alphanumeric characters and underscore characters, and must be unique.", k),
				AttemptedValue: k, ErrorCode: "PredicateValidator"})
		}
		seen[strings.ToLower(k)] = true
		prop := "OutputData.Values[" + strconv.Itoa(i) + "]"
		typ, ok := enumValue(o.JobOutputType, outputTypes)
		switch {
		case !ok:
			items = append(items, validationItem{PropertyName: prop + ".JobOutputType",
				ErrorMessage:   fmt.Sprintf("'%s' is not a valid job output type. Valid values are: %s.", o.JobOutputType, strings.Join(outputTypes, ", ")),
				AttemptedValue: o.JobOutputType, ErrorCode: "EnumValidator"})
		case !pipeline && typ != "UriFile":
			items = append(items, validationItem{PropertyName: prop + ".JobOutputType", ErrorMessage: "Job output type must be 'uri_file'.",
				AttemptedValue: snakeType(typ), ErrorCode: "PredicateValidator"})
		case pipeline && typ != "UriFile" && typ != "UriFolder":
			items = append(items, validationItem{PropertyName: prop + ".JobOutputType",
				ErrorMessage:   fmt.Sprintf("The specified job output type '%sJobOutput' is not supported. The supported types are: UriFileJobOutput, UriFolderJobOutput.", typ),
				AttemptedValue: snakeType(typ), ErrorCode: "PredicateValidator"})
		}
		if pipeline && dep.pipeline.Outputs != nil {
			if _, ok := dep.pipeline.Outputs[k]; !ok {
				items = append(items, validationItem{PropertyName: "OutputData.Keys[" + strconv.Itoa(i) + "]",
					ErrorMessage:   fmt.Sprintf("Output '%s' is not defined by the pipeline component. Defined outputs: %s.", k, strings.Join(sortedKeys(dep.pipeline.Outputs), ", ")),
					AttemptedValue: k, ErrorCode: "PredicateValidator"})
			}
		}
	}
	if !pipeline && len(outs.keys) > 1 {
		items = append(items, validationItem{PropertyName: "OutputData",
			ErrorMessage:   fmt.Sprintf("Batch deployments of models write exactly one output; %d were provided.", len(outs.keys)),
			AttemptedValue: len(outs.keys), ErrorCode: "PredicateValidator"})
	}
	items = append(items, validateTags(p.Tags)...)
	userProps := map[string]string{}
	for k, v := range p.Properties {
		userProps[k] = literalString(v)
	}
	if !pipeline && len(userProps) > 0 {
		items = append(items, validationItem{PropertyName: "Properties",
			ErrorMessage:   "Job properties (such as experimentName) can only be configured for batch endpoints with pipeline component deployments.",
			AttemptedValue: userProps, ErrorCode: "PredicateValidator"})
	}
	var timeout time.Duration
	if p.RetrySettings != nil && p.RetrySettings.Timeout != "" {
		d, ok := parseISODuration(p.RetrySettings.Timeout)
		if !ok || d <= 0 {
			items = append(items, validationItem{PropertyName: "RetrySettings.Timeout", ErrorMessage: "'Timeout' must be an ISO 8601 duration such as PT30S.",
				AttemptedValue: p.RetrySettings.Timeout, ErrorCode: "PredicateValidator"})
		}
		timeout = d
	}
	if p.MiniBatchSize.set && p.MiniBatchSize.v <= 0 {
		items = append(items, validationItem{PropertyName: "MiniBatchSize", ErrorMessage: "'Mini Batch Size' must be greater than '0'.", AttemptedValue: p.MiniBatchSize.v, ErrorCode: "GreaterThanValidator"})
	}
	if len(items) > 0 {
		return nil, validationError(items...)
	}

	guid := uuid.NewString()
	prefix := "batchjob-"
	if pipeline {
		prefix = "pipelinejob-"
	}
	j := &job{
		s: s, name: prefix + guid, guid: guid, ws: ep.ws, endpoint: ep.cfg.Name, deployment: dep.name, dep: dep, pipeline: pipeline,
		displayName: p.Name, experimentName: ep.cfg.Name, description: p.Description, userTags: p.Tags, userProps: userProps,
		created: time.Now().UTC(), done: make(chan struct{}), changed: make(chan struct{}),
	}
	if j.displayName == "" {
		j.displayName = randomDisplayName()
	}
	j.children = newChildren(j)
	j.logs = newJobLogs()
	if pipeline {
		if v, ok := findFold(userProps, "experimentName"); ok && v != "" {
			j.experimentName = v
		}
	}
	for i, k := range ins.keys {
		in := ins.vals[i]
		typ, _ := enumValue(in.JobInputType, inputTypes)
		ji := &jobInput{name: k, typ: typ, mode: in.Mode}
		if typ == "Literal" {
			ji.literal, ji.value = true, literalString(in.Value)
		} else {
			ref, e := s.parseDataURITable(ep.ws, strings.TrimSpace(in.URI), false, pipeline && typ == "MLTable")
			if e != nil {
				return nil, e
			}
			ji.uri, ji.ref = in.URI, ref
			if ji.mode == "" {
				ji.mode = "ReadOnlyMount"
			}
		}
		j.inputs = append(j.inputs, ji)
	}
	if !pipeline {
		m := dep.model
		st := modelSettings{miniBatchSize: m.MiniBatchSize, concurrency: m.MaxConcurrencyPerInstance, errorThreshold: *m.ErrorThreshold,
			maxRetries: *m.MaxRetries, timeout: m.Timeout, outputAction: m.OutputAction, outputFileName: m.OutputFileName, instanceCount: m.InstanceCount}
		if p.MiniBatchSize.set {
			st.miniBatchSize = int(p.MiniBatchSize.v)
		}
		if p.MaxConcurrencyPerInstance.set && p.MaxConcurrencyPerInstance.v > 0 {
			st.concurrency = int(p.MaxConcurrencyPerInstance.v)
		}
		if p.ErrorThreshold.set {
			st.errorThreshold = int(p.ErrorThreshold.v)
		}
		if p.RetrySettings != nil && p.RetrySettings.MaxRetries.set {
			st.maxRetries = int(p.RetrySettings.MaxRetries.v)
		}
		if timeout > 0 {
			st.timeout = timeout
		}
		if p.OutputFileName != "" {
			st.outputFileName = p.OutputFileName
		}
		if p.Compute != nil && p.Compute.InstanceCount.set && p.Compute.InstanceCount.v > 0 {
			st.instanceCount = int(p.Compute.InstanceCount.v)
		}
		j.settings = st
	}
	// Outputs: the requested ones, then (pipelines) declared ones at default locations.
	for i, k := range outs.keys {
		o := outs.vals[i]
		typ, _ := enumValue(o.JobOutputType, outputTypes)
		ref, e := s.parseDataURI(ep.ws, strings.TrimSpace(o.URI), true)
		if o.URI == "" {
			ref, e = nil, nil
		}
		if e != nil {
			return nil, e
		}
		jo := &jobOutput{name: k, typ: typ, mode: o.Mode}
		if jo.mode == "" {
			jo.mode = "ReadWriteMount"
		}
		if ref == nil {
			if e := s.defaultOutput(j, jo); e != nil {
				return nil, e
			}
		} else {
			d, _ := ref.ws.Datastore(ref.datastore)
			jo.uri, jo.dsID = o.URI, ref.ws.DatastoreID(d.Name)
			jo.loc = datastoreLoc(d, ref.path)
		}
		j.outputs = append(j.outputs, jo)
	}
	if !pipeline && len(j.outputs) == 0 {
		jo := &jobOutput{name: "score", typ: "UriFile", mode: "ReadWriteMount"}
		if e := s.defaultOutput(j, jo); e != nil {
			return nil, e
		}
		j.outputs = append(j.outputs, jo)
	}
	if pipeline {
		for _, n := range sortedKeys(dep.pipeline.Outputs) {
			found := false
			for _, o := range j.outputs {
				found = found || strings.EqualFold(o.name, n)
			}
			if !found {
				jo := &jobOutput{name: n, typ: dep.pipeline.Outputs[n].Type, mode: "ReadWriteMount"}
				if e := s.defaultOutput(j, jo); e != nil {
					return nil, e
				}
				j.outputs = append(j.outputs, jo)
			}
		}
	}
	return j, nil
}

// defaultOutput places o at azureml/<job-guid>/<output>/... on the default datastore.
func (s *Server) defaultOutput(j *job, o *jobOutput) *apiError {
	d, ok := j.ws.DefaultDatastore()
	if !ok {
		return badRequest("Workspace '%s' has no default datastore for the job outputs.", j.ws.cfg.Name)
	}
	p := joinBlob("azureml", j.guid, o.name) + "/"
	if o.typ == "UriFile" {
		file := j.settings.outputFileName
		if j.pipeline {
			file = o.name
			if po, ok := j.dep.pipeline.Outputs[o.name]; ok {
				file = po.FileName
			}
		}
		p = joinBlob("azureml", j.guid, o.name, file)
	}
	o.dsID = j.ws.DatastoreID(d.Name)
	o.uri = o.dsID + "/paths/" + p
	o.loc = datastoreLoc(d, p)
	return nil
}

func snakeType(t string) string {
	switch t {
	case "UriFile":
		return "uri_file"
	case "UriFolder":
		return "uri_folder"
	case "Literal":
		return "literal"
	case "MLTable":
		return "mltable"
	case "MLFlowModel":
		return "mlflow_model"
	case "CustomModel":
		return "custom_model"
	case "TritonModel":
		return "triton_model"
	}
	return strings.ToLower(t)
}

// findFold returns the value whose key equals k ignoring case, as the service
// reads property names.
func findFold(m map[string]string, k string) (string, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for kk, v := range m {
		if strings.EqualFold(kk, k) {
			return v, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var (
	adjectives = []string{"lemon", "amber", "brave", "calm", "eager", "frosty", "gentle", "happy", "icy", "jolly", "keen", "lucid", "mighty", "nifty", "olive", "plucky", "quiet", "rustic", "sunny", "tidy"}
	nouns      = []string{"yacht", "apple", "bridge", "cloud", "drum", "engine", "forest", "garden", "harbor", "island", "jungle", "kettle", "lantern", "meadow", "needle", "orange", "pepper", "quill", "river", "spoon"}
)

func randomDisplayName() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return adjectives[rand.IntN(len(adjectives))] + "_" + nouns[rand.IntN(len(nouns))] + "_" + string(b)
}

// tags are the job's tags: the caller's plus the system ones, which win over
// a caller's tag of the same name.
func (j *job) tags() map[string]string {
	t := make(map[string]string, len(j.userTags)+6)
	for k, v := range j.userTags {
		t[k] = v
	}
	for k, v := range j.systemTags() {
		t[k] = v
	}
	return t
}

func (j *job) systemTags() map[string]string {
	t := map[string]string{
		"outputType": "output_data", "inputType": "input_data", "azureml.batchrun": "true",
		"azureml.deploymentname": j.deployment, "azureml.endpointname": j.endpoint, "azureml.jobtype": "azureml.batchjob",
	}
	if j.pipeline {
		t["azureml.jobtype"] = "azureml.pipelinejob"
	}
	return t
}

func (j *job) systemProperties() map[string]string {
	p := map[string]string{
		"azureml.pipelineid":                        j.guid,
		"azureml.runsource":                         "azureml.PipelineRun",
		"runType":                                   "HTTP",
		"azureml.continue_on_step_failure":          "False",
		"azureml.continue_on_failed_optional_input": "False",
		"azureml.pipelineComponent":                 "pipelinerun",
		"azureml.defaultDataStoreName":              "workspaceblobstore",
	}
	if d, ok := j.ws.defaultDatastoreNameLocked(); ok {
		p["azureml.defaultDataStoreName"] = d
	}
	if j.pipeline {
		p["runSource"] = "BatchDeployment"
		p["azureml.runLineageType"] = "batchDeployment"
		p["azureml.SourceComponentId"] = j.dep.pipeline.ComponentID
		return p
	}
	st := j.settings
	params, _ := json.Marshal(map[string]string{
		"run_max_try": strconv.Itoa(st.maxRetries), "run_invocation_timeout": strconv.Itoa(int(st.timeout / time.Second)),
		"mini_batch_size": strconv.Itoa(st.miniBatchSize), "error_threshold": strconv.Itoa(st.errorThreshold),
		"logging_level": "INFO", "process_count_per_node": strconv.Itoa(st.concurrency), "legacy_model_job": "False",
		"NodeCount": strconv.Itoa(st.instanceCount), "append_row_file_name": st.outputFileName,
	})
	p["runSource"] = "Unavailable"
	p["azureml.parameters"] = string(params)
	return p
}

func (w *Workspace) defaultDatastoreNameLocked() (string, bool) {
	if d := w.defaultDatastoreLocked(); d != nil {
		return d.cfg.Name, true
	}
	return "", false
}

func (j *job) studioURL() string {
	return fmt.Sprintf("https://ml.azure.com/runs/%s?wsid=/subscriptions/%s/resourcegroups/%s/workspaces/%s",
		j.name, j.ws.cfg.SubscriptionID, j.ws.cfg.ResourceGroup, j.ws.cfg.Name)
}

func (s *Server) trackingURL(w *Workspace) string {
	return fmt.Sprintf("azureml://%s/mlflow/v1.0/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s?",
		strings.TrimPrefix(s.armURL, "https://"), w.cfg.SubscriptionID, w.cfg.ResourceGroup, w.cfg.Name)
}

func (w *Workspace) computeID() string { return w.ID() + "/computes/cpu-cluster" }

// batchJobLocked renders the data-plane BatchJobResource of j.
func (s *Server) batchJobLocked(j *job) batchJobResource {
	p := batchJob{
		Compute:           &batchCompute{Target: j.ws.computeID(), IsLocal: Ptr(false)},
		InputData:         map[string]batchJobInput{},
		Name:              j.displayName,
		Description:       j.description,
		Properties:        j.allProperties(),
		ProvisioningState: "Succeeded",
		Status:            j.status,
		Tags:              j.tags(),
		InteractionEndpoints: map[string]batchJobService{
			"Tracking": {JobEndpointType: "Tracking", Endpoint: s.trackingURL(j.ws)},
			"Studio":   {JobEndpointType: "Studio", Endpoint: j.studioURL()},
		},
		Output: &outputArtifacts{},
	}
	for _, in := range j.inputs {
		wi := batchJobInput{JobInputType: in.typ, URI: in.uri, Mode: in.mode}
		if in.literal {
			wi.Value, wi.URI, wi.Mode = Ptr(in.value), "", ""
		}
		p.InputData[in.name] = wi
	}
	if len(j.outputs) > 0 {
		p.OutputData = map[string]batchJobOutput{}
		for _, o := range j.outputs {
			p.OutputData[o.name] = batchJobOutput{JobOutputType: o.typ, URI: o.uri, Mode: o.mode}
		}
	}
	if j.pipeline {
		p.Output = &outputArtifacts{DatastoreID: j.ws.DatastoreID("workspaceartifactstore"), Path: "ExperimentRun/dcid." + j.name}
	} else {
		st := j.settings
		p.RetrySettings = &retrySettings{MaxRetries: Ptr(int32(st.maxRetries)), Timeout: isoDuration(st.timeout)}
		p.Compute.InstanceCount = Ptr(int32(st.instanceCount))
	}
	modified := j.created
	if len(j.history) > 0 {
		modified = j.history[len(j.history)-1].Time
	}
	return batchJobResource{
		ID:         fmt.Sprintf("%s/batchEndpoints/%s/deployments/%s/jobs/%s", j.ws.ID(), j.endpoint, j.deployment, j.name),
		Name:       j.name,
		Type:       "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments/jobs",
		Properties: p,
		SystemData: &dataSystemData{CreatedAt: j.created.Format(time.RFC3339Nano), CreatedBy: j.createdBy,
			LastModifiedAt: modified.Format(time.RFC3339Nano), LastModifiedBy: j.createdBy},
	}
}

func isoDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return "PT" + strconv.Itoa(int(d/time.Second)) + "S"
	}
	return "PT" + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
}

// getBatchJob handles GET {scoringUri}/{job}.
func (s *Server) getBatchJob(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.endpoints[strings.ToLower(c.vars["endpoint"])]
	if ep == nil {
		return notFound("Batch endpoint '%s' was not found.", c.vars["endpoint"])
	}
	c.ws = ep.ws
	j := s.jobs[c.vars["job"]]
	if j == nil || !strings.EqualFold(j.endpoint, ep.cfg.Name) {
		return notFound("Job '%s' was not found in batch endpoint '%s'.", c.vars["job"], ep.cfg.Name)
	}
	c.writeJSON(http.StatusOK, s.batchJobLocked(j))
	return nil
}

// listBatchJobs handles GET {scoringUri}: the endpoint's jobs, newest first.
func (s *Server) listBatchJobs(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.endpoints[strings.ToLower(c.vars["endpoint"])]
	if ep == nil {
		return notFound("Batch endpoint '%s' was not found.", c.vars["endpoint"])
	}
	c.ws = ep.ws
	c.writeJSON(http.StatusOK, list[batchJobResource]{Value: s.endpointJobsLocked(ep, c.r.URL.Query().Get("deployment"))})
	return nil
}

package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/isoduration"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// The codec: typed values of the inputs and outputs packages to and from the
// bodies above. batchendpoint's InvokeRequest and JobDetails are thin copies of
// Invocation and Details, so this package needs no import of batchendpoint.

// SingleInputKey is the key of Invocation.Input in the resolved map of
// EncodeInvocation; the body sends it under "UriFolder"/"UriFile".
const SingleInputKey = ""

// Invocation is the part of a batchendpoint.InvokeRequest that goes into the body.
type Invocation struct {
	Input          inputs.Input
	Inputs         map[string]inputs.Input
	Outputs        map[string]outputs.DataOutput
	ExperimentName string
	JobName        string
	Settings       *Settings
	// Tags, Properties and Description are the caller's, sent in the fields of
	// the same names; Properties never holds experimentName (ExperimentName does).
	Tags, Properties map[string]string
	Description      string
	// RepeatabilityID, when set, is recorded on the job as the tag
	// RepeatabilityTag returns, so that the job can be found by it.
	RepeatabilityID string
}

// Settings has the fields of batchendpoint.JobSettings, in the same order, so
// that each converts to the other.
type Settings struct {
	OutputFileName string
	MiniBatchSize  *int64
	InstanceCount  *int32
	ErrorThreshold *int32
	MaxRetries     *int32
	RetryTimeout   *time.Duration
}

// Empty reports whether s overrides nothing.
func (s *Settings) Empty() bool {
	return s.OutputFileName == "" && s.MiniBatchSize == nil && s.InstanceCount == nil && s.ErrorThreshold == nil && s.MaxRetries == nil && s.RetryTimeout == nil
}

// Resolved is an input whose location the client had to look up or create (a
// data asset by label, an uploaded local path).
type Resolved struct {
	URI  string
	Kind inputs.Kind
}

// EncodeInvocation builds the data-plane invoke body. resolved holds the
// locations found by the client, keyed by input name (SingleInputKey for Input).
func EncodeInvocation(r *Invocation, ws armid.Workspace, resolved map[string]Resolved) (*BatchJobResource, error) {
	job := BatchJob{}
	add := func(key, name string, in inputs.Input) error {
		ji, err := encodeInput(name, in, ws, resolved)
		if err != nil {
			return err
		}
		if key == SingleInputKey {
			key = ji.JobInputType // "UriFolder" / "UriFile", as azure-ai-ml names the single input
		}
		if job.InputData == nil {
			job.InputData = map[string]JobInput{}
		}
		job.InputData[key] = ji
		return nil
	}
	if r.Input != nil {
		if err := add(SingleInputKey, SingleInputKey, r.Input); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.Inputs)) {
		if err := add(name, name, r.Inputs[name]); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.Outputs)) {
		if job.OutputData == nil {
			job.OutputData = map[string]JobOutput{}
		}
		job.OutputData[name] = encodeOutput(r.Outputs[name], ws)
	}
	if len(r.Properties) > 0 {
		job.Properties = maps.Clone(r.Properties)
	}
	if r.ExperimentName != "" {
		if job.Properties == nil {
			job.Properties = map[string]string{}
		}
		job.Properties[PropertyExperimentName] = r.ExperimentName
	}
	if len(r.Tags) > 0 {
		job.Tags = maps.Clone(r.Tags)
	}
	if r.RepeatabilityID != "" {
		if job.Tags == nil {
			job.Tags = map[string]string{}
		}
		k, v := RepeatabilityTag(r.RepeatabilityID)
		job.Tags[k] = v
	}
	job.Description = r.Description
	job.Name = r.JobName
	if s := r.Settings; s != nil {
		job.OutputFileName = s.OutputFileName
		job.MiniBatchSize = s.MiniBatchSize
		job.ErrorThreshold = s.ErrorThreshold
		if s.InstanceCount != nil {
			// azure-ai-ml always adds isLocal:true next to instanceCount (its
			// ComputeConfiguration defaults target to "local"); the service ignores it.
			// Sent for byte-compatibility with the official tools (README.md, "Invoke body").
			isLocal := true
			job.Compute = &Compute{InstanceCount: s.InstanceCount, IsLocal: &isLocal}
		}
		if s.MaxRetries != nil || s.RetryTimeout != nil {
			job.RetrySettings = &RetrySettings{MaxRetries: s.MaxRetries}
			if s.RetryTimeout != nil {
				job.RetrySettings.Timeout = isoduration.Format(*s.RetryTimeout)
			}
		}
	}
	return &BatchJobResource{Properties: job}, nil
}

func encodeInput(name string, in inputs.Input, ws armid.Workspace, resolved map[string]Resolved) (JobInput, error) {
	field := "inputs." + name
	if name == SingleInputKey {
		field = "Input"
	}
	data := func(uri string, k inputs.Kind, m inputs.Mode) JobInput {
		return JobInput{URI: uri, Mode: string(m), JobInputType: kindType(k)}
	}
	if res, ok := resolved[name]; ok {
		var mode inputs.Mode
		if mi, ok := in.(interface{ Mode() inputs.Mode }); ok {
			mode = mi.Mode()
		}
		return data(res.URI, res.Kind, mode), nil
	}
	switch x := in.(type) {
	case inputs.StorageURLInput:
		return data(x.URL(), x.Kind(), x.Mode()), nil
	case inputs.DatastoreInput:
		return data(x.URI(), x.Kind(), x.Mode()), nil
	case inputs.DataAssetInput:
		switch {
		case x.ARMID() != "":
			return data(x.ARMID(), x.Kind(), x.Mode()), nil
		case x.URI() != "":
			return data(x.URI(), x.Kind(), x.Mode()), nil
		case x.IsLatest():
			return JobInput{}, &inputs.ValidationError{Field: field, Value: x.String(), Problem: "the latest version of the data asset must be looked up first", Fix: "invoke through a Client, or give an explicit version"}
		}
		// Built locally, no request, as azure-ai-ml does.
		return data(ws.DataVersionID(x.Name(), x.Version()), x.Kind(), x.Mode()), nil
	case inputs.LocalPathInput:
		return JobInput{}, &inputs.ValidationError{Field: field, Value: x.Path(), Problem: "a local path must be uploaded first", Fix: "invoke through a Client, which uploads it to the default datastore"}
	case inputs.LiteralInput:
		v := x.Value()
		return JobInput{Value: &v, JobInputType: InputLiteral}, nil
	case inputs.ModelInput:
		uri := x.Ref()
		if x.Name() != "" {
			uri = ws.ModelVersionID(x.Name(), x.Version())
		}
		return data(uri, x.Kind(), x.Mode()), nil
	}
	return JobInput{}, &inputs.ValidationError{Field: field, Problem: fmt.Sprintf("unsupported input type %T", in), Fix: "build inputs with the inputs package"}
}

// kindType is NormalizeInputType of a kind, without building the normalized
// key for the usual kinds (one allocation per input of every invoke).
func kindType(k inputs.Kind) string {
	switch k {
	case inputs.KindURIFolder:
		return InputURIFolder
	case inputs.KindURIFile:
		return InputURIFile
	}
	return NormalizeInputType(string(k))
}

func encodeOutput(o outputs.DataOutput, ws armid.Workspace) JobOutput {
	jo := JobOutput{Mode: string(o.Mode()), JobOutputType: kindType(o.Kind())}
	switch {
	case o.URI() != "":
		jo.URI = o.URI()
	case o.IsDefault():
	case o.DatastoreID() != "":
		jo.URI = o.DatastoreID() + "/paths/" + o.Path()
	default:
		jo.URI = ws.DatastoreID(o.DatastoreName()) + "/paths/" + o.Path()
	}
	return jo
}

// DecodeInvocation decodes an invoke body (the JSON POSTed to a scoring URI).
// Keys may use any casing: the camelCase the Python tools send and the
// PascalCase of the REST docs decode to the same request. A body whose only
// input is keyed UriFolder or UriFile decodes into Input.
func DecodeInvocation(data []byte) (*Invocation, error) {
	var body BatchJobResource
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("invoke body: %w", err)
	}
	p := body.Properties
	r := &Invocation{JobName: p.Name, Description: p.Description}
	for k, v := range p.Properties {
		if strings.EqualFold(k, PropertyExperimentName) {
			r.ExperimentName = v
			continue
		}
		if r.Properties == nil {
			r.Properties = map[string]string{}
		}
		r.Properties[k] = v
	}
	for k, v := range p.Tags {
		if id, ok := RepeatabilityIDOf(k, v); ok {
			r.RepeatabilityID = id
			continue
		}
		if r.Tags == nil {
			r.Tags = map[string]string{}
		}
		r.Tags[k] = v
	}
	for key, ji := range p.InputData {
		in, err := decodeInput(ji)
		if err != nil {
			return nil, withField(err, "inputs."+key)
		}
		t := NormalizeInputType(ji.JobInputType)
		if len(p.InputData) == 1 && (t == InputURIFolder || t == InputURIFile) && strings.EqualFold(key, t) {
			r.Input = in
			continue
		}
		if r.Inputs == nil {
			r.Inputs = map[string]inputs.Input{}
		}
		r.Inputs[key] = in
	}
	for key, jo := range p.OutputData {
		o, err := outputs.Parse(jo.URI)
		if err != nil {
			return nil, withField(err, "outputs."+key)
		}
		k, err := kindFromWire(jo.JobOutputType)
		if err != nil {
			return nil, withField(err, "outputs."+key)
		}
		if r.Outputs == nil {
			r.Outputs = map[string]outputs.DataOutput{}
		}
		r.Outputs[key] = o.WithKind(k).WithMode(outputs.Mode(jo.Mode))
	}
	s := Settings{OutputFileName: p.OutputFileName, MiniBatchSize: p.MiniBatchSize, ErrorThreshold: p.ErrorThreshold}
	if p.Compute != nil {
		s.InstanceCount = p.Compute.InstanceCount
	}
	if rs := p.RetrySettings; rs != nil {
		s.MaxRetries = rs.MaxRetries
		if rs.Timeout != "" {
			d, err := isoduration.Parse(rs.Timeout)
			if err != nil {
				return nil, &inputs.ValidationError{Field: "retrySettings.timeout", Value: rs.Timeout, Problem: "not an ISO-8601 duration", Fix: "use a form such as PT30S"}
			}
			s.RetryTimeout = &d
		}
	}
	if !s.Empty() {
		r.Settings = &s
	}
	return r, nil
}

func withField(err error, field string) error {
	if ve, ok := errors.AsType[*inputs.ValidationError](err); ok && ve == err {
		return ve.WithField(field)
	}
	return fmt.Errorf("%s: %w", field, err)
}

func kindFromWire(t string) (inputs.Kind, error) {
	switch NormalizeInputType(t) {
	case InputURIFolder:
		return inputs.KindURIFolder, nil
	case InputURIFile:
		return inputs.KindURIFile, nil
	case InputMLFlowModel:
		return inputs.KindMLFlowModel, nil
	case InputCustomModel:
		return inputs.KindCustomModel, nil
	case InputTritonModel:
		return inputs.KindTritonModel, nil
	case InputLiteral:
		return inputs.KindString, nil
	case InputMLTable:
		return "", &inputs.ValidationError{Value: t, Problem: "MLTable inputs aren't supported by batch endpoints", Fix: "use uri_folder or uri_file"}
	}
	return "", &inputs.ValidationError{Value: t, Problem: "unknown job input/output type", Fix: "use UriFolder, UriFile, Literal or a model type"}
}

// KindOf maps a reported input/output type, in any spelling (UriFolder,
// uri_folder), to a Kind; unknown types map to "".
func KindOf(t string) inputs.Kind {
	k, _ := kindFromWire(t)
	return k
}

func decodeInput(ji JobInput) (inputs.Input, error) {
	k, err := kindFromWire(ji.JobInputType)
	if err != nil {
		return nil, err
	}
	if NormalizeInputType(ji.JobInputType) == InputLiteral {
		if ji.Value == nil {
			return nil, &inputs.ValidationError{Problem: "a literal input has no value", Fix: "add \"value\""}
		}
		return inputs.String(*ji.Value), nil
	}
	return inputs.Parse(ji.URI, &inputs.ParseOptions{Type: k, Mode: inputs.Mode(ji.Mode)})
}

// Details is what a job body reports, the same from a data-plane and an ARM job;
// batchendpoint copies it into JobDetails.
type Details struct {
	Name, ID, DisplayName, Status string
	StudioURL, TrackingURL        string
	ExperimentName, Deployment    string
	Inputs, Outputs               map[string]IO
	Tags, Properties              map[string]string
	Description, RepeatabilityID  string
	CreatedAt, LastModifiedAt     time.Time
	CreatedBy, LastModifiedBy     string
	JobType                       string // the ARM job's properties.jobType; "" from the data plane
}

// IO is an input or output as a job reports it; Value is set for literals only.
type IO struct {
	Kind             inputs.Kind
	URI, Value, Mode string
}

// Details decodes a data-plane job resource.
func (r *BatchJobResource) Details() Details {
	p := r.Properties
	d := Details{Name: r.Name, ID: r.ID, DisplayName: p.Name, Status: p.Status, Tags: p.Tags, Properties: p.Properties, Description: p.Description}
	d.RepeatabilityID = RepeatabilityIDIn(p.Tags)
	if e, ok := Find(p.InteractionEndpoints, "Studio"); ok {
		d.StudioURL = e.Endpoint
	}
	if e, ok := Find(p.InteractionEndpoints, "Tracking"); ok {
		d.TrackingURL = e.Endpoint
	}
	d.Deployment, _ = Find(p.Tags, "azureml.deploymentname")
	if exp, ok := Find(p.Properties, PropertyExperimentName); ok {
		d.ExperimentName = exp
	}
	d.Inputs = convertMap(p.InputData, func(in JobInput) IO {
		io := IO{Kind: KindOf(in.JobInputType), URI: in.URI, Mode: in.Mode}
		if in.Value != nil {
			io.Value = *in.Value
		}
		return io
	})
	d.Outputs = convertMap(p.OutputData, func(o JobOutput) IO {
		return IO{Kind: KindOf(o.JobOutputType), URI: o.URI, Mode: o.Mode}
	})
	d.setSystemData(r.SystemData)
	return d
}

// Details decodes an ARM job (Jobs_Get); ARM spells types in snake_case.
func (j *Job) Details() Details {
	p := j.Properties
	d := Details{Name: j.Name, ID: j.ID, DisplayName: p.DisplayName, Status: p.Status, ExperimentName: p.ExperimentName, Tags: p.Tags, Properties: p.Properties, Description: p.Description, JobType: p.JobType}
	d.RepeatabilityID = RepeatabilityIDIn(p.Tags)
	if s, ok := Find(p.Services, "Studio"); ok {
		d.StudioURL = s.Endpoint
	}
	if s, ok := Find(p.Services, "Tracking"); ok {
		d.TrackingURL = s.Endpoint
	}
	d.Deployment, _ = Find(p.Tags, "azureml.deploymentname")
	d.Inputs = convertMap(p.Inputs, func(in ARMJobInput) IO {
		return IO{Kind: KindOf(in.JobInputType), URI: in.URI, Value: in.Value, Mode: in.Mode}
	})
	d.Outputs = convertMap(p.Outputs, func(o ARMJobOutput) IO {
		return IO{Kind: KindOf(o.JobOutputType), URI: o.URI, Mode: o.Mode}
	})
	d.setSystemData(j.SystemData)
	return d
}

func (d *Details) setSystemData(sd *SystemData) {
	if sd == nil {
		return
	}
	d.CreatedBy, d.LastModifiedBy = sd.CreatedBy, sd.LastModifiedBy
	d.CreatedAt = ParseTime(sd.CreatedAt)
	d.LastModifiedAt = ParseTime(sd.LastModifiedAt)
}

// ParseTime reads the service's timestamps, which carry up to 7 fractional
// digits; "" or a malformed value is the zero time.
func ParseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// convertMap converts the values of m; nil for an empty m.
func convertMap[S, D any](m map[string]S, f func(S) D) map[string]D {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]D, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

// MarshalInvocation is json.Marshal of an invoke body (EncodeInvocation's
// result), byte for byte, written without reflection for the fields
// EncodeInvocation sets: encoding/json's reflection was ~3 µs of an invoke's
// client CPU (pprof of batchendpoint's BenchmarkInvoke). A body with any other
// field set (a job resource read from the service, say) goes to json.Marshal.
func MarshalInvocation(r *BatchJobResource) ([]byte, error) {
	if !invocationShape(r) {
		return json.Marshal(r)
	}
	p := &r.Properties
	b := make([]byte, 0, 512)
	b = append(b, `{"properties":{`...)
	n := len(b)
	comma := func(b []byte) []byte {
		if len(b) > n {
			b = append(b, ',')
		}
		return b
	}
	if c := p.Compute; c != nil {
		b = append(b, `"compute":{`...)
		m := len(b)
		if c.InstanceCount != nil {
			b = append(b, `"instanceCount":`...)
			b = strconv.AppendInt(b, int64(*c.InstanceCount), 10)
		}
		if c.IsLocal != nil {
			if len(b) > m {
				b = append(b, ',')
			}
			b = append(b, `"isLocal":`...)
			b = strconv.AppendBool(b, *c.IsLocal)
		}
		b = append(b, '}')
	}
	if p.Description != "" {
		b = appendJSONString(append(comma(b), `"description":`...), p.Description)
	}
	if p.ErrorThreshold != nil {
		b = strconv.AppendInt(append(comma(b), `"errorThreshold":`...), int64(*p.ErrorThreshold), 10)
	}
	if len(p.InputData) > 0 {
		b = append(comma(b), `"inputData":{`...)
		for i, k := range sortedMapKeys(p.InputData) {
			if i > 0 {
				b = append(b, ',')
			}
			in := p.InputData[k]
			b = append(appendJSONString(b, k), ":{"...)
			if in.URI != "" {
				b = append(appendJSONString(append(b, `"uri":`...), in.URI), ',')
			}
			if in.Mode != "" {
				b = append(appendJSONString(append(b, `"mode":`...), in.Mode), ',')
			}
			if in.Value != nil {
				b = append(appendJSONString(append(b, `"value":`...), *in.Value), ',')
			}
			b = append(appendJSONString(append(b, `"jobInputType":`...), in.JobInputType), '}')
		}
		b = append(b, '}')
	}
	if p.MiniBatchSize != nil {
		b = strconv.AppendInt(append(comma(b), `"miniBatchSize":`...), *p.MiniBatchSize, 10)
	}
	if p.Name != "" {
		b = appendJSONString(append(comma(b), `"name":`...), p.Name)
	}
	if len(p.OutputData) > 0 {
		b = append(comma(b), `"outputData":{`...)
		for i, k := range sortedMapKeys(p.OutputData) {
			if i > 0 {
				b = append(b, ',')
			}
			o := p.OutputData[k]
			b = append(appendJSONString(b, k), ":{"...)
			if o.URI != "" {
				b = append(appendJSONString(append(b, `"uri":`...), o.URI), ',')
			}
			if o.Mode != "" {
				b = append(appendJSONString(append(b, `"mode":`...), o.Mode), ',')
			}
			b = append(appendJSONString(append(b, `"jobOutputType":`...), o.JobOutputType), '}')
		}
		b = append(b, '}')
	}
	if p.OutputFileName != "" {
		b = appendJSONString(append(comma(b), `"outputFileName":`...), p.OutputFileName)
	}
	if len(p.Properties) > 0 {
		b = appendStringMap(append(comma(b), `"properties":`...), p.Properties)
	}
	if s := p.RetrySettings; s != nil {
		b = append(comma(b), `"retrySettings":{`...)
		if s.MaxRetries != nil {
			b = strconv.AppendInt(append(b, `"maxRetries":`...), int64(*s.MaxRetries), 10)
		}
		if s.Timeout != "" {
			if s.MaxRetries != nil {
				b = append(b, ',')
			}
			b = appendJSONString(append(b, `"timeout":`...), s.Timeout)
		}
		b = append(b, '}')
	}
	if len(p.Tags) > 0 {
		b = appendStringMap(append(comma(b), `"tags":`...), p.Tags)
	}
	return append(b, "}}"...), nil
}

// invocationShape reports bodies that set only what EncodeInvocation sets.
func invocationShape(r *BatchJobResource) bool {
	p := &r.Properties
	if r.ID != "" || r.Name != "" || r.Type != "" || r.SystemData != nil || p.Dataset != nil || len(p.InteractionEndpoints) > 0 ||
		p.LoggingLevel != "" || p.MaxConcurrencyPerInstance != nil || p.Output != nil || p.OutputDataset != nil ||
		p.ProvisioningState != "" || p.Status != "" {
		return false
	}
	if c := p.Compute; c != nil && (c.Target != "" || c.InstanceType != "" || c.Location != "" || len(c.Properties) > 0) {
		return false
	}
	for _, in := range p.InputData {
		if in.Description != nil {
			return false
		}
	}
	for _, o := range p.OutputData {
		if o.Description != nil {
			return false
		}
	}
	return true
}

// sortedMapKeys is the order encoding/json writes a map's keys in.
func sortedMapKeys[V any](m map[string]V) []string {
	if len(m) == 1 { // the usual case: one input, one tag
		for k := range m {
			return []string{k}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendStringMap(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	for i, k := range sortedMapKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(appendJSONString(b, k), ':'), m[k])
	}
	return append(b, '}')
}

// jsonPlain is the ASCII bytes encoding/json writes as they are (HTML-safe).
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s quoted as encoding/json quotes it (HTML-safe:
// <, > and & escaped; invalid UTF-8 as U+FFFD; U+2028 and U+2029 escaped).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}

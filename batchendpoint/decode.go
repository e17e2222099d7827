package batchendpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/redact"
	"github.com/azmlbatch/azmlbatch/internal/wire"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// ParseInvokeBody decodes an invoke request body (the JSON POSTed to a scoring
// URI) into an InvokeRequest. Keys may use any casing: the camelCase the Python
// tools send and the PascalCase of the REST docs decode to the same request.
// A body whose only input is keyed UriFolder or UriFile decodes into Input.
func ParseInvokeBody(data []byte) (*InvokeRequest, error) {
	var body wire.BatchJobResource
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("invoke body: %w", err)
	}
	p := body.Properties
	r := &InvokeRequest{JobName: p.Name}
	if exp, ok := wire.Find(p.Properties, "experimentName"); ok {
		r.ExperimentName = exp
	}
	for key, ji := range p.InputData {
		in, err := inputFromWire(ji)
		if err != nil {
			return nil, withField(err, "inputs."+key)
		}
		t := wire.NormalizeInputType(ji.JobInputType)
		if len(p.InputData) == 1 && (t == wire.InputURIFolder || t == wire.InputURIFile) && strings.EqualFold(key, t) {
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
	s := JobSettings{OutputFileName: p.OutputFileName, MiniBatchSize: p.MiniBatchSize, ErrorThreshold: p.ErrorThreshold}
	if p.Compute != nil {
		s.InstanceCount = p.Compute.InstanceCount
	}
	if rs := p.RetrySettings; rs != nil {
		s.MaxRetries = rs.MaxRetries
		if rs.Timeout != "" {
			d, ok := parseISODuration(rs.Timeout)
			if !ok {
				return nil, &ValidationError{Field: "retrySettings.timeout", Value: rs.Timeout, Problem: "not an ISO-8601 duration", Fix: "use a form such as PT30S"}
			}
			s.RetryTimeout = &d
		}
	}
	if !s.empty() {
		r.Settings = &s
	}
	return r, nil
}

func kindFromWire(t string) (inputs.Kind, error) {
	switch wire.NormalizeInputType(t) {
	case wire.InputURIFolder:
		return inputs.KindURIFolder, nil
	case wire.InputURIFile:
		return inputs.KindURIFile, nil
	case wire.InputMLFlowModel:
		return inputs.KindMLFlowModel, nil
	case wire.InputCustomModel:
		return inputs.KindCustomModel, nil
	case wire.InputTritonModel:
		return inputs.KindTritonModel, nil
	case wire.InputLiteral:
		return inputs.KindString, nil
	case wire.InputMLTable:
		return "", &ValidationError{Value: t, Problem: "MLTable inputs aren't supported by batch endpoints", Fix: "use uri_folder or uri_file"}
	}
	return "", &ValidationError{Value: t, Problem: "unknown job input/output type", Fix: "use UriFolder, UriFile, Literal or a model type"}
}

func inputFromWire(ji wire.JobInput) (inputs.Input, error) {
	k, err := kindFromWire(ji.JobInputType)
	if err != nil {
		return nil, err
	}
	if wire.NormalizeInputType(ji.JobInputType) == wire.InputLiteral {
		if ji.Value == nil {
			return nil, &ValidationError{Problem: "a literal input has no value", Fix: "add \"value\""}
		}
		return inputs.String(*ji.Value), nil
	}
	return inputs.Parse(ji.URI, &inputs.ParseOptions{Type: k, Mode: inputs.Mode(ji.Mode)})
}

// Format prints the input with secrets in URI and Value redacted, for every
// verb: the service echoes storage URL inputs back with their SAS, a literal may
// hold one, and JobDetails values end up in logs. The fields keep the values.
func (i JobInput) Format(f fmt.State, verb rune) {
	type jobInput JobInput // same fields, no methods: printed as a plain struct
	c := i
	c.URI, c.Value, c.Mode = redact.String(c.URI), redact.String(c.Value), redact.String(c.Mode)
	fmt.Fprintf(f, fmt.FormatString(f, verb), jobInput(c))
}

// Format prints the output with secrets in URI redacted, for every verb.
func (o JobOutput) Format(f fmt.State, verb rune) {
	type jobOutput JobOutput
	c := o
	c.URI, c.Mode = redact.String(c.URI), redact.String(c.Mode)
	fmt.Fprintf(f, fmt.FormatString(f, verb), jobOutput(c))
}

// Format prints the details with every string redacted, for every verb: tags,
// properties and names are service text that may quote a secret.
func (d JobDetails) Format(f fmt.State, verb rune) {
	type jobDetails JobDetails
	c := d
	for _, s := range []*string{&c.Name, &c.ID, &c.DisplayName, &c.StudioURL, &c.TrackingURL, &c.ExperimentName,
		&c.Deployment, &c.CreatedBy, &c.LastModifiedBy} {
		*s = redact.String(*s)
	}
	c.Status = JobStatus(redact.String(string(c.Status)))
	c.Tags, c.Properties = redactMap(c.Tags), redactMap(c.Properties)
	fmt.Fprintf(f, fmt.FormatString(f, verb), jobDetails(c))
}

// redactMap returns a copy of m with keys and values redacted (nil stays nil).
func redactMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[redact.String(k)] = redact.String(v)
	}
	return out
}

// jobFromDataPlane converts a data-plane job resource.
func jobFromDataPlane(r *wire.BatchJobResource) JobDetails {
	p := r.Properties
	d := JobDetails{Name: r.Name, ID: r.ID, DisplayName: p.Name, Status: JobStatus(p.Status), Tags: p.Tags, Properties: p.Properties}
	if e, ok := wire.Find(p.InteractionEndpoints, "Studio"); ok {
		d.StudioURL = e.Endpoint
	}
	if e, ok := wire.Find(p.InteractionEndpoints, "Tracking"); ok {
		d.TrackingURL = e.Endpoint
	}
	d.Deployment, _ = wire.Find(p.Tags, "azureml.deploymentname")
	if exp, ok := wire.Find(p.Properties, "experimentName"); ok {
		d.ExperimentName = exp
	}
	d.Inputs = convertMap(p.InputData, func(in wire.JobInput) JobInput {
		ji := JobInput{Kind: kindOf(in.JobInputType), URI: in.URI, Mode: in.Mode}
		if in.Value != nil {
			ji.Value = *in.Value
		}
		return ji
	})
	d.Outputs = convertMap(p.OutputData, func(o wire.JobOutput) JobOutput {
		return JobOutput{Kind: kindOf(o.JobOutputType), URI: o.URI, Mode: o.Mode}
	})
	setSystemData(&d, r.SystemData)
	return d
}

// jobFromARM converts an ARM job (Jobs_Get); ARM spells types in snake_case.
func jobFromARM(j *wire.Job) JobDetails {
	p := j.Properties
	d := JobDetails{Name: j.Name, ID: j.ID, DisplayName: p.DisplayName, Status: JobStatus(p.Status), ExperimentName: p.ExperimentName, Tags: p.Tags, Properties: p.Properties}
	if s, ok := wire.Find(p.Services, "Studio"); ok {
		d.StudioURL = s.Endpoint
	}
	if s, ok := wire.Find(p.Services, "Tracking"); ok {
		d.TrackingURL = s.Endpoint
	}
	d.Deployment, _ = wire.Find(p.Tags, "azureml.deploymentname")
	d.Inputs = convertMap(p.Inputs, func(in wire.ARMJobInput) JobInput {
		return JobInput{Kind: kindOf(in.JobInputType), URI: in.URI, Value: in.Value, Mode: in.Mode}
	})
	d.Outputs = convertMap(p.Outputs, func(o wire.ARMJobOutput) JobOutput {
		return JobOutput{Kind: kindOf(o.JobOutputType), URI: o.URI, Mode: o.Mode}
	})
	setSystemData(&d, j.SystemData)
	return d
}

func setSystemData(d *JobDetails, sd *wire.SystemData) {
	if sd == nil {
		return
	}
	d.CreatedBy, d.LastModifiedBy = sd.CreatedBy, sd.LastModifiedBy
	d.CreatedAt = parseTime(sd.CreatedAt)
	d.LastModifiedAt = parseTime(sd.LastModifiedAt)
}

// parseTime reads the service's timestamps, which carry up to 7 fractional digits.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// kindOf maps a reported input/output type to a Kind; unknown types stay empty.
func kindOf(t string) inputs.Kind {
	k, _ := kindFromWire(t)
	return k
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

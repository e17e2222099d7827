package batchendpoint

import (
	"fmt"
	"time"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/armid"
	"github.com/azmlbatch/azmlbatch/internal/isoduration"
	"github.com/azmlbatch/azmlbatch/internal/wire"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// singleInputKey is the map key of the unnamed input; see wireInputKey.
const singleInputKey = ""

// resolvedInput is an input whose location the client had to look up or create
// (a data asset by label, an uploaded local path).
type resolvedInput struct {
	uri  string
	kind inputs.Kind
}

// encodeRequest builds the data-plane body. resolved holds the locations found
// by the client, keyed by input name (singleInputKey for Input).
func encodeRequest(r *InvokeRequest, ws armid.Workspace, resolved map[string]resolvedInput) (*wire.BatchJobResource, error) {
	job := wire.BatchJob{}
	add := func(key, name string, in inputs.Input) error {
		ji, err := encodeInput(name, in, ws, resolved)
		if err != nil {
			return err
		}
		if key == singleInputKey {
			key = ji.JobInputType // "UriFolder" / "UriFile", as azure-ai-ml names the single input
		}
		if job.InputData == nil {
			job.InputData = map[string]wire.JobInput{}
		}
		job.InputData[key] = ji
		return nil
	}
	if r.Input != nil {
		if err := add(singleInputKey, singleInputKey, r.Input); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(r.Inputs) {
		if err := add(name, name, r.Inputs[name]); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(r.Outputs) {
		if job.OutputData == nil {
			job.OutputData = map[string]wire.JobOutput{}
		}
		job.OutputData[name] = encodeOutput(r.Outputs[name], ws)
	}
	if r.ExperimentName != "" {
		job.Properties = map[string]string{"experimentName": r.ExperimentName}
	}
	job.Name = r.JobName
	if s := r.Settings; s != nil {
		job.OutputFileName = s.OutputFileName
		job.MiniBatchSize = s.MiniBatchSize
		job.ErrorThreshold = s.ErrorThreshold
		if s.InstanceCount != nil {
			// azure-ai-ml always adds isLocal:true next to instanceCount (its
			// ComputeConfiguration defaults target to "local"); the service ignores it.
			// Sent for byte-compatibility with the official tools (internal/wire/README.md, "Invoke body").
			isLocal := true
			job.Compute = &wire.Compute{InstanceCount: s.InstanceCount, IsLocal: &isLocal}
		}
		if s.MaxRetries != nil || s.RetryTimeout != nil {
			job.RetrySettings = &wire.RetrySettings{MaxRetries: s.MaxRetries}
			if s.RetryTimeout != nil {
				job.RetrySettings.Timeout = isoduration.Format(*s.RetryTimeout)
			}
		}
	}
	return &wire.BatchJobResource{Properties: job}, nil
}

func encodeInput(name string, in inputs.Input, ws armid.Workspace, resolved map[string]resolvedInput) (wire.JobInput, error) {
	field := "inputs." + name
	if name == singleInputKey {
		field = "Input"
	}
	data := func(uri string, k inputs.Kind, m inputs.Mode) wire.JobInput {
		return wire.JobInput{URI: uri, Mode: string(m), JobInputType: wire.NormalizeInputType(string(k))}
	}
	if res, ok := resolved[name]; ok {
		var mode inputs.Mode
		if mi, ok := in.(interface{ Mode() inputs.Mode }); ok {
			mode = mi.Mode()
		}
		return data(res.uri, res.kind, mode), nil
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
			return wire.JobInput{}, &ValidationError{Field: field, Value: x.String(), Problem: "the latest version of the data asset must be looked up first", Fix: "invoke through a Client, or give an explicit version"}
		}
		// Built locally, no request, as azure-ai-ml does.
		return data(ws.DataVersionID(x.Name(), x.Version()), x.Kind(), x.Mode()), nil
	case inputs.LocalPathInput:
		return wire.JobInput{}, &ValidationError{Field: field, Value: x.Path(), Problem: "a local path must be uploaded first", Fix: "invoke through a Client, which uploads it to the default datastore"}
	case inputs.LiteralInput:
		v := x.Value()
		return wire.JobInput{Value: &v, JobInputType: wire.InputLiteral}, nil
	case inputs.ModelInput:
		uri := x.Ref()
		if x.Name() != "" {
			uri = ws.ModelVersionID(x.Name(), x.Version())
		}
		return data(uri, x.Kind(), x.Mode()), nil
	}
	return wire.JobInput{}, &ValidationError{Field: field, Problem: fmt.Sprintf("unsupported input type %T", in), Fix: "build inputs with the inputs package"}
}

func encodeOutput(o outputs.DataOutput, ws armid.Workspace) wire.JobOutput {
	jo := wire.JobOutput{Mode: string(o.Mode()), JobOutputType: wire.NormalizeInputType(string(o.Kind()))}
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

// parseISODuration adapts isoduration.Parse to decode.go's call; the lead
// replaces that call with isoduration.Parse and removes this.
func parseISODuration(s string) (time.Duration, bool) {
	d, err := isoduration.Parse(s)
	return d, err == nil
}

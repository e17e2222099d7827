package batchendpoint

import (
	"github.com/azmlbatch/azmlbatch/internal/spec"
)

// LoadInvokeFile reads an inputs.yml file. Unknown keys, wrong types,
// malformed assignments and a file without inputs are *ValidationError naming
// the file, line and key.
// Relative local paths are read from the current directory, as az ml does.
func LoadInvokeFile(path string, options *LoadInvokeFileOptions) (InvokeFile, error) {
	var sets []string
	if options != nil {
		sets = options.Sets
	}
	s, err := spec.LoadFile(path, sets)
	if err != nil {
		return InvokeFile{}, err
	}
	return fromSpec(s), nil
}

// ParseInvokeFile is LoadInvokeFile for YAML already in memory;
// ParseInvokeFileOptions.Filename names it in messages. With no data and no
// filename only the assignments are used (--set alone); a named file that is
// empty, or declares no input, is a *ValidationError naming it.
func ParseInvokeFile(data []byte, options *ParseInvokeFileOptions) (InvokeFile, error) {
	var o ParseInvokeFileOptions
	if options != nil {
		o = *options
	}
	filename, sets := o.Filename, o.Sets
	var (
		s   *spec.Spec
		err error
	)
	if len(data) == 0 && filename == "" {
		s, err = spec.FromSets(sets)
	} else {
		s, err = spec.Load(data, filename, sets)
	}
	if err != nil {
		return InvokeFile{}, err
	}
	return fromSpec(s), nil
}

func fromSpec(s *spec.Spec) InvokeFile {
	f := InvokeFile{Endpoint: s.Endpoint, Request: InvokeRequest{
		Deployment: s.Deployment, JobName: s.JobName, Inputs: s.Inputs, Outputs: s.Outputs}}
	js := JobSettings(s.Settings)
	if !js.empty() {
		f.Request.Settings = &js
	}
	return f
}

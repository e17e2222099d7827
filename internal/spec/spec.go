package spec

import (
	"fmt"
	"io"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localfs"
	"github.com/azmlbatch/azmlbatch/internal/wire"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// Settings are the model-deployment overrides that --set offers, in the codec's
// shape (the fields of batchendpoint.JobSettings): output_file_name,
// mini_batch_size (at least 1), compute.instance_count (at least 1),
// error_threshold (-1 for no limit), retry_settings.max_retries and
// retry_settings.timeout (whole seconds as az ml's schema takes it, a Go duration
// such as 30s, or an ISO-8601 duration such as PT30S). A nil field (or an empty
// OutputFileName) leaves the deployment's own setting in place.
type Settings = wire.Settings

// Spec is what an inputs file and --set assignments describe: the target, the
// named inputs and outputs, and the overrides.
type Spec struct {
	// Endpoint and Deployment come from the top-level endpoint and deployment
	// keys; the command line's -n/-d take precedence over them.
	Endpoint, Deployment string
	// JobName is the job's display name (--set name=...).
	JobName string
	// Inputs are the named inputs; nil when none are given.
	Inputs map[string]inputs.Input
	// Outputs are the named outputs; nil when none are given.
	Outputs map[string]outputs.DataOutput
	// Settings are the model-deployment overrides.
	Settings Settings
}

// Load parses the YAML in data (filename names it in messages), then applies
// the --set assignments in order, and converts the result. A file that, with
// the assignments, declares no input is an error. Relative local paths
// are resolved against the current directory, as az ml does.
func Load(data []byte, filename string, sets []string) (*Spec, error) {
	if filename == "" {
		filename = "inputs file"
	}
	root, err := parseFile(data, filename)
	if err != nil {
		return nil, err
	}
	s, err := build(root, sets)
	if err != nil {
		return nil, err
	}
	if len(s.Inputs) == 0 {
		// A job from it would run with no inputs (a pipeline component deployment
		// accepts that): an inputs file that declares none is a mistake.
		what := "the file is empty"
		if len(root.ents) > 0 {
			what = "the file declares no inputs"
		}
		return nil, fail(loc{file: filename}, "inputs", "", what+" (an inputs file must name at least one input)",
			"add an inputs: mapping, for example inputs: {heart_data: {type: uri_folder, path: <path>}}, or check that --file names the right file")
	}
	return s, nil
}

// LoadFile reads the file at name (at most MaxFileSize bytes) and calls Load.
func LoadFile(name string, sets []string) (*Spec, error) {
	f, _, err := localfs.Open(name) // never blocks on a FIFO or device named by --file
	if err != nil {
		return nil, fail(loc{file: name}, "", "", "cannot open the file: "+err.Error(), "check the path given to --file")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fail(loc{file: name}, "", "", "cannot read the file: "+err.Error(), "check the path given to --file")
	}
	return Load(data, name, sets)
}

// FromSets builds a Spec from --set assignments alone.
func FromSets(sets []string) (*Spec, error) {
	return build(&node{kind: kMap}, sets)
}

func build(root *node, sets []string) (*Spec, error) {
	if len(sets) > MaxSets {
		return nil, fail(loc{file: "--set"}, "", "", fmt.Sprintf("more than %d --set assignments", MaxSets), "put the inputs in a --file")
	}
	for i, s := range sets {
		path, value, err := parseSet(s, i+1)
		if err != nil {
			return nil, err
		}
		if err := applySet(root, i+1, path, value); err != nil {
			return nil, err
		}
	}
	return convert(root)
}

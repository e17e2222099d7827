package spec

import (
	"errors"
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// Top-level keys. az ml reads only fileKeys from --file and silently ignores
// everything else; we reject the rest on purpose, because an ignored
// mini_batch_size or a misspelt "input:" is a job that runs with the wrong setup.
var (
	fileKeys = []string{"inputs", "outputs", "deployment", "endpoint"}
	setKeys  = []string{"inputs", "outputs", "deployment", "endpoint", "name",
		"output_file_name", "mini_batch_size", "compute", "error_threshold", "retry_settings"}
)

// setHints maps likely mistakes to the --set key meant.
var setHints = map[string]string{
	"job_name":       "name",
	"display_name":   "name",
	"instance_count": "compute.instance_count",
	"max_retries":    "retry_settings.max_retries",
	"timeout":        "retry_settings.timeout",
	"input":          "inputs.<name>.path",
	"output":         "outputs.<name>.path",
}

const setKeysText = "inputs.<name>.<field>, outputs.<name>.<field>, output_file_name, mini_batch_size, compute.instance_count, error_threshold, retry_settings.max_retries, retry_settings.timeout, name, deployment or endpoint"

// Keys inside one input or output. min, max, optional and description are
// accepted and ignored: they describe component parameters, and the service
// takes only the value.
var (
	literalKeys = []string{"type", "default", "min", "max", "optional", "description"}
	dataKeys    = []string{"type", "path", "mode", "description"}
	outputKeys  = []string{"type", "path", "mode", "description"}
)

func convert(root *node) (*Spec, error) {
	// A data asset definition (heart-data.yml for az ml data create) passed as --file.
	if t, p := root.get("type"), root.get("path"); t != nil && p != nil && t.keyAt.set == 0 && root.get("inputs") == nil {
		return nil, fail(t.keyAt, "type", "", "this looks like a data asset definition (for az ml data create -f), not an inputs file",
			"register the asset first, then reference it: inputs: {heart_data: {type: uri_folder, path: azureml:<asset name>@latest}}")
	}
	s := &Spec{}
	for _, e := range root.ents {
		if err := topLevel(s, e); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func topLevel(s *Spec, e *entry) error {
	fromFile := e.keyAt.set == 0
	switch {
	case fromFile && e.key == "$schema":
		return nil
	case fromFile && !slices.Contains(fileKeys, e.key):
		if slices.Contains(setKeys, e.key) {
			return fail(e.keyAt, e.key, "", e.key+" is not read from the file: az ml takes only inputs, outputs, deployment and endpoint from --file and silently ignores the rest",
				"pass it on the command line instead: --set "+setForm(e))
		}
		return fail(e.keyAt, e.key, "", fmt.Sprintf("unknown top-level key %q%s", e.key, suggest(e.key, fileKeys)),
			"the file may contain only inputs, outputs, deployment and endpoint ($schema is ignored); unlike az ml, azmlbatch does not silently ignore other keys")
	case !fromFile && !slices.Contains(setKeys, e.key):
		hint := suggest(e.key, setKeys)
		if h, ok := setHints[e.key]; ok {
			hint = fmt.Sprintf(" (did you mean %s?)", h)
		}
		if e.key == "experiment_name" {
			hint = " (the experiment name is a flag of its own, --experiment-name, not a --set key)"
		}
		return fail(e.keyAt, "", "", fmt.Sprintf("unknown --set key %q%s", e.key, hint), "use "+setKeysText)
	}
	var err error
	switch e.key {
	case "inputs":
		s.Inputs, err = convInputs(e.val)
	case "outputs":
		s.Outputs, err = convOutputs(e.val)
	case "deployment":
		s.Deployment, err = deploymentName(e.val)
	case "endpoint":
		s.Endpoint, err = endpointName(e.val)
	case "name":
		s.JobName, err = jobName(e.val)
	case "output_file_name":
		s.Settings.OutputFileName, err = outputFileName(e.val)
	case "mini_batch_size":
		var v int64
		v, err = intSetting(e.val, "mini_batch_size", 1, math.MaxInt64, "give the number of files per mini-batch, for example mini_batch_size=10")
		s.Settings.MiniBatchSize = &v
	case "error_threshold":
		var v int64
		v, err = intSetting(e.val, "error_threshold", -1, math.MaxInt32, "give the number of failed files to tolerate, or -1 for no limit, for example error_threshold=-1")
		s.Settings.ErrorThreshold = ptr32(v)
	case "compute":
		err = convCompute(s, e)
	case "retry_settings":
		err = convRetry(s, e)
	}
	return err
}

func ptr32(v int64) *int32 { x := int32(v); return &x }

// setForm shows how a file key would be written as --set.
func setForm(e *entry) string {
	switch {
	case e.key == "compute":
		return "compute.instance_count=<n>"
	case e.key == "retry_settings":
		return "retry_settings.max_retries=<n> retry_settings.timeout=<seconds>"
	case e.val.kind == kScalar && !e.val.isNull():
		return e.key + "=" + e.val.sc.text
	}
	return e.key + "=<value>"
}

// text returns the text of a scalar value; lists, mappings and null are errors.
func text(n *node, path, fix string) (string, error) {
	switch {
	case n.kind != kScalar:
		return "", fail(n.at, path, "", "expected a single value, not "+n.describe(), fix)
	case n.isNull():
		return "", fail(n.at, path, "", "the value is missing", fix)
	}
	return n.sc.text, nil
}

// name reads a non-empty single-line name or value.
func name(n *node, path, fix string) (string, error) {
	t, err := text(n, path, fix)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(t) == "" {
		return "", fail(n.at, path, "", "the value is empty", fix)
	}
	if strings.ContainsAny(t, "\r\n\x00") {
		return "", fail(n.at, path, t, "the value contains a line break or NUL", fix)
	}
	return t, nil
}

var endpointRE = names.NewPattern(`^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`, 0)

func endpointName(n *node) (string, error) {
	const fix = "endpoint names have 3 to 32 letters, digits and hyphens, start with a letter and do not end with a hyphen"
	t, err := name(n, "endpoint", fix)
	if err != nil {
		return "", err
	}
	if len(t) < 3 || len(t) > 32 || !endpointRE.MatchString(t) {
		return "", fail(n.at, "endpoint", t, "not a valid batch endpoint name", fix)
	}
	return t, nil
}

// outputFileName reads a plain file name (JobSettings.OutputFileName's rule):
// the folder comes from the output, so no separators and no "." or "..".
func outputFileName(n *node) (string, error) {
	const fix = "give a file name, for example output_file_name=predictions.csv; choose the folder with an output"
	t, err := name(n, "output_file_name", fix)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(t, "/\\") || t == "." || t == ".." || strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return "", fail(n.at, "output_file_name", t, "the output file name must be a plain file name", fix)
	}
	return t, nil
}

// deploymentName applies azure-ai-ml's deployment rule (that of endpoints).
func deploymentName(n *node) (string, error) {
	const fix = "name the batch deployment: deployment names have 3 to 32 letters, digits and hyphens, start with a letter and do not end with a hyphen; use the name shown by az ml batch-deployment list"
	t, err := name(n, "deployment", fix)
	if err != nil {
		return "", err
	}
	if len(t) < 3 || len(t) > 32 || !endpointRE.MatchString(t) {
		return "", fail(n.at, "deployment", t, "not a valid batch deployment name", fix)
	}
	return t, nil
}

// jobName reads the display name: one line of text without control or
// invisible formatting characters, at most 255 characters, no outer spaces
// (batchendpoint applies the same rule to InvokeRequest.JobName).
func jobName(n *node) (string, error) {
	const fix = "give the job's display name on one line, for example name=my-batch-job"
	t, err := name(n, "name", fix)
	if err != nil {
		return "", err
	}
	switch {
	case strings.TrimSpace(t) != t:
		return "", fail(n.at, "name", t, "the job name starts or ends with white space", fix)
	case utf8.RuneCountInString(t) > 255:
		return "", fail(n.at, "name", "", "the job name is longer than 255 characters", fix)
	case strings.IndexFunc(t, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
	}) >= 0:
		return "", fail(n.at, "name", t, "the job name contains a control or invisible formatting character", fix)
	}
	return t, nil
}

func intSetting(n *node, path string, lo, hi int64, fix string) (int64, error) {
	t, err := text(n, path, fix)
	if err != nil {
		return 0, err
	}
	var v int64
	switch n.sc.typ {
	case tInt:
		if n.sc.big {
			return 0, fail(n.at, path, t, fmt.Sprintf("the number is out of range: it must be between %d and %d", lo, hi), fix)
		}
		v = n.sc.i
	case tStr:
		if v, err = strconv.ParseInt(strings.TrimSpace(t), 10, 64); err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, fail(n.at, path, t, fmt.Sprintf("the number is out of range: it must be between %d and %d", lo, hi), fix)
			}
			return 0, fail(n.at, path, t, "not a whole number", fix)
		}
	default:
		return 0, fail(n.at, path, t, "not a whole number", fix)
	}
	if v < lo || v > hi {
		return 0, fail(n.at, path, t, fmt.Sprintf("must be between %d and %d", lo, hi), fix)
	}
	return v, nil
}

// group checks that e holds a mapping whose keys are all in allowed.
func group(e *entry, allowed []string, fix string) error {
	if e.val.kind != kMap {
		return fail(e.val.at, e.key, "", e.key+" is a group of settings, not "+e.val.describe(), fix)
	}
	for _, c := range e.val.ents {
		if !slices.Contains(allowed, c.key) {
			return fail(c.keyAt, e.key+"."+c.key, "", fmt.Sprintf("unknown key %q in %s%s", c.key, e.key, suggest(c.key, allowed)),
				fmt.Sprintf("%s takes only %s", e.key, strings.Join(allowed, ", ")))
		}
	}
	return nil
}

func convCompute(s *Spec, e *entry) error {
	const fix = "give the number of nodes, for example compute.instance_count=2"
	if err := group(e, []string{"instance_count"}, fix); err != nil {
		return err
	}
	if c := e.val.get("instance_count"); c != nil {
		v, err := intSetting(c.val, "compute.instance_count", 1, math.MaxInt32, fix)
		if err != nil {
			return err
		}
		s.Settings.InstanceCount = ptr32(v)
	}
	return nil
}

func convRetry(s *Spec, e *entry) error {
	if err := group(e, []string{"max_retries", "timeout"}, "set retry_settings.max_retries=<n> and/or retry_settings.timeout=<seconds>"); err != nil {
		return err
	}
	if c := e.val.get("max_retries"); c != nil {
		v, err := intSetting(c.val, "retry_settings.max_retries", 0, math.MaxInt32, "give the number of retries, for example retry_settings.max_retries=3")
		if err != nil {
			return err
		}
		s.Settings.MaxRetries = ptr32(v)
	}
	if c := e.val.get("timeout"); c != nil {
		const fix = "give whole seconds (retry_settings.timeout=300), a duration such as 5m, or ISO-8601 such as PT5M; more than 0 and at most 7 days"
		t, err := text(c.val, "retry_settings.timeout", fix)
		if err != nil {
			return err
		}
		d, err := parseTimeout(t)
		if err != nil || d <= 0 {
			return fail(c.val.at, "retry_settings.timeout", t, "not a valid timeout", fix)
		}
		s.Settings.RetryTimeout = &d
	}
	return nil
}

var ioName = names.NewPattern(`^[A-Za-z_][A-Za-z0-9_]*$`, 0)

// checkName validates an input or output name and its case-insensitive uniqueness.
func checkName(section, what string, e *entry, seen map[string]*entry) error {
	path := section + "." + e.key
	if !ioName.MatchString(e.key) {
		fix := "names contain only letters, digits and underscores and do not start with a digit"
		if alt := strings.NewReplacer("-", "_", " ", "_").Replace(e.key); alt != e.key && ioName.MatchString(alt) {
			fix = fmt.Sprintf("use %s instead (names contain only letters, digits and underscores; the hyphens of an asset name become underscores)", alt)
		}
		return fail(e.keyAt, path, "", fmt.Sprintf("%q is not a valid %s name", e.key, what), fix)
	}
	low := strings.ToLower(e.key)
	if prev, ok := seen[low]; ok {
		return fail(e.keyAt, path, "", fmt.Sprintf("%s names %q and %q differ only in case (%q is at %s)", what, prev.key, e.key, prev.key, prev.keyAt),
			"rename or remove one of them: names must be unique ignoring case")
	}
	seen[low] = e
	return nil
}

// section checks that n (the value of inputs or outputs) is a mapping of at most MaxEntries.
func section(n *node, key, example string) error {
	if n.kind != kMap {
		fix := "write " + key + " as a mapping from names to values, for example " + example
		if n.at.set > 0 {
			fix = "Example: " + key + ".keyName=value"
		}
		v := ""
		if n.kind == kScalar {
			v = n.sc.text
		}
		return fail(n.at, key, v, fmt.Sprintf("Unsupported '%s' type, it should be a dictionary", key), fix)
	}
	if len(n.ents) > MaxEntries {
		return fail(n.at, key, "", fmt.Sprintf("more than %d %s", MaxEntries, key), "split the work into several jobs")
	}
	return nil
}

func convInputs(n *node) (map[string]inputs.Input, error) {
	if n.isNull() {
		return nil, nil
	}
	if err := section(n, "inputs", "inputs: {heart_data: {type: uri_folder, path: <path>}}"); err != nil {
		return nil, err
	}
	var out map[string]inputs.Input
	seen := map[string]*entry{}
	for _, e := range n.ents {
		if err := checkName("inputs", "input", e, seen); err != nil {
			return nil, err
		}
		in, err := convInput(e.val, "inputs."+e.key)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]inputs.Input{}
		}
		out[e.key] = in
	}
	return out, nil
}

// convInput follows az ml's _parse_inputs: a single value is a literal typed by
// YAML; a mapping with a literal type is type+default; anything else is
// type+path(+mode) data or model.
func convInput(n *node, path string) (inputs.Input, error) {
	switch n.kind {
	case kSeq:
		return nil, fail(n.at, path, "", "an input can't be a list", "give one value (a literal), or a mapping with type and path (data) or type and default (literal)")
	case kScalar:
		return literal(n, path)
	}
	var kind inputs.Kind
	te := n.get("type")
	if te != nil {
		t, err := text(te.val, path+".type", "use uri_folder or uri_file for data; string, boolean, number or integer for literals")
		if err != nil {
			return nil, err
		}
		if kind, err = inputs.ParseKind(t); err != nil {
			return nil, wrap(te.val.at, path+".type", err)
		}
	}
	if kind.IsLiteral() {
		for _, c := range n.ents {
			if slices.Contains(literalKeys, c.key) {
				continue
			}
			fix := fmt.Sprintf("a %s input takes only %s", kind, strings.Join(literalKeys, ", "))
			if c.key == "path" || c.key == "mode" {
				fix = fmt.Sprintf("a %s input carries its value in default: write default: <value>, or use type: uri_folder or uri_file for data", kind)
			}
			return nil, fail(c.keyAt, path+"."+c.key, "", fmt.Sprintf("unknown key %q in input %s%s", c.key, path, suggest(c.key, literalKeys)), fix)
		}
		de := n.get("default")
		if de == nil {
			return nil, fail(n.at, path, "", fmt.Sprintf("the %s input has no default", kind), "add default: <value> (a literal input carries its value in default)")
		}
		return typedLiteral(kind, de.val, path+".default")
	}
	for _, c := range n.ents {
		if slices.Contains(dataKeys, c.key) {
			continue
		}
		switch {
		case c.key == "default" && te == nil:
			return nil, fail(c.keyAt, path+".default", "", "the input has a default but no type", "add type: string, boolean, integer or number to make it a literal (data inputs use type and path)")
		case c.key == "default":
			return nil, fail(c.keyAt, path+".default", "", fmt.Sprintf("a %s input takes path, not default", kind), "write path: <location>, or use a literal type (string, boolean, integer, number) with default")
		}
		return nil, fail(c.keyAt, path+"."+c.key, "", fmt.Sprintf("unknown key %q in input %s%s", c.key, path, suggest(c.key, dataKeys)),
			"a data or model input takes only "+strings.Join(dataKeys, ", "))
	}
	var mode inputs.Mode
	if me := n.get("mode"); me != nil {
		const fix = "use ro_mount, download, direct, eval_mount or eval_download, or leave mode out"
		t, err := text(me.val, path+".mode", fix)
		if err != nil {
			return nil, err
		}
		if mode = inputs.Mode(t); !slices.Contains(inputs.PossibleModeValues(), mode) {
			return nil, fail(me.val.at, path+".mode", t, "unknown input mode", fix)
		}
	}
	const pathFix = "give a storage URL, azureml://datastores/<datastore>/paths/<path>, a data asset (azureml:<name>:<version>, azureml:<name>@latest or its ARM id) or a local path"
	pe := n.get("path")
	if pe == nil {
		if te == nil && n.get("mode") == nil && len(n.ents) == 0 {
			return nil, fail(n.at, path, "", "the input is empty", "give a mapping with type and path (data) or type and default (literal)")
		}
		return nil, fail(n.at, path, "", "the input has no path", "add path: "+strings.TrimPrefix(pathFix, "give "))
	}
	p, err := text(pe.val, path+".path", pathFix)
	if err != nil {
		return nil, err
	}
	in, err := inputs.Parse(p, &inputs.ParseOptions{Type: kind, Mode: mode})
	if err != nil {
		return nil, wrap(pe.val.at, path+".path", err)
	}
	return in, nil
}

// literal types a single YAML value as az ml does (str, bool, int, float).
func literal(n *node, path string) (inputs.Input, error) {
	const quote = "quote the value to send it as a string"
	switch n.sc.typ {
	case tBool:
		return inputs.Bool(n.sc.b), nil
	case tInt:
		if n.sc.big {
			return nil, fail(n.at, path, n.sc.text, "the integer does not fit in 64 bits", quote)
		}
		return inputs.Integer(n.sc.i), nil
	case tFloat:
		if math.IsNaN(n.sc.f) || math.IsInf(n.sc.f, 0) {
			return nil, fail(n.at, path, n.sc.text, "the number is not finite", quote+", or give a finite number")
		}
		return inputs.Float(n.sc.f), nil
	case tNull:
		return nil, fail(n.at, path, "", "the input has no value", `give a value (quote it, "", for an empty string), or a mapping with type and path (data) or type and default (literal)`)
	}
	// tStr, and tTime: safe_load would make a date of it; a string is what is meant.
	return inputs.String(n.sc.text), nil
}

// typedLiteral converts default for an explicit literal type. For type: string
// the text is taken as written (default: yes is "yes"; az ml would send "True").
func typedLiteral(kind inputs.Kind, n *node, path string) (inputs.Input, error) {
	fix := fmt.Sprintf("give default: <a %s value>", kind)
	t, err := text(n, path, fix+`; quote it ("") for an empty string`)
	if err != nil {
		return nil, err
	}
	switch {
	case kind == inputs.KindBoolean && n.sc.typ == tBool:
		return inputs.Bool(n.sc.b), nil
	case kind == inputs.KindInteger && n.sc.typ == tInt && !n.sc.big:
		return inputs.Integer(n.sc.i), nil
	case kind == inputs.KindNumber && n.sc.typ == tInt && !n.sc.big:
		return inputs.Float(float64(n.sc.i)), nil
	case kind == inputs.KindNumber && n.sc.typ == tFloat:
		if math.IsNaN(n.sc.f) || math.IsInf(n.sc.f, 0) {
			return nil, fail(n.at, path, t, "the number is not finite", "give a finite number such as 0.5")
		}
		return inputs.Float(n.sc.f), nil
	}
	l, err := inputs.Literal(kind, t)
	if err != nil {
		return nil, wrap(n.at, path, err)
	}
	return l, nil
}

func convOutputs(n *node) (map[string]outputs.DataOutput, error) {
	if n.isNull() {
		return nil, nil
	}
	if err := section(n, "outputs", "outputs: {score: {type: uri_file, path: <location>}}"); err != nil {
		return nil, err
	}
	var out map[string]outputs.DataOutput
	seen := map[string]*entry{}
	for _, e := range n.ents {
		if err := checkName("outputs", "output", e, seen); err != nil {
			return nil, err
		}
		o, err := convOutput(e.val, "outputs."+e.key)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]outputs.DataOutput{}
		}
		out[e.key] = o
	}
	return out, nil
}

// convOutput reads type (default uri_folder), path (none: the service's default
// location) and mode.
func convOutput(n *node, path string) (outputs.DataOutput, error) {
	const locFix = "give azureml://datastores/<datastore>/paths/<path> or <datastore ARM id>/paths/<path> on a Blob datastore"
	switch {
	case n.isNull():
		return outputs.DataOutput{}, fail(n.at, path, "", "the output has no value", "write {} for the service's default location, or a mapping with type, path and mode")
	case n.kind == kScalar:
		return outputs.DataOutput{}, fail(n.at, path, n.sc.text, "an output is a mapping with type, path and mode, not a single value", fmt.Sprintf("write the location as %s.path (--set %s.path=<location>)", path, path))
	case n.kind == kSeq:
		return outputs.DataOutput{}, fail(n.at, path, "", "an output can't be a list", "write a mapping with type, path and mode")
	}
	for _, c := range n.ents {
		if !slices.Contains(outputKeys, c.key) {
			return outputs.DataOutput{}, fail(c.keyAt, path+"."+c.key, "", fmt.Sprintf("unknown key %q in output %s%s", c.key, path, suggest(c.key, outputKeys)),
				"an output takes only "+strings.Join(outputKeys, ", "))
		}
	}
	kind := inputs.KindURIFolder
	if te := n.get("type"); te != nil {
		const fix = "use uri_folder or uri_file"
		t, err := text(te.val, path+".type", fix)
		if err != nil {
			return outputs.DataOutput{}, err
		}
		k, err := inputs.ParseKind(t)
		if err != nil {
			return outputs.DataOutput{}, wrap(te.val.at, path+".type", err)
		}
		if !k.IsData() {
			return outputs.DataOutput{}, fail(te.val.at, path+".type", t, "an output must be uri_folder or uri_file", fix)
		}
		kind = k
	}
	var mode outputs.Mode
	if me := n.get("mode"); me != nil {
		const fix = "use rw_mount or upload, or leave mode out"
		t, err := text(me.val, path+".mode", fix)
		if err != nil {
			return outputs.DataOutput{}, err
		}
		if mode = outputs.Mode(t); !slices.Contains(outputs.PossibleModeValues(), mode) {
			return outputs.DataOutput{}, fail(me.val.at, path+".mode", t, "unknown output mode", fix)
		}
	}
	o := outputs.Default()
	at, where := n.at, path
	if pe := n.get("path"); pe != nil {
		p, err := text(pe.val, path+".path", locFix+", or remove path for the service's default location")
		if err != nil {
			return outputs.DataOutput{}, err
		}
		at, where = pe.val.at, path+".path"
		if strings.TrimSpace(p) == "" {
			return outputs.DataOutput{}, fail(at, where, "", "the output path is empty", "remove path to let the service choose a unique location, or "+locFix)
		}
		if o, err = outputs.Parse(p); err != nil {
			return outputs.DataOutput{}, wrap(at, where, err)
		}
	}
	o = o.WithKind(kind).WithMode(mode)
	if err := o.Validate(); err != nil {
		return outputs.DataOutput{}, wrap(at, where, err)
	}
	return o, nil
}

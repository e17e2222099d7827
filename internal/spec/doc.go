// Package spec reads the job description that az ml batch-endpoint invoke takes
// from --file (inputs.yml, inputs-and-outputs.yml) and --set key=value, and turns
// it into typed inputs, outputs and overrides. YAML types stay inside the package.
//
// The file and the assignments are merged into one tree first, as the CLI does,
// so --set can add to or override what the file says:
//
//	s, err := spec.Load(data, "inputs.yml", []string{
//		"inputs.score_mode.type=string", "inputs.score_mode.default=append",
//		"mini_batch_size=20",
//	})
//	// s.Inputs["score_mode"] is inputs.String("append"); *s.Settings.MiniBatchSize == 20
//
// Plain YAML scalars are typed by YAML 1.1 rules, the way PyYAML (and so az ml)
// reads them: yes/no/on/off are booleans, 012 is octal, 1e3 is a string. Quote a
// value to keep it a string. --set values are always strings.
//
// Every error is an *inputs.ValidationError whose Field names the file and line
// ("inputs.yml line 4: inputs.heart_data.path") or the assignment
// ("--set #2 inputs.heart_data.typ") and whose Fix says what to write instead.
package spec

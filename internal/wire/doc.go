// Package wire holds the JSON shapes exchanged with the Azure Machine Learning
// batch-endpoint data plane and with ARM. Encoding always produces the camelCase
// keys and PascalCase enum values that azure-ai-ml and az ml send; decoding relies on
// encoding/json's case-insensitive field matching, so PascalCase bodies (the REST docs,
// the .NET sample) decode into the same values.
//
// This package is internal: the public API exposes typed values from batchendpoint,
// inputs and outputs, never these structs. README.md beside this file is the
// written contract: every URL, header, scope, body, status and error envelope the
// client uses, with the public source of each.
//
//	var job wire.BatchJobResource
//	_ = json.Unmarshal(body, &job) // "properties"/"Properties", "inputData"/"InputData" alike
//	in := job.Properties.InputData["heart_data"]
//	kind := wire.NormalizeInputType(in.JobInputType) // "UriFolder"
package wire

// Package wire holds the JSON shapes exchanged with the Azure Machine Learning
// batch-endpoint data plane and with ARM. Encoding always produces the camelCase
// keys and PascalCase enum values that azure-ai-ml and az ml send; decoding relies on
// encoding/json's case-insensitive field matching, so PascalCase bodies (the REST docs,
// the .NET sample) decode into the same values.
//
// codec.go is the codec between these shapes and the typed values of the inputs
// and outputs packages: EncodeInvocation and DecodeInvocation for the invoke body,
// BatchJobResource.Details and Job.Details for job bodies, KindOf for the one
// mapping of reported input/output types to kinds. It does not import
// batchendpoint, whose InvokeRequest and JobDetails are copies of Invocation and
// Details.
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

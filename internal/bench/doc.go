// Package bench holds the helper programs of batchendpoint's cold-process
// benchmark (BenchmarkColdProcess): coldlib builds a client and invokes once,
// coldraw sends the same HTTP requests with net/http alone. The benchmark
// builds both with go build and runs them as processes against a fake
// workspace; neither is meant for anything else.
package bench

// Environment shared by the programs (set by the benchmark).
const (
	// EnvARM is the Resource Manager endpoint (coldlib).
	EnvARM = "AZMLBATCH_BENCH_ARM"
	// EnvWorkspace is subscription/resourceGroup/workspace (coldlib).
	EnvWorkspace = "AZMLBATCH_BENCH_WORKSPACE"
	// EnvEndpoint is the batch endpoint to invoke (coldlib).
	EnvEndpoint = "AZMLBATCH_BENCH_ENDPOINT"
	// EnvInput is the storage URL of the job's input (coldlib).
	EnvInput = "AZMLBATCH_BENCH_INPUT"
	// EnvARMToken and EnvMLToken are the bearer tokens for the ARM and Azure ML
	// audiences (both programs).
	EnvARMToken = "AZMLBATCH_BENCH_ARM_TOKEN"
	EnvMLToken  = "AZMLBATCH_BENCH_ML_TOKEN"
	// EnvRequests is the path of a JSON list of Request to replay (coldraw).
	EnvRequests = "AZMLBATCH_BENCH_REQUESTS"
)

// Request is one HTTP request coldraw sends, as the emulator recorded it
// from coldlib.
type Request struct {
	Method, URL string
	Header      map[string][]string
	Body        []byte
	// ML is true for a request with the Azure ML data-plane token (else the ARM token).
	ML bool
	// NewRepeatabilityID makes coldraw send a fresh repeatability_request-id
	// (an invoke: the emulator would answer a repeated id from its memory).
	NewRepeatabilityID bool
}

package batchendpoint

import (
	"context"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/localdata"
)

// checkLocalInputContext checks offline, before any request, that in can be
// uploaded (see localdata.Check), stopping when ctx is done. Errors are
// *ValidationError with Value the offending path and Field empty, for the
// caller to set. It complements LocalPathInput.Validate, which checks the kind
// and mode asked for.
func checkLocalInputContext(ctx context.Context, in inputs.LocalPathInput) error {
	return localdata.Check(ctx, in.Path())
}

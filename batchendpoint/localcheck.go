package batchendpoint

import (
	"context"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// checkLocalInput checks offline, before any request, that in can be uploaded:
// the path exists; a folder holds a file to upload that its .amlignore or
// .gitignore does not exclude; no symbolic link loops; no FIFO, device or
// socket would be read; every file to upload can be opened. It walks the tree
// as the upload does (same ignore rules, links followed) but hashes nothing,
// and it never opens a special file. Errors are *ValidationError with Value the
// offending path and Field empty, for the caller to set. It complements
// LocalPathInput.Validate, which checks the kind and mode asked for.
func checkLocalInput(in inputs.LocalPathInput) error {
	return checkLocalInputContext(context.Background(), in)
}

// checkLocalInputContext is checkLocalInput stopping when ctx is done (it
// checks ctx before each entry), for trees large enough to take a while.
func checkLocalInputContext(ctx context.Context, in inputs.LocalPathInput) error {
	_, err := walkLocal(ctx, in.Path(), nil)
	return err
}

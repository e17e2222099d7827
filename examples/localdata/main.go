// Localdata scores files on this machine (case S13 in examples/README.md): the
// client uploads a local folder or file to the workspace's default datastore
// (under LocalUpload/<md5>/, reusing an identical earlier upload) and sends the
// resulting azureml:// path, as az ml does for a local --input.
//
//	az ml batch-endpoint invoke --name $ENDPOINT_NAME --input ./heart --input-type uri_folder
package main

import (
	"context"
	"fmt"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/inputs"
)

func main() { demo.Main(run) }

func run(ctx context.Context, e *demo.Env) error {
	dir, files, err := e.HeartDataDir("heart")
	if err != nil {
		return err
	}
	progress := func(p batchendpoint.UploadProgress) {
		if p.Skipped {
			fmt.Fprintf(e.Out, "  %s already uploaded, reused\n", p.Path)
		} else if p.FilesDone == p.FilesTotal {
			fmt.Fprintf(e.Out, "  uploaded %d/%d files, %d bytes\n", p.FilesDone, p.FilesTotal, p.BytesDone)
		}
	}
	for _, in := range []inputs.LocalPathInput{
		inputs.LocalPath(dir),      // a folder: uri_folder
		inputs.LocalPath(files[0]), // a file: uri_file
		inputs.LocalPath(dir),      // the same folder again: nothing to upload
	} {
		fmt.Fprintf(e.Out, "\n%s %s\n", in.Kind(), in)
		job, err := e.Client.Invoke(ctx, demo.Endpoint, batchendpoint.InvokeRequest{Input: in},
			&batchendpoint.InvokeOptions{UploadProgress: progress})
		if err != nil {
			return err
		}
		d, err := e.Follow(ctx, job, "")
		if err != nil {
			return err
		}
		for _, ji := range d.Inputs {
			fmt.Fprintf(e.Out, "  input sent as %s\n", ji.URI)
		}
	}
	return nil
}

package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// WaitOptions returns how examples poll: fast for the local workspace, the
// library's defaults (2 s doubling to 60 s) against Azure.
func WaitOptions(local bool) *batchendpoint.WaitOptions {
	if local {
		return &batchendpoint.WaitOptions{MinDelay: 50 * time.Millisecond, MaxDelay: 250 * time.Millisecond, Timeout: 2 * time.Minute}
	}
	return &batchendpoint.WaitOptions{}
}

// Wait waits for job with a status line per change written to w.
func Wait(ctx context.Context, w io.Writer, job *batchendpoint.Job, opts *batchendpoint.WaitOptions) (batchendpoint.JobDetails, error) {
	o := batchendpoint.WaitOptions{}
	if opts != nil {
		o = *opts
	}
	start := time.Now()
	o.OnStatus = func(d batchendpoint.JobDetails) {
		fmt.Fprintf(w, "    %6.1fs  %s\n", time.Since(start).Seconds(), d.Status)
	}
	return job.Wait(ctx, &o)
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// isTerminal reports whether w is a terminal (live status line) rather than a
// pipe or file (plain lines).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// termWidth is the terminal's width in columns, 0 when unknown.
func termWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
			return cols
		}
	}
	return 0
}

// statusLine shows a waited-for job: on a terminal one line redrawn in place
// (status, elapsed time, Studio URL), elsewhere one plain line per status.
type statusLine struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	name   string
	studio string
	now    func() time.Time
	t0     time.Time
	status batchendpoint.JobStatus
	drawn  bool
	width  int // the terminal's columns, 0 when unknown: the line is cut to fit, so \r redraws it
}

func newStatusLine(w io.Writer, tty bool, name, studio string, now func() time.Time) *statusLine {
	s := &statusLine{w: w, tty: tty, name: name, studio: studio, now: now, t0: now()}
	if !tty {
		fmt.Fprintf(w, "Job %s: %s\n", name, studio)
	}
	return s
}

func elapsed(d time.Duration) string {
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// update records a status change.
func (s *statusLine) update(d batchendpoint.JobDetails) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.StudioURL != "" {
		s.studio = d.StudioURL
	}
	changed := d.Status != s.status
	s.status = d.Status
	if s.tty {
		s.drawLocked()
	} else if changed {
		fmt.Fprintf(s.w, "%s  %s  %s\n", elapsed(s.now().Sub(s.t0)), s.name, d.Status)
	}
}

// redraw refreshes the elapsed time of the terminal line.
func (s *statusLine) redraw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty && s.status != "" {
		s.drawLocked()
	}
}

func (s *statusLine) drawLocked() {
	line := fmt.Sprintf("%s  %-12s %s  %s", elapsed(s.now().Sub(s.t0)), s.status, s.name, s.studio)
	if r := []rune(line); s.width > 1 && len(r) >= s.width {
		line = string(r[:s.width-1])
	}
	fmt.Fprintf(s.w, "\r\x1b[K%s", line)
	s.drawn = true
}

// finish ends the terminal line.
func (s *statusLine) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drawn {
		fmt.Fprintln(s.w)
		s.drawn = false
	}
}

// waitJob waits for job with a status line on the progress writer.
func (a *app) waitJob(ctx context.Context, ws *workspace, job *batchendpoint.Job) (batchendpoint.JobDetails, error) {
	opts := ws.wait
	w := a.progress()
	st := newStatusLine(w, w != io.Discard && isTerminal(a.stderr), job.Name(), job.StudioURL(), time.Now)
	if st.tty {
		st.width = termWidth(a.stderr)
	}
	opts.OnStatus = st.update
	st.update(job.Details())
	done := make(chan struct{})
	var wg sync.WaitGroup
	if st.tty {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					st.redraw()
				}
			}
		}()
	}
	d, err := job.Wait(ctx, &opts)
	close(done)
	wg.Wait()
	st.finish()
	return d, err
}

// uploadProgress reports local uploads on w.
func uploadProgress(w io.Writer) func(batchendpoint.UploadProgress) {
	last := ""
	return func(p batchendpoint.UploadProgress) {
		switch {
		case p.Skipped && last != p.Path:
			fmt.Fprintf(w, "%s: already uploaded, reusing it\n", p.Path)
		case p.FilesTotal > 0 && p.FilesDone == p.FilesTotal:
			fmt.Fprintf(w, "Uploaded %s: %d files, %d bytes\n", p.Path, p.FilesTotal, p.BytesTotal)
		default:
			return
		}
		last = p.Path
	}
}

// downloadJob downloads outputs of an ended job into dir and reports the files on the progress writer.
func (a *app) downloadJob(ctx context.Context, job *batchendpoint.Job, dir, output string, all bool) (batchendpoint.DownloadOutputsResponse, error) {
	res, err := job.DownloadOutputs(ctx, dir, &batchendpoint.DownloadOutputsOptions{OutputName: output, All: all})
	if err != nil {
		return res, err
	}
	w := a.progress()
	for _, o := range res.Outputs {
		if o.Missing {
			fmt.Fprintf(w, "Output %s: no files (the job did not write it)\n", o.Name)
			continue
		}
		fmt.Fprintf(w, "Downloaded output %s into %s (%d files, %d bytes)\n", o.Name, dir, len(o.Files), o.Bytes)
	}
	if len(res.Outputs) == 0 && len(res.Files) > 0 {
		fmt.Fprintf(w, "Downloaded output %s into %s (%d files, %d bytes)\n", res.Output, dir, len(res.Files), res.Bytes)
	}
	return res, nil
}

// stream follows the job's logs on stdout until it ends, as az ml job stream does.
func (a *app) stream(ctx context.Context, ws *workspace, job *batchendpoint.Job) error {
	fmt.Fprintf(a.stdout, "RunId: %s\nWeb View: %s\n", job.Name(), job.StudioURL())
	opts := ws.wait
	var file string
	opts.OnLog = func(l batchendpoint.LogLine) {
		if f := l.Job + "/" + l.File; f != file {
			file = f
			fmt.Fprintf(a.stdout, "\nStreaming %s\n%s\n", l.File, strings.Repeat("=", len("Streaming ")+len(l.File)))
		}
		fmt.Fprintln(a.stdout, l.Text)
	}
	if !a.g.onlyShowErrors {
		opts.OnStatus = func(d batchendpoint.JobDetails) { fmt.Fprintf(a.stderr, "%s  %s\n", d.Name, d.Status) }
	}
	d, err := job.Wait(ctx, &opts)
	fmt.Fprintf(a.stdout, "\nExecution Summary\n=================\nRunId: %s\nWeb View: %s\n", d.Name, job.StudioURL())
	return err
}

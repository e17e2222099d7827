package emulator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// fetchInput downloads a data input under dir and returns the local files in
// blob-name order; for UriFile the single file.
func (s *Server) fetchInput(ctx context.Context, in *jobInput, dir string) (files []string, root string, err error) {
	loc, jerr := s.location(in.ref)
	if jerr != nil {
		return nil, "", jerr
	}
	if in.typ == "UriFile" {
		name := strings.TrimSuffix(loc.path, "/")
		ok, err := s.blobExists(ctx, loc, name)
		if err != nil {
			return nil, "", storageError(ctx, in.uri, err)
		}
		if !ok || name == "" {
			return nil, "", &JobError{Code: "UserError", Message: fmt.Sprintf("There is no file at input '%s' (%s). For a folder use input type UriFolder.", in.name, redactURL(in.uri))}
		}
		dst := filepath.Join(dir, path.Base(name))
		if err := s.downloadBlob(ctx, loc, name, dst); err != nil {
			return nil, "", storageError(ctx, in.uri, err)
		}
		return []string{dst}, dst, nil
	}
	names, err := s.listFiles(ctx, loc)
	if err != nil {
		return nil, "", storageError(ctx, in.uri, err)
	}
	sort.Strings(names)
	prefix := strings.TrimSuffix(loc.path, "/")
	for _, n := range names {
		rel := strings.TrimPrefix(strings.TrimPrefix(n, prefix), "/")
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := s.downloadBlob(ctx, loc, n, dst); err != nil {
			return nil, "", storageError(ctx, in.uri, err)
		}
		files = append(files, dst)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	return files, dir, nil
}

func storageError(ctx context.Context, uri string, err error) error {
	if c := context.Cause(ctx); c != nil && ctx.Err() != nil {
		return c
	}
	return &JobError{Code: "UserError", Message: fmt.Sprintf("Unable to read input data at '%s': %s", redactURL(uri), redactErr(err))}
}

func (s *Server) outputTaken(ctx context.Context, o *jobOutput, name string) error {
	ok, err := s.blobExists(ctx, o.loc, name)
	if err != nil {
		return &JobError{Code: "SystemError", Message: fmt.Sprintf("Unable to check output location '%s': %s", o.uri, redactErr(err))}
	}
	if ok {
		return &JobError{Code: "UserError", Message: fmt.Sprintf(
			"The output location '%s' already contains '%s'. Provide a unique output location: if the output file already exists, the batch scoring job fails.", o.uri, name)}
	}
	return nil
}

// runModel scores the single input in mini-batches and returns the output file to write.
func (s *Server) runModel(j *job, scratch string) ([]pendingUpload, error) {
	ctx := j.ctx
	st := j.settings
	var target string
	var out *jobOutput
	if len(j.outputs) > 0 {
		out = j.outputs[0]
		target = out.loc.path
		if target == "" || strings.HasSuffix(target, "/") {
			// A uri_file output that names a folder receives the output file inside it.
			target = joinBlob(target, st.outputFileName)
		}
		if st.outputAction == AppendRow {
			if err := s.outputTaken(ctx, out, target); err != nil {
				return nil, err
			}
		}
	}
	files, _, err := s.fetchInput(ctx, j.inputs[0], filepath.Join(scratch, "inputs"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, &JobError{Code: "UserError", Message: fmt.Sprintf("No files were found in input '%s' (%s).", j.inputs[0].name, redactURL(j.inputs[0].uri))}
	}
	var batches [][]string
	for i := 0; i < len(files); i += st.miniBatchSize {
		batches = append(batches, files[i:min(i+st.miniBatchSize, len(files))])
	}
	results := make([][]string, len(batches))
	failed := make([]bool, len(batches))
	work := make(chan int)
	var wg sync.WaitGroup
	workers := max(1, st.concurrency*st.instanceCount)
	score := j.dep.model.Score
	for range min(workers, len(batches)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				rows, ok := s.scoreMiniBatch(ctx, j, score, i, batches[i], st)
				results[i], failed[i] = rows, !ok
			}
		}()
	}
	for i := range batches {
		select {
		case work <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if c := context.Cause(ctx); c != nil && ctx.Err() != nil {
		return nil, c
	}
	failedMB, failedFiles := 0, 0
	for i, f := range failed {
		if f {
			failedMB++
			failedFiles += len(batches[i])
		}
	}
	s.mu.Lock()
	j.miniBatches, j.failedMB, j.failedFiles = len(batches), failedMB, failedFiles
	s.mu.Unlock()
	s.logScored(j, len(batches), failedMB, failedFiles, len(files))
	s.flushLogs(ctx, j)
	if st.errorThreshold >= 0 && failedFiles > st.errorThreshold {
		return nil, &JobError{Code: "UserError", Message: fmt.Sprintf(
			"The number of failed items (%d, in %d of %d mini-batches) exceeded the error threshold (%d). See the scoring function's errors for details.",
			failedFiles, failedMB, len(batches), st.errorThreshold)}
	}
	if out == nil || st.outputAction != AppendRow {
		return nil, nil
	}
	var b strings.Builder
	for _, rows := range results {
		for _, r := range rows {
			b.WriteString(r)
			b.WriteByte('\n')
		}
	}
	return []pendingUpload{{loc: out.loc, name: target, uri: out.uri, data: []byte(b.String())}}, nil
}

// scoreMiniBatch runs score with retries and a per-attempt timeout.
func (s *Server) scoreMiniBatch(ctx context.Context, j *job, score ScoreFunc, idx int, files []string, st modelSettings) ([]string, bool) {
	tries := max(1, st.maxRetries)
	for attempt := 1; attempt <= tries; attempt++ {
		if ctx.Err() != nil {
			return nil, false
		}
		actx, cancel := context.WithTimeout(ctx, st.timeout)
		rows, err := safeScore(actx, score, MiniBatch{Index: idx, Attempt: attempt, Files: append([]string(nil), files...)})
		if err == nil && actx.Err() != nil {
			err = actx.Err()
		}
		cancel()
		if err == nil {
			return rows, true
		}
		s.logf("mini-batch %d attempt %d failed: %v", idx, attempt, err)
		if ctx.Err() == nil {
			s.logMiniBatchFailure(j, idx, attempt, tries, len(files), err)
		}
	}
	return nil, false
}

func safeScore(ctx context.Context, f ScoreFunc, b MiniBatch) (rows []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("scoring function panicked: %v", r)
		}
	}()
	return f(ctx, b)
}

// runPipeline hands the named inputs to the deployment's func and collects its outputs.
func (s *Server) runPipeline(j *job, scratch string) ([]pendingUpload, error) {
	ctx := j.ctx
	run := &PipelineRun{JobName: j.name, Inputs: map[string]PipelineInput{}, Outputs: map[string]string{}}
	for _, in := range j.inputs {
		if in.literal {
			run.Inputs[in.name] = PipelineInput{Type: "Literal", Value: in.value}
			continue
		}
		_, root, err := s.fetchInput(ctx, in, filepath.Join(scratch, "inputs", in.name))
		if err != nil {
			return nil, err
		}
		run.Inputs[in.name] = PipelineInput{Type: in.typ, URI: in.uri, Path: root}
	}
	for n, def := range j.dep.pipeline.Inputs {
		if _, ok := run.Inputs[n]; !ok && def != "" {
			run.Inputs[n] = PipelineInput{Type: "Literal", Value: def}
		}
	}
	for _, o := range j.outputs {
		dir := filepath.Join(scratch, "outputs", o.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if o.typ == "UriFile" {
			run.Outputs[o.name] = filepath.Join(dir, path.Base(o.loc.path))
		} else {
			run.Outputs[o.name] = dir
		}
	}
	if f := j.dep.pipeline.Run; f != nil {
		if err := safeRun(ctx, f, run); err != nil {
			if c := context.Cause(ctx); c != nil && ctx.Err() != nil {
				return nil, c
			}
			var je *JobError
			if errors.As(err, &je) {
				return nil, je
			}
			return nil, &JobError{Code: "UserError", Message: "Pipeline component failed: " + err.Error()}
		}
	}
	var uploads []pendingUpload
	for _, o := range j.outputs {
		local := run.Outputs[o.name]
		if o.typ == "UriFile" {
			data, err := os.ReadFile(local)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &JobError{Code: "UserError", Message: fmt.Sprintf("Output '%s' (uri_file) was not written by the pipeline component.", o.name)}
			} else if err != nil {
				return nil, err
			}
			uploads = append(uploads, pendingUpload{loc: o.loc, name: o.loc.path, uri: o.uri, data: data})
			continue
		}
		err := filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(local, p)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			uploads = append(uploads, pendingUpload{loc: o.loc, name: joinBlob(o.loc.path, filepath.ToSlash(rel)), uri: o.uri, data: data})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, u := range uploads {
		o := &jobOutput{loc: u.loc, uri: u.uri}
		if err := s.outputTaken(ctx, o, u.name); err != nil {
			return nil, err
		}
	}
	return uploads, nil
}

func safeRun(ctx context.Context, f PipelineFunc, run *PipelineRun) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pipeline function panicked: %v", r)
		}
	}()
	return f(ctx, run)
}

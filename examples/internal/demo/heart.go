package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// HeartColumns are the columns of the unlabeled UCI heart-disease files the how-to uses.
var HeartColumns = []string{"age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal"}

// Dataset sizes GenerateHeartData writes by default.
const (
	DefaultFiles       = 4
	DefaultRowsPerFile = 25
)

// GenerateHeartData writes files CSV files of rows rows each (DefaultFiles and
// DefaultRowsPerFile when zero) named heart-01.csv, heart-02.csv, ... into dir
// and returns their paths. The content depends only on the sizes, so every run
// scores the same way.
func GenerateHeartData(dir string, files, rows int) ([]string, error) {
	if files <= 0 {
		files = DefaultFiles
	}
	if rows <= 0 {
		rows = DefaultRowsPerFile
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	thal := []string{"normal", "fixed", "reversible"}
	var paths []string
	for f := range files {
		r := rand.New(rand.NewPCG(2024, uint64(f)))
		var b strings.Builder
		w := csv.NewWriter(&b)
		_ = w.Write(HeartColumns)
		for range rows {
			rec := []string{
				strconv.Itoa(29 + r.IntN(49)),                           // age
				strconv.Itoa(r.IntN(2)),                                 // sex
				strconv.Itoa(r.IntN(4)),                                 // cp
				strconv.Itoa(94 + r.IntN(107)),                          // trestbps
				strconv.Itoa(126 + r.IntN(439)),                         // chol
				strconv.Itoa(boolInt(r.IntN(7) == 0)),                   // fbs
				strconv.Itoa(r.IntN(3)),                                 // restecg
				strconv.Itoa(71 + r.IntN(132)),                          // thalach
				strconv.Itoa(boolInt(r.IntN(3) == 0)),                   // exang
				strconv.FormatFloat(float64(r.IntN(63))/10, 'f', 1, 64), // oldpeak
				strconv.Itoa(r.IntN(3)),                                 // slope
				strconv.Itoa(r.IntN(4)),                                 // ca
				thal[r.IntN(len(thal))],                                 // thal
			}
			_ = w.Write(rec)
		}
		w.Flush()
		p := filepath.Join(dir, fmt.Sprintf("heart-%02d.csv", f+1))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Score is the demo "model": a fixed logistic score over age, cholesterol,
// maximum heart rate (thalach) and exercise angina. It returns the label (1 =
// heart disease) and its probability.
func Score(age, chol, thalach, exang float64) (label int, prob float64) {
	z := 0.06*(age-54) + 0.01*(chol-246) - 0.04*(thalach-150) + 1.2*(exang-0.33) - 1
	prob = 1 / (1 + math.Exp(-z))
	if prob >= 0.5 {
		label = 1
	}
	return label, prob
}

// scoreFile scores every row of a heart CSV file.
func scoreFile(path string, row func(rec []string, label int, prob float64) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"age", "chol", "thalach", "exang"} {
		if _, ok := col[need]; !ok {
			return fmt.Errorf("%s: no column %q", filepath.Base(path), need)
		}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		var v [4]float64
		for i, name := range []string{"age", "chol", "thalach", "exang"} {
			if v[i], err = strconv.ParseFloat(rec[col[name]], 64); err != nil {
				return fmt.Errorf("%s: column %s: %w", filepath.Base(path), name, err)
			}
		}
		label, prob := Score(v[0], v[1], v[2], v[3])
		if err := row(rec, label, prob); err != nil {
			return err
		}
	}
}

// ModelScore is the scoring script of the model deployment: one output row
// "<file>,<row>,<label>,<probability>" per input row, as the how-to's heart
// classifier appends rows to predictions.csv.
func ModelScore(ctx context.Context, batch emulator.MiniBatch) ([]string, error) {
	var rows []string
	for _, p := range batch.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := 0
		err := scoreFile(p, func(_ []string, label int, prob float64) error {
			rows = append(rows, fmt.Sprintf("%s,%d,%d,%.4f", filepath.Base(p), n, label, prob))
			n++
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// PipelineScore runs the pipeline component deployment: it scores every CSV file
// of input heart_data and writes output score, a CSV. Its literal inputs, one of
// each type batch endpoints accept:
//
//   - score_mode (string, default append): "append" keeps the input columns and
//     appends prediction and probability; "replace" writes file, row, prediction
//     and probability only.
//   - threshold (float, default 0.5): the probability from which the label is 1.
//   - decimals (integer, default 4): digits of the probability.
//   - header (boolean, default True): whether the first line names the columns.
func PipelineScore(ctx context.Context, run *emulator.PipelineRun) error {
	return pipelineScore(ctx, run, run.Inputs["heart_data"].Path, true)
}

// PipelineScoreOptionalData plays PipelineEndpoint's default deployment, a
// component whose one data input is optional and may have any name (the
// how-to's --input and literal-only command lines target such an endpoint).
// It scores the data input like PipelineScore, or writes only the header row
// when the job has none.
func PipelineScoreOptionalData(ctx context.Context, run *emulator.PipelineRun) error {
	var data []string
	for name, in := range run.Inputs {
		if in.Type != "Literal" {
			data = append(data, name)
		}
	}
	switch len(data) {
	case 0:
		return pipelineScore(ctx, run, "", false)
	case 1:
		return pipelineScore(ctx, run, run.Inputs[data[0]].Path, false)
	}
	sort.Strings(data)
	return &emulator.JobError{Code: "UserError", Message: fmt.Sprintf("the component takes one data input, got %d: %s", len(data), strings.Join(data, ", "))}
}

func pipelineScore(ctx context.Context, run *emulator.PipelineRun, in string, requireData bool) error {
	lit := func(name, def string) string {
		if v := run.Inputs[name].Value; v != "" {
			return v
		}
		return def
	}
	mode := lit("score_mode", "append")
	if mode != "append" && mode != "replace" {
		return &emulator.JobError{Code: "UserError", Message: fmt.Sprintf("score_mode must be append or replace, got %q", mode)}
	}
	threshold, err := strconv.ParseFloat(lit("threshold", "0.5"), 64)
	if err != nil {
		return &emulator.JobError{Code: "UserError", Message: "threshold: " + err.Error()}
	}
	decimals, err := strconv.Atoi(lit("decimals", "4"))
	if err != nil || decimals < 0 || decimals > 10 {
		return &emulator.JobError{Code: "UserError", Message: fmt.Sprintf("decimals must be an integer from 0 to 10, got %q", lit("decimals", "4"))}
	}
	header, err := strconv.ParseBool(strings.ToLower(lit("header", "True")))
	if err != nil {
		return &emulator.JobError{Code: "UserError", Message: "header: " + err.Error()}
	}
	if in == "" && requireData {
		return &emulator.JobError{Code: "UserError", Message: "input heart_data is required"}
	}
	var files []string
	if in == "" {
		// No data input: nothing to score.
	} else if st, err := os.Stat(in); err != nil {
		return err
	} else if !st.IsDir() {
		files = []string{in}
	} else {
		files = nil
		err := filepath.WalkDir(in, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".csv") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return err
		}
		sort.Strings(files)
	}
	out, ok := run.Outputs["score"]
	if !ok {
		return errors.New("no output score")
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		out = filepath.Join(out, "predictions.csv") // a uri_folder output
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	if header && mode == "append" {
		_ = w.Write(append(append([]string{}, HeartColumns...), "prediction", "probability"))
	} else if header {
		_ = w.Write([]string{"file", "row", "prediction", "probability"})
	}
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := 0
		err := scoreFile(p, func(rec []string, _ int, prob float64) error {
			l, pr := strconv.Itoa(boolInt(prob >= threshold)), strconv.FormatFloat(prob, 'f', decimals, 64)
			if mode == "append" {
				_ = w.Write(append(append([]string{}, rec...), l, pr))
			} else {
				_ = w.Write([]string{filepath.Base(p), strconv.Itoa(n), l, pr})
			}
			n++
			return nil
		})
		if err != nil {
			return err
		}
	}
	w.Flush()
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

// Summary counts the predictions in output files.
type Summary struct {
	// Files is the number of files read.
	Files int
	// Rows is the number of predictions.
	Rows int
	// Labels counts predictions per label.
	Labels map[string]int
}

// String prints e.g. "100 rows: 0=61 1=39".
func (s Summary) String() string {
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, s.Labels[k])
	}
	return fmt.Sprintf("%d rows: %s", s.Rows, strings.Join(parts, " "))
}

// Summarize reads prediction files: model deployment rows (file,row,label,prob,
// no header) or PipelineScore's CSVs, with or without a header.
func Summarize(paths ...string) (Summary, error) {
	s := Summary{Labels: map[string]int{}}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return s, err
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return s, fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
		s.Files++
		col := 2 // model deployment rows: file,row,label,probability
		if len(recs) > 0 && len(recs[0]) == len(HeartColumns)+2 {
			col = len(HeartColumns) // pipeline "append" rows without a header
		}
		if len(recs) > 0 {
			for i, h := range recs[0] {
				if h == "prediction" {
					col, recs = i, recs[1:]
					break
				}
			}
		}
		for _, rec := range recs {
			if col >= len(rec) {
				return s, fmt.Errorf("%s: short row %q", filepath.Base(p), rec)
			}
			s.Rows++
			s.Labels[rec[col]]++
		}
	}
	return s, nil
}

package spec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// FuzzLoad feeds arbitrary YAML and --set assignments (one per line of set).
// It checks that Load never panics, that every error is a located
// *inputs.ValidationError without an unredacted SAS signature, that results
// are deterministic, and that every input and output it returns is valid.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"heart-data-id.yml", "score-mode.yml", "inputs-and-outputs.yml", "training-asset.yml", "heart-data-asset.yml", "datastore-file.yml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "")
	}
	f.Add([]byte(""), "inputs.heart_data.type=uri_folder\ninputs.heart_data.path="+dataAssetID)
	f.Add([]byte(""), "inputs.score_mode.type=string\ninputs.score_mode.default=append")
	f.Add([]byte(""), "inputs.x.path="+sasURL+"\noutputs.o.path="+sasURL)
	f.Add([]byte("inputs:\n  x: 5\n"), "inputs.x.path=y")
	f.Add([]byte("a: &a [*a]\ninputs: *a\n"), "")
	f.Add([]byte("inputs:\n  a: &a {type: string, default: x}\n  b: {<<: *a, default: y}\n"), "mini_batch_size=3\nretry_settings.timeout=PT5M")
	f.Add([]byte("inputs: !!map {x: !!float 1:30.5, y: 0b1_0, z: 2024-01-01 10:00:00}\n"), "compute.instance_count=2")
	f.Add([]byte("outputs:\n  s: {type: uri_file, mode: upload, path: azureml://datastores/d/paths/p}\n"), "outputs=x")
	f.Add([]byte("inputs:\n  heart_data:\n    type: uri_folder\n   path: x\n"), "")
	f.Add([]byte("inputs:\n  a:\n    type: uri_folder\n\tpath: x\n"), "")
	f.Add([]byte("inputs:\n  a: {type: uri_folder, path: [x\n"), "")
	f.Add([]byte("inputs:\n  a:\n    type: \"uri_folder\n"), "")
	f.Add([]byte("deployment: d_1\n"), "name=a\tb")
	f.Fuzz(func(t *testing.T, data []byte, set string) {
		var sets []string
		if set != "" {
			sets = strings.Split(set, "\n")
		}
		s, err := Load(data, "inputs.yml", sets)
		s2, err2 := Load(data, "inputs.yml", sets)
		if fmt.Sprint(err) != fmt.Sprint(err2) || (s == nil) != (s2 == nil) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			if s != nil {
				t.Fatal("spec and error")
			}
			var ve *inputs.ValidationError
			if !errors.As(err, &ve) || ve.Field == "" {
				t.Fatalf("error without location: %#v", err)
			}
			if msg := err.Error(); redact.URL(msg) != msg {
				t.Fatalf("unredacted secret in %q", msg)
			}
			if strings.HasPrefix(ve.Problem, "YAML syntax error") {
				m := regexp.MustCompile(` line (\d+)$`).FindStringSubmatch(ve.Field)
				if m == nil {
					t.Fatalf("syntax error without a line: %v", err)
				}
				if n, _ := strconv.Atoi(m[1]); n < 1 || n > bytes.Count(data, []byte("\n"))+1 {
					t.Fatalf("syntax error on line %d of a %d-line file: %v", n, bytes.Count(data, []byte("\n"))+1, err)
				}
			}
			return
		}
		if len(s.Inputs) == 0 {
			t.Fatal("a file without inputs was accepted")
		}
		for name, in := range s.Inputs {
			if !ioName.MatchString(name) {
				t.Fatalf("bad input name %q accepted", name)
			}
			if err := in.Validate(); err != nil {
				t.Fatalf("input %s does not validate: %v", name, err)
			}
			if _, lit := in.(inputs.LiteralInput); !lit {
				if str := fmt.Sprintf("%v %+v %#v", in, in, in); redact.URL(str) != str && isURLInput(in) {
					t.Fatalf("input %s shows a secret: %s", name, str)
				}
			}
		}
		for name, o := range s.Outputs {
			if !ioName.MatchString(name) {
				t.Fatalf("bad output name %q accepted", name)
			}
			if err := o.Validate(); err != nil {
				t.Fatalf("output %s does not validate: %v", name, err)
			}
		}
	})
}

// isURLInput reports whether in is a storage URL, whose String must hide SAS tokens.
func isURLInput(in inputs.Input) bool {
	_, ok := in.(inputs.StorageURLInput)
	return ok
}

// FuzzParseSet checks that ParseSet never panics, that a parsed assignment
// round-trips, and that errors are *inputs.ValidationError.
func FuzzParseSet(f *testing.F) {
	for _, s := range []string{"inputs.heart_data.type=uri_folder", "inputs.x.path=" + sasURL, "a=b=c", "=x", "x", "a..b=1",
		"a b=1", "name=", "inputs.x.default=\xff", "compute.instance_count=2", strings.Repeat("a.", 10) + "a=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		path, value, err := ParseSet(s)
		if err != nil {
			var ve *inputs.ValidationError
			if !errors.As(err, &ve) || !strings.HasPrefix(ve.Field, "--set") {
				t.Fatalf("unexpected error %#v", err)
			}
			if msg := err.Error(); redact.URL(msg) != msg {
				t.Fatalf("unredacted secret in %q", msg)
			}
			return
		}
		if got := strings.Join(path, ".") + "=" + value; got != s {
			t.Fatalf("round trip: %q != %q", got, s)
		}
		for _, p := range path {
			if p == "" || strings.ContainsAny(p, "=. \t\n") {
				t.Fatalf("bad key part %q", p)
			}
		}
	})
}

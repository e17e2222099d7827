package inputs_test

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// sigParam finds SAS signatures given as a query parameter.
var sigParam = regexp.MustCompile(`(?i)[?&;]sig=([^&#;]*)`)

// leaks reports the first SAS signature of value that shows in text.
func leaks(value, text string) (string, bool) {
	low := strings.ToLower(text)
	for _, m := range sigParam.FindAllStringSubmatch(value, -1) {
		v := strings.ToLower(m[1])
		if v == "" || strings.HasPrefix(v, "redacted") {
			continue
		}
		for _, sep := range []string{"?", "&", ";"} {
			if strings.Contains(low, sep+"sig="+v) {
				return m[1], true
			}
		}
	}
	return "", false
}

// FuzzParse checks that Parse never panics, that what it returns validates,
// and that neither the input's String/%v forms nor an error show a SAS
// signature of the value.
func FuzzParse(f *testing.F) {
	const sig = "?sv=2022-11-02&sp=r&sig=c2VjcmV0%3D"
	for _, s := range [][3]string{
		{"https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data", "", ""},
		{"https://acct.blob.core.windows.net/c/heart.csv" + sig, "uri_file", "download"},
		{"https://acct.blob.core.windows.net/c/heart.csv" + sig + "#frag", "", ""},
		{"http://acct.blob.core.windows.net/c/d" + sig, "", ""},
		{"azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled", "uri_folder", "ro_mount"},
		{"azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/d/paths/p", "", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/data/heart-data/versions/1", "", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/d/paths/a/b", "uri_file", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datasets/x/versions/1", "", ""},
		{"azureml:heart-data:1", "", ""},
		{"azureml:heart-data@latest", "", ""},
		{"http-data@latest", "", ""},
		{"azureml://locations/westeurope/workspaces/ws/data/d/versions/labels/latest", "", ""},
		{"azureml://registries/azureml/data/d/versions/1", "", ""},
		{"azureml://registries/azureml/models/m/versions/1", "mlflow_model", ""},
		{"https://acct.blob.core.windows.net/models/m", "custom_model", ""},
		{"append", "string", ""},
		{"true", "boolean", ""},
		{"1e-5", "float", ""},
		{"42", "integer", ""},
		{"x", "mltable", ""},
		{".", "", ""},
		{"", "", ""},
		{"s3://bucket/key", "", ""},
		{"https://a.blob.core.windows.net/c/m" + sig, "custom_model", ""},
		{"azureml://locations/l/workspaces/w/data/n/versions/1" + sig, "", ""},
		{"azureml://registries/r/data/d/versions/1" + sig, "", ""},
		{"azureml://datastores/d/paths/p" + sig, "", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/d/paths/p" + sig, "", ""},
		{"acct.blob.core.windows.net/c/d" + sig, "", ""},
		{"https://user:hunter22@acct.blob.core.windows.net/c/d", "", ""},
		{"https://:hunter22@acct.blob.core.windows.net/c/d" + sig, "uri_file", ""},
		{"ftp://user:hunter22@acct.blob.core.windows.net/c/d", "", ""},
		{"wasbs://c@acct.blob.core.windows.net/p", "", ""},
		{"abfss://fs@acct.dfs.core.windows.net/p", "uri_file", ""},
		{"https://acct.file.core.windows.net/share/p", "", ""},
		{"https://acct.blob.core.windows.net:99999/c/p", "", ""},
		{"https://acct.blob.core.windows.net/c/with space", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, value, typ, mode string) {
		in, err := inputs.Parse(value, &inputs.ParseOptions{Type: inputs.Kind(typ), Mode: inputs.Mode(mode)})
		if err != nil {
			var ve *inputs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is %T, not *ValidationError: %v", err, err)
			}
			if s, bad := leaks(value, err.Error()); bad {
				t.Fatalf("error shows signature %q: %v", s, err)
			}
			if pw := password(value); pw != "" {
				for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					if strings.Contains(text, pw) {
						t.Fatalf("error shows the URL's password %q: %s", pw, text)
					}
				}
			}
			return
		}
		if in == nil {
			t.Fatal("nil input without error")
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("Parse returned an input that does not validate: %v", err)
		}
		if in.Kind().IsLiteral() {
			return // a literal's value is the caller's own text, not a URL
		}
		//lint:ignore S1025 the %s verb is what is under test
		for _, text := range []string{in.String(), fmt.Sprintf("%v", in), fmt.Sprintf("%+v", in), fmt.Sprintf("%#v", in), fmt.Sprintf("%s", in)} {
			if s, bad := leaks(value, text); bad {
				t.Fatalf("%T shows signature %q: %s", in, s, text)
			}
		}
	})
}

// password is the password of URL value's user info when it is long enough to be
// told apart from the rest of the text, else "".
func password(value string) string {
	u, err := url.Parse(strings.TrimSpace(value))
	if err != nil || u.User == nil || u.Scheme == "" { // "//:x@" is a local path, not a URL
		return ""
	}
	pw, _ := u.User.Password()
	if len(pw) < 6 || strings.Contains(u.Host+u.Path+u.RawQuery, pw) {
		return ""
	}
	return pw
}

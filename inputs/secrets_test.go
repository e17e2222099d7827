package inputs_test

import (
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
	"github.com/azmlbatch/azmlbatch/outputs"
)

// secretSpellings are the forms of the test's secrets that must never be printed.
var secretSpellings = []string{"AbCdEf", "SECRETsig", "hunter2pw", url.QueryEscape("AbCdEf%2BSECRETsig")}

const pwURL = "https://user:hunter2pw@acct.blob.core.windows.net/data/heart"

var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"}

func assertClean(t *testing.T, v any) {
	t.Helper()
	for _, verb := range verbs {
		out := fmt.Sprintf(verb, v)
		for _, s := range secretSpellings {
			assert.NotContains(t, out, s, "%s of %T: %s", verb, v, out)
		}
	}
}

// TestEveryValuePrintsRedacted: every input and output type, a string literal
// holding a SAS URL included, prints no secret with any verb.
func TestEveryValuePrintsRedacted(t *testing.T) {
	lit := inputs.String("copy from " + sasURL)
	model := inputs.CustomModel(sasURL)
	vals := []any{
		inputs.StorageURL(sasURL), inputs.StorageURL(pwURL), lit, model,
		inputs.LocalPath("/tmp/" + sasURL), inputs.Datastore("ds", "p?"+url.Values{"sig": {"AbCdEf"}}.Encode()),
		inputs.DataAsset("x", "1?sig=AbCdEf"), outputs.Datastore("ds", "out/x?sig=AbCdEf"),
		[]inputs.Input{lit, model}, map[string]inputs.Input{"a": lit},
		struct{ L inputs.LiteralInput }{lit},
	}
	for _, v := range vals {
		assertClean(t, v)
	}
	assert.Equal(t, "copy from "+sasURL, lit.Value(), "Value is what is sent")
	assert.Contains(t, lit.String(), "sig=REDACTED")
}

// TestValidationErrorsHoldRedactedValues: the Value field itself is redacted,
// so printing the struct by any means (or reading the field) shows no secret.
func TestValidationErrorsHoldRedactedValues(t *testing.T) {
	cases := []struct {
		name string
		err  func() error
	}{
		{"storage URL with fragment", func() error { return inputs.StorageURL(sasURL + "#frag").Validate() }},
		{"http storage URL", func() error { return inputs.StorageURL("http://a/c?sig=AbCdEf").Validate() }},
		{"password URL parse", func() error { _, err := inputs.Parse("ftp://user:hunter2pw@h/x", nil); return err }},
		{"bad number literal", func() error { _, err := inputs.Literal(inputs.KindNumber, sasURL); return err }},
		{"missing local path", func() error { return inputs.LocalPath("/nonexistent/" + sasURL).Validate() }},
		{"datastore URI", func() error { _, err := inputs.DatastoreURI(sasURL); return err }},
		{"data asset ARM id", func() error { _, err := inputs.DataAssetID(sasURL); return err }},
		{"output", func() error { _, err := outputs.Parse(pwURL + "?sig=AbCdEf"); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			require.Error(t, err)
			var ve *inputs.ValidationError
			require.True(t, errors.As(err, &ve), "%T", err)
			assert.NotEmpty(t, ve.Value)
			for _, s := range secretSpellings {
				assert.NotContains(t, ve.Value, s)
				assert.NotContains(t, ve.Problem, s)
			}
			assertClean(t, err)
			assertClean(t, *ve) // the struct value, printed without its methods
		})
	}
}

// TestValidationErrorBuiltByHand: a ValidationError built as a literal with a
// secret in it still prints redacted.
func TestValidationErrorBuiltByHand(t *testing.T) {
	ve := &inputs.ValidationError{Field: "inputs.x", Value: sasURL, Problem: "bad " + pwURL, Fix: "use Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.c2ln"}
	assertClean(t, ve)
	assertClean(t, error(ve))
	assert.Contains(t, fmt.Sprintf("%#v", ve), `&inputs.ValidationError{Field:"inputs.x"`)
	assert.NotContains(t, fmt.Sprintf("%v", ve), "eyJhdWQiOiJ4In0")
	assert.Equal(t, ve.Error(), fmt.Sprintf("%v", ve))
	var nilErr *inputs.ValidationError
	assert.Equal(t, "<nil>", fmt.Sprintf("%v", nilErr))
}

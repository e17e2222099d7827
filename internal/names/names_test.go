package names_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/names"
)

func TestDatastoreName(t *testing.T) {
	cases := []struct {
		name, value, problem string // problem "": valid
	}{
		{"registered name", "workspaceblobstore", ""},
		{"underscore and digits", "my_store_2", ""},
		{"empty", "", "the datastore name is empty"},
		{"hyphen", "my-store", "only letters, digits and underscores"},
		{"too long", string(make([]byte, 256)), "only letters, digits and underscores"},
		{"line break shown escaped", "a\nb", "only letters, digits and underscores"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := names.DatastoreName(c.value)
			if c.problem == "" {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Contains(t, p.Problem, c.problem)
			assert.NotEmpty(t, p.Fix)
			assert.NotContains(t, p.Value, "\n", "the value is shown on one line")
		})
	}
}

func TestDatastorePath(t *testing.T) {
	cases := []struct {
		name, value, problem string
	}{
		{"folder", "heart-disease-uci/data", ""},
		{"spaces are fine", "my folder/file.csv", ""},
		{"empty", " ", "is empty"},
		{"dot dot", "a/../b", `contains ".."`},
		{"control character", "a\tb", "control character"},
		{"query", "a?b", "contains one of"},
		{"backslash", `a\b`, "contains one of"},
		{"sas redacted in the value", "a?sig=SECRETSIG", "contains one of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := names.DatastorePath(c.value)
			if c.problem == "" {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Contains(t, p.Problem, c.problem)
			assert.NotContains(t, p.Value, "SECRETSIG")
			assert.NotContains(t, p.Value, "\t")
		})
	}
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "plain", names.OneLine("plain"))
	assert.Equal(t, `a\r\nb`, names.OneLine("a\r\nb"))
	assert.Equal(t, `\xff`, names.OneLine("\xff"))
}

package spec

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/inputs"
)

// TestSyntaxErrorLine: a YAML syntax error names the line to fix, not the line
// where the enclosing mapping starts (yaml.v3's context mark).
func TestSyntaxErrorLine(t *testing.T) {
	const url = "https://acct.blob.core.windows.net/c/p"
	tests := []struct {
		name string
		yaml string
		line int
	}{
		{"key one space short, line 4", "inputs:\n  heart_data:\n    type: uri_folder\n   path: x\n", 4},
		{"key too deep, line 4", "inputs:\n  heart_data:\n    type: uri_folder\n      path: x\n", 4},
		{"key one space short, line 2", "inputs:\n a: {type: string, default: x}\n  b: {type: string, default: y}\n", 3},
		{"top-level key indented, line 5", "inputs:\n  a:\n    type: uri_folder\n    path: " + url + "\n outputs: {}\n", 5},
		{"tab, line 3", "inputs:\n  a:\n\ttype: uri_folder\n", 3},
		{"tab, line 4 after comments", "# c\n# c\ninputs:\n\ta: 1\n", 4},
		{"unclosed flow mapping, line 2", "inputs:\n  a: {type: uri_folder, path: x\n", 2},
		{"unclosed quote, line 3", "inputs:\n  a:\n    path: \"x\n    type: uri_folder\n", 3},
		{"missing space after colon in flow, line 6", "inputs:\n  a:\n    type: uri_folder\n    path: " + url + "\n  b:\n    - x\n  c: d\n   e: f\n", 8},
		{"first line", "  - a\nb: c\n", 2},
		{"error at line 10", "inputs:\n" + repeat("  k%d: {type: string, default: x}\n", 8) + "   bad: 1\n", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.yaml), "inputs.yml", nil)
			var ve *inputs.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, fmt.Sprintf("inputs.yml line %d", tt.line), ve.Field, "%v", err)
			assert.Contains(t, ve.Problem, "YAML syntax error")
			assert.NotEmpty(t, ve.Fix)
		})
	}
}

func repeat(format string, n int) string {
	s := ""
	for i := range n {
		s += fmt.Sprintf(format, i)
	}
	return s
}

package names

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

// ruleCases are the rules the module uses, each with the regexp it replaces
// (a plain repetition; the rune limit is checked beside it).
var ruleCases = []struct {
	name string
	rule Rule
	re   *regexp.Regexp
	max  int
}{
	{"experiment", Rule{First: ASCIIAlnum, Rest: ASCIIAlnumOr("_-"), Max: 255}, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`), 255},
	{"workspace", Rule{First: ASCIIAlnum, Rest: ASCIIAlnumOr("_-"), Min: 3, Max: 33}, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{2,}$`), 33},
	{"subscription", Rule{First: ASCIIAlnum, Rest: ASCIIAlnumOr("-"), Max: 64}, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`), 64},
	{"datastore", Rule{Rest: ASCIIAlnumOr("_"), Max: 255}, regexp.MustCompile(`^[A-Za-z0-9_]+$`), 255},
	{"asset name", Rule{First: ASCIIAlnum, Rest: ASCIIAlnumOr("_.-"), Max: 255}, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]*$`), 255},
	{"asset version", Rule{Rest: ASCIIAlnumOr("_.-"), Max: 50}, regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`), 50},
	{"input/output name", Rule{First: func(c rune) bool { return c == '_' || ASCIIAlnum(c) && (c < '0' || c > '9') }, Rest: ASCIIAlnumOr("_")},
		regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`), 1 << 30},
	{"resource group", Rule{Rest: func(c rune) bool {
		return unicode.IsLetter(c) || unicode.IsNumber(c) || strings.ContainsRune("-_.()", c)
	}, Max: 90},
		regexp.MustCompile(`^[-\p{L}\p{N}_.()]+$`), 90},
}

func regexpMatch(re *regexp.Regexp, max int, s string) bool {
	return re.MatchString(s) && len([]rune(s)) <= max
}

// TestRule: each hand-checked rule accepts exactly what its regexp and rune
// limit accept.
func TestRule(t *testing.T) {
	inputs := []string{"", "a", "ab", "abc", "-abc", "abc-", "a_b", "a b", "a.b", "a(b)", "été", "日本", "١٢٣",
		"a\x00b", "_x", "9x", "a.b-c_d", "1.0", ".", strings.Repeat("v", 50), strings.Repeat("v", 51), "a\xffb", "\xff", "a\u00a0", "A1", "1A", "_a", "a/b",
		strings.Repeat("a", 33), strings.Repeat("a", 34), strings.Repeat("é", 90), strings.Repeat("é", 91),
		strings.Repeat("a", 255), strings.Repeat("a", 256), strings.Repeat("b", 64), strings.Repeat("b", 65)}
	for _, c := range ruleCases {
		for _, s := range inputs {
			assert.Equal(t, regexpMatch(c.re, c.max, s), c.rule.MatchString(s), "%s rule, %q", c.name, s)
		}
	}
}

// FuzzRule: the rules and their regexps agree on any input.
func FuzzRule(f *testing.F) {
	for _, s := range []string{"abc", "a-b_c", "été", "\xff", "a.b()", "1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ruleCases {
			if got, want := c.rule.MatchString(s), regexpMatch(c.re, c.max, s); got != want {
				t.Fatalf("%s rule on %q: %v, regexp %v", c.name, s, got, want)
			}
		}
	})
}

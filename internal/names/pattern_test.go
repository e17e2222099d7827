package names

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPattern: a plain repetition plus a rune limit accepts exactly what the
// bounded repetition it replaces accepted.
func TestPattern(t *testing.T) {
	p := NewPattern(`^[A-Za-z0-9][A-Za-z0-9_-]*$`, 5)
	rg := NewPattern(`^[-\p{L}\p{N}_.()]+$`, 3)
	cases := []struct {
		p    *Pattern
		s    string
		want bool
	}{
		{p, "a", true},
		{p, "abcde", true},
		{p, "abcdef", false}, // one past the limit
		{p, "", false},
		{p, "-abc", false},
		{rg, "été", true}, // the limit counts runes, not bytes
		{rg, "étéx", false},
		{rg, strings.Repeat("é", 2), true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.p.MatchString(c.s), "%q", c.s)
	}
	assert.Equal(t, `^[A-Za-z0-9][A-Za-z0-9_-]*$`, p.Regexp().String())
}

// TestPatternLazy: nothing is compiled until the first use.
func TestPatternLazy(t *testing.T) {
	p := NewPattern(`^x$`, 0)
	assert.Nil(t, p.re)
	assert.True(t, p.MatchString("x"))
	assert.NotNil(t, p.re)
}

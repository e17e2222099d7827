package names

import (
	"regexp"
	"sync"
	"unicode/utf8"
)

// Pattern is a regular expression compiled on first use, with its length limit
// checked before matching. Compiling every rule at package init cost
// milliseconds for programs that validate a handful of names, and a bounded
// repetition such as {1,255} compiles to that many copies of its class: a
// plain repetition plus a length check matches the same strings for a
// fraction of the cost.
type Pattern struct {
	expr   string
	maxLen int // in runes; 0: no limit
	once   sync.Once
	re     *regexp.Regexp
}

// NewPattern returns a Pattern for expr matching at most maxLen runes (0: any).
func NewPattern(expr string, maxLen int) *Pattern { return &Pattern{expr: expr, maxLen: maxLen} }

// Regexp returns the compiled expression.
func (p *Pattern) Regexp() *regexp.Regexp {
	p.once.Do(func() { p.re = regexp.MustCompile(p.expr) })
	return p.re
}

// MatchString reports whether s is within the length limit and matches.
func (p *Pattern) MatchString(s string) bool {
	if p.maxLen > 0 && (len(s) > 4*p.maxLen || utf8.RuneCountInString(s) > p.maxLen) {
		return false
	}
	return p.Regexp().MatchString(s)
}

package names

import "unicode/utf8"

// Rule is a naming rule of the shape ^[First][Rest]*$ with a length range in
// runes, checked by hand: every naming rule here has that shape, and a regexp
// costs a compile on first use (about 0.2 ms of every cold process that builds
// a client) for nothing more. Tests check each rule against its regexp.
type Rule struct {
	// First admits the first rune; nil: Rest does.
	First func(rune) bool
	// Rest admits every other rune.
	Rest func(rune) bool
	// Min and Max bound the length in runes (Min below 1 counts as 1; Max 0:
	// no limit).
	Min, Max int
}

// MatchString reports whether s follows the rule. Invalid UTF-8 never does,
// as a regexp reads it as U+FFFD, which no rule admits.
func (r Rule) MatchString(s string) bool {
	if r.Max > 0 && len(s) > utf8.UTFMax*r.Max {
		return false
	}
	n := 0
	for i, c := range s {
		if c == utf8.RuneError {
			return false
		}
		ok := r.Rest
		if i == 0 && r.First != nil {
			ok = r.First
		}
		if !ok(c) {
			return false
		}
		n++
	}
	return n >= max(r.Min, 1) && (r.Max == 0 || n <= r.Max)
}

// ASCIIAlnum admits A-Z, a-z and 0-9.
func ASCIIAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ASCIIAlnumOr admits A-Z, a-z, 0-9 and the given ASCII punctuation.
func ASCIIAlnumOr(extra string) func(rune) bool {
	return func(c rune) bool {
		if ASCIIAlnum(c) {
			return true
		}
		for i := 0; i < len(extra); i++ {
			if rune(extra[i]) == c {
				return true
			}
		}
		return false
	}
}

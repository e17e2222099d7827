package spec

import (
	"github.com/azmlbatch/azmlbatch/internal/names"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// styp is the type a YAML scalar resolves to.
type styp uint8

const (
	tStr styp = iota
	tNull
	tBool
	tInt
	tFloat
	tTime
)

func (t styp) String() string {
	return [...]string{"a string", "null", "a boolean", "an integer", "a number", "a timestamp"}[t]
}

// YAML 1.1 implicit types of plain scalars, as PyYAML's safe_load applies them;
// az ml reads --file with it, so the same file must give the same literal types.
// (yaml.v3 follows YAML 1.2, where yes/on are strings and 1e3 is a float.)
var (
	yaml11Bool  = names.NewPattern(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`, 0)
	yaml11Int   = names.NewPattern(`^(?:[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`, 0)
	yaml11Float = names.NewPattern(`^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`, 0)
	yaml11Null  = names.NewPattern(`^(?:~|null|Null|NULL|)$`, 0)
	yaml11Time  = names.NewPattern(`^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$`, 0)
)

// scalar is a resolved scalar value.
type scalar struct {
	typ  styp
	b    bool
	i    int64
	big  bool // an integer outside int64 (Python has no limit; we refuse it later)
	f    float64
	text string
}

// resolvePlain types an untagged, unquoted scalar. Order as PyYAML: bool, float,
// int, null, timestamp, else string.
func resolvePlain(s string) scalar {
	switch {
	case yaml11Bool.MatchString(s):
		return scalar{typ: tBool, b: parseBool11(s), text: s}
	case yaml11Float.MatchString(s):
		if f, ok := parseFloat11(s); ok {
			return scalar{typ: tFloat, f: f, text: s}
		}
	case yaml11Int.MatchString(s):
		if i, isBig, ok := parseInt11(s); ok {
			return scalar{typ: tInt, i: i, big: isBig, text: s}
		}
	case yaml11Null.MatchString(s):
		return scalar{typ: tNull, text: s}
	case yaml11Time.MatchString(s):
		return scalar{typ: tTime, text: s}
	}
	return scalar{typ: tStr, text: s}
}

// resolveTagged applies an explicit tag (!!int 5). ok is false when the value
// does not fit the tag or the tag is not one safe_load knows for scalars.
func resolveTagged(tag, s string) (scalar, bool) {
	switch tag {
	case "!!str":
		return scalar{typ: tStr, text: s}, true
	case "!!null":
		return scalar{typ: tNull, text: s}, true
	case "!!bool":
		if yaml11Bool.MatchString(s) {
			return scalar{typ: tBool, b: parseBool11(s), text: s}, true
		}
	case "!!int":
		if yaml11Int.MatchString(s) {
			if i, isBig, ok := parseInt11(s); ok {
				return scalar{typ: tInt, i: i, big: isBig, text: s}, true
			}
		}
	case "!!float":
		if yaml11Float.MatchString(s) || yaml11Int.MatchString(s) {
			if f, ok := parseFloat11(s); ok {
				return scalar{typ: tFloat, f: f, text: s}, true
			}
		}
	case "!!timestamp":
		if yaml11Time.MatchString(s) {
			return scalar{typ: tTime, text: s}, true
		}
	}
	return scalar{}, false
}

func parseBool11(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return true
	}
	return false
}

// parseInt11 reads a YAML 1.1 integer: underscores ignored, 0b binary, 0x hex,
// a leading 0 octal, and base-60 "1:30".
func parseInt11(s string) (v int64, isBig, ok bool) {
	t := strings.ReplaceAll(s, "_", "")
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	n := new(big.Int)
	switch {
	case t == "":
		return 0, false, false
	case t == "0":
	case strings.HasPrefix(t, "0b"):
		if _, ok := n.SetString(t[2:], 2); !ok {
			return 0, false, false
		}
	case strings.HasPrefix(t, "0x"):
		if _, ok := n.SetString(t[2:], 16); !ok {
			return 0, false, false
		}
	case t[0] == '0':
		if _, ok := n.SetString(t[1:], 8); !ok {
			return 0, false, false
		}
	case strings.Contains(t, ":"):
		sixty := big.NewInt(60)
		for _, part := range strings.Split(t, ":") {
			d, ok := new(big.Int).SetString(part, 10)
			if !ok {
				return 0, false, false
			}
			n.Mul(n, sixty).Add(n, d)
		}
	default:
		if _, ok := n.SetString(t, 10); !ok {
			return 0, false, false
		}
	}
	if neg {
		n.Neg(n)
	}
	if !n.IsInt64() {
		return 0, true, true
	}
	return n.Int64(), false, true
}

// parseFloat11 reads a YAML 1.1 float, including .inf, .nan and base-60 "1:30.5".
func parseFloat11(s string) (float64, bool) {
	t := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if t != "" && (t[0] == '-' || t[0] == '+') {
		if t[0] == '-' {
			sign = -1
		}
		t = t[1:]
	}
	switch t {
	case ".inf":
		return sign * math.Inf(1), true
	case ".nan":
		return math.NaN(), true
	}
	if strings.Contains(t, ":") {
		v := 0.0
		for _, part := range strings.Split(t, ":") {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil || part == "" {
				return 0, false
			}
			v = v*60 + d
		}
		return sign * v, true
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		// Out of range: Python's float() gives inf as well.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return sign * f, true
		}
		return 0, false
	}
	return sign * f, true
}

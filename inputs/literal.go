package inputs

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// LiteralInput is a literal value (string, boolean, number or integer) passed to a
// pipeline component deployment. Model deployments reject literals.
// Values are sent as strings, as az ml and azure-ai-ml send them: booleans as
// "True"/"False", numbers in Python's shortest form ("0.5", "1.0", "1e-05").
type LiteralInput struct {
	kind  Kind
	value string
	f     float64 // kept for NaN/Inf checks
}

// String returns a string literal.
func String(s string) LiteralInput { return LiteralInput{kind: KindString, value: s} }

// Bool returns a boolean literal.
func Bool(b bool) LiteralInput {
	if b {
		return LiteralInput{kind: KindBoolean, value: "True"}
	}
	return LiteralInput{kind: KindBoolean, value: "False"}
}

// Float returns a number literal.
func Float(f float64) LiteralInput {
	return LiteralInput{kind: KindNumber, value: pythonFloat(f), f: f}
}

// Integer returns an integer literal.
func Integer(i int64) LiteralInput {
	return LiteralInput{kind: KindInteger, value: strconv.FormatInt(i, 10)}
}

// Literal parses value as a literal of kind, the way az ml reads a YAML default
// or a --set value: booleans accept true/false in any case, numbers any Go/Python
// float syntax, integers base-10.
func Literal(kind Kind, value string) (LiteralInput, error) {
	switch kind {
	case KindString:
		return String(value), nil
	case KindBoolean:
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		}
		return LiteralInput{}, invalid(value, "not a boolean", "use true or false")
	case KindInteger:
		i, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return LiteralInput{}, invalid(value, "not an integer", "use a whole number such as 5")
		}
		return Integer(i), nil
	case KindNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return LiteralInput{}, invalid(value, "not a finite number", "use a decimal number such as 0.5")
		}
		return Float(f), nil
	}
	return LiteralInput{}, invalid(string(kind), "not a literal type", "use string, boolean, number or integer")
}

// Kind returns the literal's type.
func (l LiteralInput) Kind() Kind { return l.kind }

// Value returns the value as sent on the wire.
func (l LiteralInput) Value() string { return l.value }

// String returns the value with secrets redacted: a string literal may hold a
// SAS URL or a token. Value returns it unchanged.
func (l LiteralInput) String() string { return redact.String(l.value) }

// GoString keeps %#v free of secrets.
func (l LiteralInput) GoString() string {
	return "inputs.LiteralInput{kind:" + strconv.Quote(string(l.kind)) + ", value:" + strconv.Quote(l.String()) + "}"
}

// Format prints the redacted String for every verb.
func (l LiteralInput) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, l.String(), l.GoString())
}

// Validate rejects non-finite numbers and unknown literal kinds.
func (l LiteralInput) Validate() error {
	if !l.kind.IsLiteral() {
		return invalid(string(l.kind), "not a literal type", "build literals with inputs.String, Bool, Float or Integer")
	}
	if l.kind == KindNumber && (math.IsNaN(l.f) || math.IsInf(l.f, 0)) {
		return invalid(l.value, "a number literal must be finite", "pass a finite float64")
	}
	return nil
}

func (LiteralInput) input() {}

// pythonFloat formats f as Python's repr(float) does, which is what the Python
// tools send: shortest round-trip digits, ".0" on whole numbers, and exponent
// form below 1e-4 or from 1e16 on.
func pythonFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	i := strings.LastIndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

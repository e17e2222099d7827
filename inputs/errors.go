package inputs

import (
	"fmt"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// ValidationError reports an input, output or request that cannot be sent, found
// before any request is made. Field names the offending input (for example
// "inputs.heart_data" or "inputs.yml line 4"), Problem says what is wrong and Fix
// how to change it. Secrets are redacted from Value.
type ValidationError struct {
	Field   string
	Value   string
	Problem string
	Fix     string
}

// Error formats the error as "<field>: <problem> (got "<value>"); <fix>".
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Value != "" {
		b.WriteString(` (got "`)
		b.WriteString(e.Value)
		b.WriteString(`")`)
	}
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	// Values and wrapped OS errors may quote a SAS URL: never print the signature.
	return redact.Text(b.String())
}

// formatRedacted writes s (already redacted) for every verb, so that no verb
// (%d, %x on the struct) can print a field that may hold a SAS token.
func formatRedacted(f fmt.State, verb rune, s, gostring string) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(gostring))
		return
	}
	_, _ = f.Write([]byte(s))
}

// WithField returns a copy of the error naming field; a field already set is
// kept as a suffix ("inputs.x.path").
func (e *ValidationError) WithField(field string) *ValidationError {
	c := *e
	switch {
	case c.Field == "":
		c.Field = field
	case field != "":
		c.Field = field + "." + c.Field
	}
	return &c
}

func invalid(value, problem, fix string) *ValidationError {
	return &ValidationError{Value: oneLine(value), Problem: problem, Fix: fix}
}

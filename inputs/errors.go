package inputs

import (
	"fmt"
	"strings"

	"github.com/azmlbatch/azmlbatch/internal/names"
	"github.com/azmlbatch/azmlbatch/internal/redact"
)

// ValidationError reports an input, output or request that cannot be sent, found
// before any request is made. Field names the offending input (for example
// "inputs.heart_data" or "inputs.yml line 4"), Problem says what is wrong and Fix
// how to change it. The package's constructors store Value, Problem and Fix
// already redacted (SAS signatures, URL passwords, tokens), and Error, Format
// and GoString redact again, so no verb prints a secret put there by hand.
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
	return redact.String(b.String())
}

// GoString prints the error as a Go literal with every field redacted, so %#v
// is as safe as %v.
func (e *ValidationError) GoString() string {
	if e == nil {
		return "(*inputs.ValidationError)(nil)"
	}
	return fmt.Sprintf("&inputs.ValidationError{Field:%q, Value:%q, Problem:%q, Fix:%q}",
		redact.String(e.Field), redact.String(e.Value), redact.String(e.Problem), redact.String(e.Fix))
}

// Format prints Error for every verb but %#v (GoString).
func (e *ValidationError) Format(f fmt.State, verb rune) {
	if e == nil {
		_, _ = f.Write([]byte("<nil>"))
		return
	}
	formatRedacted(f, verb, e.Error(), e.GoString())
}

// formatRedacted writes s (already redacted) for every verb, gostring for %#v,
// so that no verb (%d, %x on the struct) can print a field that may hold a secret.
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

// invalid builds a ValidationError with its texts redacted: Value often
// echoes a URL with a SAS token or password, Problem an OS error quoting it.
func invalid(value, problem, fix string) *ValidationError {
	return &ValidationError{Value: names.OneLine(redact.String(value)), Problem: redact.String(problem), Fix: redact.String(fix)}
}

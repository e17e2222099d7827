// Package isoduration reads and writes the ISO-8601 durations Azure ML uses for
// retry timeouts (retrySettings.timeout, "PT30S"). It is the one implementation
// shared by the request codec and the inputs.yml loader.
//
// Only days, hours, minutes and seconds are read: years, months and weeks have no
// fixed length, and the service never sends them. Only seconds may have a
// fraction ("PT1.5S"), as .NET and azure-ai-ml write them.
package isoduration

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Form says what Parse accepts, for error messages.
const Form = "an ISO-8601 duration such as PT30S, PT1M30S or P1DT2H"

// ErrSyntax is returned (wrapped) for a value that is not a duration Parse reads.
var ErrSyntax = errors.New("not " + Form)

// ErrRange is returned (wrapped) for a duration longer than time.Duration holds.
var ErrRange = errors.New("ISO-8601 duration out of range")

// re is compiled on first use: most programs parse no duration, and compiling
// it at package init cost every one of them about 0.05 ms.
var re = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?$`)
})

// Format writes d in seconds, the form the Python tools send: "PT30S", "PT1.5S".
func Format(d time.Duration) string {
	return "PT" + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
}

// Parse reads P[nD][T[nH][nM][n[.f]S]] in any letter case. At least one
// component is required, and a "T" must be followed by one.
func Parse(s string) (time.Duration, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	m := re().FindStringSubmatch(u)
	if m == nil || u == "P" || strings.HasSuffix(u, "T") {
		return 0, &Error{Value: s, Err: ErrSyntax}
	}
	var total time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > int64(math.MaxInt64/unit) {
			return 0, &Error{Value: s, Err: ErrRange}
		}
		if total += time.Duration(n) * unit; total < 0 {
			return 0, &Error{Value: s, Err: ErrRange}
		}
	}
	if m[4] != "" {
		f, err := strconv.ParseFloat(m[4], 64)
		if err != nil || f*float64(time.Second) >= math.MaxInt64-float64(total) {
			return 0, &Error{Value: s, Err: ErrRange}
		}
		total += time.Duration(math.Round(f * float64(time.Second)))
	}
	return total, nil
}

// Error names the value that Parse could not read.
type Error struct {
	Value string
	Err   error
}

// Error quotes the value and says what was expected.
func (e *Error) Error() string {
	if errors.Is(e.Err, ErrRange) {
		return strconv.Quote(e.Value) + ": " + e.Err.Error()
	}
	return strconv.Quote(e.Value) + " is " + e.Err.Error()
}

// Unwrap returns ErrSyntax or ErrRange.
func (e *Error) Unwrap() error { return e.Err }

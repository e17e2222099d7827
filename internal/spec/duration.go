package spec

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxTimeout bounds retry_settings.timeout; a mini-batch timeout of more than a
// week is certainly a typo (and keeps the arithmetic far from overflow).
const maxTimeout = 7 * 24 * time.Hour

var isoDuration = regexp.MustCompile(`^P(?:([0-9]{1,6})D)?(?:T(?:([0-9]{1,8})H)?(?:([0-9]{1,10})M)?(?:([0-9]{1,12}(?:\.[0-9]{1,9})?)S)?)?$`)

var errTimeout = errors.New("not a duration")

// parseTimeout reads retry_settings.timeout: whole seconds (what az ml's schema
// takes), a Go duration (30s, 1m30s) or an ISO-8601 duration (PT30S, P1DT2H).
func parseTimeout(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errTimeout
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 || n > int64(maxTimeout/time.Second) {
			return 0, errTimeout
		}
		return time.Duration(n) * time.Second, nil
	}
	u := strings.ToUpper(t)
	if m := isoDuration.FindStringSubmatch(u); m != nil && u != "P" && !strings.HasSuffix(u, "T") {
		var d time.Duration
		for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
			if m[i+1] != "" {
				n, _ := strconv.ParseInt(m[i+1], 10, 64) // at most 10 digits: cannot fail
				if n > int64(maxTimeout/unit) {
					return 0, errTimeout
				}
				d += time.Duration(n) * unit
			}
		}
		if m[4] != "" {
			f, _ := strconv.ParseFloat(m[4], 64)
			if f > maxTimeout.Seconds() {
				return 0, errTimeout
			}
			d += time.Duration(f * float64(time.Second))
		}
		if d > maxTimeout {
			return 0, errTimeout
		}
		return d, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil || d < 0 || d > maxTimeout {
		return 0, errTimeout
	}
	return d, nil
}

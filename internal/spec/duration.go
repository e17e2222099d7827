package spec

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/internal/isoduration"
)

// maxTimeout bounds retry_settings.timeout; a mini-batch timeout of more than a
// week is certainly a typo (and keeps the arithmetic far from overflow).
const maxTimeout = 7 * 24 * time.Hour

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
	if strings.HasPrefix(strings.ToUpper(t), "P") {
		d, err := isoduration.Parse(t)
		if err != nil || d > maxTimeout {
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

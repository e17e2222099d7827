package isoduration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want time.Duration
	}{
		{"PT30S", 30 * time.Second},
		{"pt30s", 30 * time.Second},
		{" PT30S ", 30 * time.Second},
		{"PT0.5S", 500 * time.Millisecond},
		{"PT1.5S", 1500 * time.Millisecond},
		{"PT0S", 0},
		{"PT1M30S", 90 * time.Second},
		{"PT1H", time.Hour},
		{"PT1H30M", 90 * time.Minute},
		{"P1D", 24 * time.Hour},
		{"P1DT2H", 26 * time.Hour},
		{"P1DT2H3M4.000000005S", 26*time.Hour + 3*time.Minute + 4*time.Second + 5},
		{"PT90M", 90 * time.Minute},
		{"P106751D", 106751 * 24 * time.Hour}, // just inside time.Duration's range
	}
	for _, c := range good {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
	bad := []struct {
		in      string
		isRange bool
	}{
		{"", false}, {"P", false}, {"PT", false}, {"P1DT", false}, {"30S", false}, {"PT-5S", false},
		{"PT1.5M", false}, {"P1Y", false}, {"P1M", false}, {"P2W", false}, {"PT1S1M", false},
		{"PT5MS", false}, {"1h", false}, {"PT.5S", false}, {"PT1,5S", false},
		{"P106752D", true}, {"PT9999999999999999999H", true}, {"PT99999999999999999999S", true},
		{"P106751DT23H59M59S", true},
	}
	for _, c := range bad {
		t.Run("bad "+c.in, func(t *testing.T) {
			_, err := Parse(c.in)
			require.Error(t, err)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, c.in, pe.Value)
			if c.isRange {
				assert.ErrorIs(t, err, ErrRange)
			} else {
				assert.ErrorIs(t, err, ErrSyntax)
				assert.Contains(t, err.Error(), "PT30S", "the message shows the expected form")
			}
		})
	}
}

func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   time.Duration
		want string
	}{
		{30 * time.Second, "PT30S"},
		{1500 * time.Millisecond, "PT1.5S"},
		{0, "PT0S"},
		{2 * time.Hour, "PT7200S"},
		{time.Millisecond, "PT0.001S"},
	}
	for _, c := range cases {
		got := Format(c.in)
		assert.Equal(t, c.want, got)
		back, err := Parse(got)
		require.NoError(t, err, got)
		assert.Equal(t, c.in, back, got)
	}
}

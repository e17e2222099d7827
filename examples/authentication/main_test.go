package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
)

func TestRun(t *testing.T) {
	out := demo.RunTest(t, run)
	assert.Contains(t, out, "100 rows: 0=45 1=55")
	assert.Contains(t, out, "ErrWrongAudience: true")
	assert.Contains(t, out, "Completed with an ML-only token")
	assert.Contains(t, out, "token: REDACTED")
}

package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demotest"
)

func TestRun(t *testing.T) {
	out := demotest.Run(t, run)
	assert.Equal(t, 1, strings.Count(out, "Completed\n"))
	assert.Contains(t, out, "100 rows: 0=45 1=55")
}

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
)

func TestRun(t *testing.T) {
	out := demo.RunTest(t, run)
	assert.Contains(t, out, "100 rows: 0=45 1=55")
	assert.Contains(t, out, "ran on deployment "+demo.ModelDeployment)
}

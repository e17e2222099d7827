package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/examples/internal/demotest"
)

func TestRun(t *testing.T) {
	out := demotest.Run(t, run)
	assert.Contains(t, out, "100 rows: 0=45 1=55")
	assert.Contains(t, out, "ran on deployment "+demo.ModelDeployment)
}

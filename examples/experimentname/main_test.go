package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demo"
	"github.com/azmlbatch/azmlbatch/examples/internal/demotest"
)

func TestRun(t *testing.T) {
	out := demotest.Run(t, run)
	assert.Contains(t, out, "only accepted by pipeline component deployments")
	assert.Contains(t, out, "experiment "+demo.Experiment)
	assert.Contains(t, out, "pipelinejob-")
}

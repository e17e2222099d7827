package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demotest"
)

func TestRun(t *testing.T) {
	out := demotest.Run(t, run)
	assert.Equal(t, 2, strings.Count(out, "100 rows: 0=45 1=55"))
	assert.Contains(t, out, "already uploaded, reused")
	assert.Contains(t, out, "input sent as azureml://datastores/workspaceblobstore/paths/LocalUpload/")
}

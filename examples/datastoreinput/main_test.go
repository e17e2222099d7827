package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demotest"
)

func TestRun(t *testing.T) {
	out := demotest.Run(t, run)
	assert.Contains(t, out, "INPUT_PATH=azureml://datastores/workspaceblobstore/paths/heart-disease-uci-unlabeled")
	assert.Equal(t, 2, strings.Count(out, "100 rows: 0=45 1=55"))
	assert.Contains(t, out, "25 rows:", "uri_file reads one file")
}

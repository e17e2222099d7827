package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demotest"
)

func TestRun(t *testing.T) {
	out := demotest.Run(t, run)
	assert.Equal(t, 4, strings.Count(out, "100 rows: 0=45 1=55"))
	assert.Contains(t, out, "/score/heart-scores.csv")
	assert.Contains(t, out, "/model/predictions.csv")
	assert.Contains(t, out, "only write outputs to Blob Storage datastores")
}

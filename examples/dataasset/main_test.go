package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/azmlbatch/azmlbatch/examples/internal/demotest"
)

func TestRun(t *testing.T) {
	out := demotest.Run(t, run)
	assert.Contains(t, out, "created heart-data version 1")
	assert.Contains(t, out, "DATA_ASSET_ID=/subscriptions/")
	assert.Equal(t, 4, strings.Count(out, "100 rows: 0=45 1=55"))
}

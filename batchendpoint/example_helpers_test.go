package batchendpoint_test

import (
	"strings"

	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
)

// invokeBody is a recorded invoke body with its repeatability id (random per
// invoke, recorded in a tag) shown as <id>, so Examples can print it.
func invokeBody(r fake.Request) string {
	id := r.Header.Get("repeatability_request-id")
	if id == "" {
		return string(r.Body)
	}
	return strings.ReplaceAll(string(r.Body), id, "<id>")
}

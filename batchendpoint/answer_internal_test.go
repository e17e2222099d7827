package batchendpoint

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/wire"
)

// reflective is encoding/json's reading of the same four fields.
func reflective(body []byte) (invokeAnswer, error) {
	var r struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Properties struct {
			Status               string `json:"status"`
			InteractionEndpoints map[string]struct {
				Endpoint string `json:"endpoint"`
			} `json:"interactionEndpoints"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return invokeAnswer{}, err
	}
	a := invokeAnswer{ID: r.ID, Name: r.Name, Status: r.Properties.Status}
	if e, ok := wire.Find(r.Properties.InteractionEndpoints, "Studio"); ok {
		a.StudioURL = e.Endpoint
	}
	return a, nil
}

// TestDecodeInvokeAnswer: the scanner reads what encoding/json read, and
// refuses what it refused.
func TestDecodeInvokeAnswer(t *testing.T) {
	cases := []struct {
		name string
		body string
		want invokeAnswer
		bad  bool
	}{
		{name: "service answer", body: `{"id":"/subscriptions/s/jobs/batchjob-1","name":"batchjob-1","type":"Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments/jobs",
			"properties":{"status":"Preparing","name":"lemon_yacht","interactionEndpoints":{"Tracking":{"endpoint":"azureml://t"},"Studio":{"endpoint":"https://ml.azure.com/runs/batchjob-1","jobEndpointType":"Studio"}},
			"inputData":{"x":{"uri":"https://a/b","jobInputType":"UriFolder"}},"tags":{"a":"b"},"errorThreshold":-1,"miniBatchSize":10,"retrySettings":{"maxRetries":3,"timeout":"PT30S"},"compute":{"instanceCount":25,"isLocal":false}},
			"systemData":{"createdAt":"2026-12-01T10:00:00Z","createdBy":null}}`,
			want: invokeAnswer{ID: "/subscriptions/s/jobs/batchjob-1", Name: "batchjob-1", Status: "Preparing", StudioURL: "https://ml.azure.com/runs/batchjob-1"}},
		{name: "whitespace and escapes", body: " \n{ \"name\" : \"batch\\u006aob-2\", \"properties\" : { \"status\" : \"Queued\\n\" , \"interactionEndpoints\":{\"studio\":{\"endpoint\":\"https://x/\\\"q\\\"\"}} } }\t",
			want: invokeAnswer{Name: "batchjob-2", Status: "Queued\n", StudioURL: `https://x/"q"`}},
		{name: "keys in any case", body: `{"NAME":"j","Properties":{"STATUS":"Running"}}`, want: invokeAnswer{Name: "j", Status: "Running"}},
		{name: "exact Studio wins over another spelling", body: `{"name":"j","properties":{"interactionEndpoints":{"Studio":{"endpoint":"exact"},"STUDIO":{"endpoint":"other"}}}}`,
			want: invokeAnswer{Name: "j", StudioURL: "exact"}},
		{name: "nulls", body: `{"id":null,"name":"j","properties":{"status":null,"interactionEndpoints":null}}`, want: invokeAnswer{Name: "j"}},
		{name: "no properties", body: `{"name":"j"}`, want: invokeAnswer{Name: "j"}},
		{name: "unicode", body: `{"name":"jé✓","properties":{"status":"Queued"}}`, want: invokeAnswer{Name: "jé✓", Status: "Queued"}},
		{name: "arrays and numbers skipped", body: `{"a":[1,-0.5,2E+3,[],[{}],"s",true,false,null],"name":"j"}`, want: invokeAnswer{Name: "j"}},
		{name: "empty object", body: `{}`},
		{name: "a field read later has another type", body: `{"name":"j","properties":{"miniBatchSize":"ten"}}`, want: invokeAnswer{Name: "j"}},
		{name: "not an object", body: `[]`, bad: true},
		{name: "empty", body: ``, bad: true},
		{name: "truncated", body: `{"name":"j","properties":{"status":"Run`, bad: true},
		{name: "trailing garbage", body: `{"name":"j"} x`, bad: true},
		{name: "two values", body: `{"name":"j"}{}`, bad: true},
		{name: "name not a string", body: `{"name":7}`, bad: true},
		{name: "status not a string", body: `{"name":"j","properties":{"status":{}}}`, bad: true},
		{name: "properties not an object", body: `{"name":"j","properties":"x"}`, bad: true},
		{name: "Studio not an object", body: `{"name":"j","properties":{"interactionEndpoints":{"Studio":"x"}}}`, bad: true},
		{name: "bad escape in a skipped value", body: `{"name":"j","tags":{"a":"\x"}}`, bad: true},
		{name: "control character in a string", body: "{\"name\":\"a\tb\"}", bad: true},
		{name: "bad number", body: `{"name":"j","n":01}`, bad: true},
		{name: "bare minus", body: `{"name":"j","n":-}`, bad: true},
		{name: "missing colon", body: `{"name" "j"}`, bad: true},
		{name: "trailing comma", body: `{"name":"j",}`, bad: true},
		{name: "unquoted key", body: `{name:"j"}`, bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeInvokeAnswer([]byte(tc.body))
			ref, refErr := reflective([]byte(tc.body))
			if tc.bad {
				require.Error(t, err)
				require.Error(t, refErr, "encoding/json refuses it too")
				return
			}
			require.NoError(t, err)
			require.NoError(t, refErr)
			assert.Equal(t, []byte(tc.body), got.body)
			got.body = nil
			assert.Equal(t, tc.want, got)
			assert.Equal(t, ref, got, "the same as encoding/json")
		})
	}
}

// FuzzDecodeInvokeAnswer: on any input the scanner agrees with encoding/json
// on whether it is a job's shape and on the four values.
func FuzzDecodeInvokeAnswer(f *testing.F) {
	for _, s := range []string{`{"id":"i","name":"n","properties":{"status":"s","interactionEndpoints":{"Studio":{"endpoint":"e"}}}}`,
		`{"a":[1,2.5e-3,{"b":null}],"name":"\u00e9"}`, `{"name":"j"} `, `[]`, `{"name":7}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeInvokeAnswer(body)
		ref, refErr := reflective(body)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("scanner error %v, encoding/json error %v, for %q", err, refErr, body)
		}
		if err != nil {
			return
		}
		got.body = nil
		if got.ID != ref.ID || got.Name != ref.Name || got.Status != ref.Status || got.StudioURL != ref.StudioURL {
			if got.StudioURL != ref.StudioURL && got.ID == ref.ID && got.Name == ref.Name && got.Status == ref.Status && ambiguousStudio(body) {
				return // several spellings of Studio: wire.Find picks one at random
			}
			t.Fatalf("scanner %+v, encoding/json %+v, for %q", got, ref, body)
		}
	})
}

// ambiguousStudio reports a body with more than one key spelling "studio"
// in some case, where the reflective decode's choice is a map's order.
func ambiguousStudio(body []byte) bool {
	var r struct {
		Properties struct {
			InteractionEndpoints map[string]json.RawMessage `json:"interactionEndpoints"`
		} `json:"properties"`
	}
	if json.Unmarshal(body, &r) != nil {
		return false
	}
	n := 0
	for k := range r.Properties.InteractionEndpoints {
		if len(k) == 6 && (k[0]|0x20) == 's' {
			n++
		}
	}
	return n > 1
}

// TestJobDetailsOnDemand: a Job from an invoke has the four fields at once
// and the rest of the answer when Details is first called; an answer whose
// other fields do not decode keeps the four.
func TestJobDetailsOnDemand(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		wantTags map[string]string
		wantIn   map[string]JobInput
	}{
		{name: "full answer", body: `{"id":"i","name":"batchjob-1","properties":{"status":"Queued","tags":{"k":"v"},"inputData":{"x":{"uri":"https://a/b","jobInputType":"UriFolder"}},
			"interactionEndpoints":{"Studio":{"endpoint":"https://studio"}}}}`,
			wantTags: map[string]string{"k": "v"}, wantIn: map[string]JobInput{"x": {Kind: "uri_folder", URI: "https://a/b"}}},
		{name: "other fields do not decode", body: `{"id":"i","name":"batchjob-1","properties":{"status":"Queued","miniBatchSize":"ten","tags":{"k":"v"},
			"interactionEndpoints":{"Studio":{"endpoint":"https://studio"}}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := decodeInvokeAnswer([]byte(tc.body))
			require.NoError(t, err)
			c := &Client{}
			j, err := c.newJob(a.details(), "ep", "https://scoring", "rid")
			require.NoError(t, err)
			j.h.pending = a.body
			assert.Equal(t, JobStatus("Queued"), j.Status())
			assert.Equal(t, "https://studio", j.StudioURL())
			assert.NotNil(t, j.h.pending, "Status and StudioURL decode nothing more")
			d := j.Details()
			assert.Nil(t, j.h.pending)
			assert.Equal(t, "batchjob-1", d.Name)
			assert.Equal(t, "i", d.ID)
			assert.Equal(t, JobStatus("Queued"), d.Status)
			assert.Equal(t, "https://studio", d.StudioURL)
			assert.Equal(t, tc.wantTags, d.Tags)
			assert.Equal(t, tc.wantIn, d.Inputs)
			assert.Equal(t, d, j.Details(), "decoded once")
		})
	}
}

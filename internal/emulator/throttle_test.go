package emulator_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// bubble is an emulator served in process inside a synctest bubble, so the
// token buckets refill on the bubble's fake clock.
type bubble struct {
	t  *testing.T
	s  *emulator.Server
	ws *emulator.Workspace
	hc *http.Client
}

// newBubble registers endpoint "pipe" (deployment "hello") and one endpoint
// per deps entry, named after it.
func newBubble(t *testing.T, opts *emulator.Options, deps ...emulator.PipelineDeployment) *bubble {
	t.Helper()
	if opts == nil {
		opts = &emulator.Options{}
	}
	if opts.StepDelay == 0 {
		opts.StepDelay = -1
	}
	s, err := emulator.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ws, err := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: sub, ResourceGroup: rg, Name: wsName})
	require.NoError(t, err)
	require.NoError(t, ws.AddDatastore(emulator.Datastore{Name: "workspaceblobstore", AccountName: "devstoreaccount1",
		AccountKey: "a2V5", Container: "c", Default: true}))
	require.NoError(t, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "pipe", DefaultDeployment: "hello"}))
	require.NoError(t, ws.AddPipelineDeployment("pipe", emulator.PipelineDeployment{Name: "hello"}))
	for _, d := range deps {
		require.NoError(t, ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: d.Name, DefaultDeployment: d.Name}))
		require.NoError(t, ws.AddPipelineDeployment(d.Name, d))
	}
	return &bubble{t: t, s: s, ws: ws, hc: &http.Client{Transport: s.InProcessTransport()}}
}

// principalToken is an ARM token whose oid (or, with claim "appid"/"sub", that
// claim alone) is id.
func principalToken(claim, id string) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	c, _ := json.Marshal(map[string]any{"aud": emulator.AudienceARM, claim: id, "exp": time.Now().Add(time.Hour).Unix()})
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + ".x"
}

// send sends method to the ARM path (workspace-relative when it starts with
// "/jobs" etc.) with tok and returns the response with its body read.
func (b *bubble) send(method, url, tok string, body string) resp {
	b.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(b.t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := b.hc.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func (b *bubble) armURL(path string) string {
	return b.s.ARMEndpoint() + b.ws.ID() + path + "?api-version=" + apiV
}

func TestThrottleBuckets(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		path     string
		op       emulator.OpType
		capacity int
		refill   int
		okStatus int
	}{
		{"reads: GET", http.MethodGet, "", emulator.OpReads, 250, 25, http.StatusOK},
		{"writes: POST action", http.MethodPost, "/datastores/workspaceblobstore/listSecrets", emulator.OpWrites, 200, 10, http.StatusOK},
		{"writes: PUT", http.MethodPut, "/jobs/nope", emulator.OpWrites, 200, 10, 0},
		{"deletes: DELETE", http.MethodDelete, "/jobs/nope", emulator.OpDeletes, 200, 10, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBubble(t, nil)
				tok := principalToken("oid", "p1")
				hdr := "x-ms-ratelimit-remaining-subscription-" + string(tc.op)
				global := "x-ms-ratelimit-remaining-subscription-global-" + string(tc.op)
				for i := range tc.capacity {
					r := b.send(tc.method, b.armURL(tc.path), tok, "")
					require.NotEqual(t, http.StatusTooManyRequests, r.status, "request %d: %s", i, r.body)
					if tc.okStatus != 0 {
						require.Equal(t, tc.okStatus, r.status, "%s", r.body)
					}
					require.Equal(t, strconv.Itoa(tc.capacity-1-i), r.header.Get(hdr), "request %d", i)
					require.Equal(t, strconv.Itoa(15*tc.capacity-1-i), r.header.Get(global), "request %d", i)
				}
				r := b.send(tc.method, b.armURL(tc.path), tok, "")
				require.Equal(t, http.StatusTooManyRequests, r.status)
				assert.Equal(t, "1", r.header.Get("Retry-After"))
				assert.Equal(t, "0", r.header.Get(hdr))
				code, msg := r.errCode(t)
				assert.Equal(t, "SubscriptionRequestsThrottled", code)
				assert.Contains(t, msg, "p1")
				// One second refills `refill` tokens, no more.
				time.Sleep(time.Second)
				for i := range tc.refill {
					r := b.send(tc.method, b.armURL(tc.path), tok, "")
					require.NotEqual(t, http.StatusTooManyRequests, r.status, "refilled request %d", i)
				}
				r = b.send(tc.method, b.armURL(tc.path), tok, "")
				require.Equal(t, http.StatusTooManyRequests, r.status)
				st := b.s.ThrottleStats()
				assert.Equal(t, tc.capacity+tc.refill, st.Served[tc.op])
				assert.Equal(t, 2, st.Throttled[tc.op])
				require.Len(t, st.Principals, 1)
				assert.Equal(t, "p1", st.Principals[0].Principal)
				assert.Equal(t, 2, st.Principals[0].Throttled[tc.op])
			})
		})
	}
}

func TestThrottleRetryAfterRoundsUp(t *testing.T) {
	tests := []struct {
		name   string
		refill float64
		sleep  time.Duration
		want   string
	}{
		{"one token per 4 s", 0.25, 0, "4"},
		{"one token per 4 s, 1.5 s later", 0.25, 1500 * time.Millisecond, "3"},
		{"fast refill rounds up to 1", 100, 0, "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBubble(t, &emulator.Options{ARMThrottle: emulator.ThrottleOptions{Reads: emulator.BucketLimit{Capacity: 1, RefillPerSecond: tc.refill}}})
				tok := principalToken("oid", "p")
				require.Equal(t, http.StatusOK, b.send(http.MethodGet, b.armURL(""), tok, "").status)
				time.Sleep(tc.sleep)
				r := b.send(http.MethodGet, b.armURL(""), tok, "")
				require.Equal(t, http.StatusTooManyRequests, r.status)
				assert.Equal(t, tc.want, r.header.Get("Retry-After"))
			})
		})
	}
}

func TestThrottlePrincipalsAndGlobal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Per principal 2 reads, globally 3 x 2 = 6.
		b := newBubble(t, &emulator.Options{ARMThrottle: emulator.ThrottleOptions{
			Reads: emulator.BucketLimit{Capacity: 2, RefillPerSecond: 1}, GlobalFactor: 3}})
		toks := []string{principalToken("oid", "a"), principalToken("appid", "b"), principalToken("sub", "c"), principalToken("oid", "d")}
		for i, tok := range toks[:3] {
			for n := range 2 {
				r := b.send(http.MethodGet, b.armURL(""), tok, "")
				require.Equal(t, http.StatusOK, r.status, "principal %d request %d", i, n)
				assert.Equal(t, strconv.Itoa(1-n), r.header.Get("x-ms-ratelimit-remaining-subscription-reads"))
				assert.Equal(t, strconv.Itoa(6-1-2*i-n), r.header.Get("x-ms-ratelimit-remaining-subscription-global-reads"))
			}
			// Each principal's own bucket is empty; the others' are not.
			r := b.send(http.MethodGet, b.armURL(""), tok, "")
			require.Equal(t, http.StatusTooManyRequests, r.status)
			_, msg := r.errCode(t)
			assert.NotContains(t, msg, "global")
		}
		// A fourth principal has a full bucket of its own, but the subscription's is empty.
		r := b.send(http.MethodGet, b.armURL(""), toks[3], "")
		require.Equal(t, http.StatusTooManyRequests, r.status)
		assert.Equal(t, "2", r.header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		assert.Equal(t, "0", r.header.Get("x-ms-ratelimit-remaining-subscription-global-reads"))
		_, msg := r.errCode(t)
		assert.Contains(t, msg, "global")
		// Credential.PrincipalID sets the principal.
		cred := &emulator.Credential{PrincipalID: "a"}
		at, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{emulator.AudienceARM + "/.default"}})
		require.NoError(t, err)
		r = b.send(http.MethodGet, b.armURL(""), at.Token, "")
		require.Equal(t, http.StatusTooManyRequests, r.status, "principal a's bucket is empty")
		// Writes have their own buckets.
		w := b.send(http.MethodPost, b.armURL("/datastores/workspaceblobstore/listSecrets"), toks[0], "")
		require.Equal(t, http.StatusOK, w.status)
		assert.Equal(t, "199", w.header.Get("x-ms-ratelimit-remaining-subscription-writes"))
		assert.Empty(t, w.header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		// Another subscription (unknown here: 404) has its own buckets, too.
		other := b.send(http.MethodGet, b.s.ARMEndpoint()+"/subscriptions/other/resourceGroups/x/providers/Microsoft.MachineLearningServices/workspaces/y?api-version="+apiV, toks[0], "")
		require.Equal(t, http.StatusNotFound, other.status)
		assert.Equal(t, "1", other.header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		st := b.s.ThrottleStats()
		assert.Equal(t, 7, st.Served[emulator.OpReads])
		assert.Equal(t, 5, st.Throttled[emulator.OpReads])
		assert.Len(t, st.Principals, 5)
		b.s.ResetThrottle()
		r = b.send(http.MethodGet, b.armURL(""), toks[0], "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, 1, b.s.ThrottleStats().Served[emulator.OpReads])
	})
}

func TestThrottledRequestIsNotExecuted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, &emulator.Options{ARMThrottle: emulator.ThrottleOptions{Writes: emulator.BucketLimit{Capacity: 1, RefillPerSecond: 0.01}}})
		hold := b.s.HoldJobs(emulator.StatusPreparing)
		defer hold.Release()
		mlTok, _ := emulator.MintToken("", emulator.AudienceML, time.Hour)
		r := b.send(http.MethodPost, b.ws.ScoringURI("pipe"), mlTok, `{"properties":{"inputData":{}}}`)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		assert.Empty(t, r.header.Get("x-ms-ratelimit-remaining-subscription-writes"), "the data plane is not ARM")
		name := r.json(t)["name"].(string)
		tok := principalToken("oid", "p")
		require.Equal(t, http.StatusOK, b.send(http.MethodPost, b.armURL("/datastores/workspaceblobstore/listSecrets"), tok, "").status)
		r = b.send(http.MethodPost, b.armURL("/jobs/"+name+"/cancel"), tok, "")
		require.Equal(t, http.StatusTooManyRequests, r.status)
		assert.Equal(t, "100", r.header.Get("Retry-After"))
		info, ok := b.s.Job(name)
		require.True(t, ok)
		assert.Equal(t, emulator.StatusPreparing, info.Status, "a throttled cancel must not cancel")
	})
}

func TestThrottleScope(t *testing.T) {
	tests := []struct {
		name    string
		opts    emulator.ThrottleOptions
		url     func(b *bubble) string
		aud     string
		headers bool
	}{
		{"ARM GET", emulator.ThrottleOptions{}, func(b *bubble) string { return b.armURL("") }, emulator.AudienceARM, true},
		{"ARM error answers carry them", emulator.ThrottleOptions{}, func(b *bubble) string { return b.armURL("/jobs/missing") }, emulator.AudienceARM, true},
		{"off", emulator.ThrottleOptions{Off: true}, func(b *bubble) string { return b.armURL("") }, emulator.AudienceARM, false},
		{"discovery", emulator.ThrottleOptions{}, func(b *bubble) string { return b.s.ARMEndpoint() + "/discovery" }, "", false},
		{"run history", emulator.ThrottleOptions{}, func(b *bubble) string {
			return b.s.ARMEndpoint() + "/history/v1.0" + b.ws.ID() + "/runs/x/details"
		}, emulator.AudienceARM, false},
		{"data plane", emulator.ThrottleOptions{}, func(b *bubble) string { return b.ws.ScoringURI("pipe") }, emulator.AudienceML, false},
		{"unauthenticated", emulator.ThrottleOptions{}, func(b *bubble) string { return b.armURL("") }, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBubble(t, &emulator.Options{ARMThrottle: tc.opts})
				tok := ""
				if tc.aud != "" {
					tok, _ = emulator.MintToken("", tc.aud, time.Hour)
				}
				r := b.send(http.MethodGet, tc.url(b), tok, "")
				require.NotEqual(t, http.StatusTooManyRequests, r.status)
				if tc.headers {
					assert.Equal(t, "249", r.header.Get("x-ms-ratelimit-remaining-subscription-reads"))
					assert.Equal(t, "3749", r.header.Get("x-ms-ratelimit-remaining-subscription-global-reads"))
				} else {
					assert.Empty(t, r.header.Get("x-ms-ratelimit-remaining-subscription-reads"))
					assert.Empty(t, r.header.Get("x-ms-ratelimit-remaining-subscription-global-reads"))
				}
			})
		})
	}
}

func TestRequestLogLimit(t *testing.T) {
	tests := []struct {
		limit, sent, want int
	}{{0, 5, 5}, {3, 5, 3}, {3, 2, 2}}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.limit), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBubble(t, &emulator.Options{RequestLogLimit: tc.limit})
				tok := principalToken("oid", "p")
				for i := range tc.sent {
					b.send(http.MethodGet, b.armURL("/jobs/j"+strconv.Itoa(i)), tok, "")
				}
				reqs := b.s.Requests()
				require.Len(t, reqs, tc.want)
				assert.True(t, strings.HasSuffix(strings.Split(reqs[len(reqs)-1].URL, "?")[0], "/jobs/j"+strconv.Itoa(tc.sent-1)), "the newest are kept")
				assert.Equal(t, "404", strconv.Itoa(reqs[0].Status))
				assert.NotEmpty(t, reqs[0].ResponseHeader.Get("x-ms-ratelimit-remaining-subscription-reads"))
			})
		})
	}
}

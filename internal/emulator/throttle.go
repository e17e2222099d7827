package emulator

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ARM's regional token-bucket limits per subscription, principal and operation
// type (Microsoft Learn, "Understand how Azure Resource Manager throttles
// requests"), and the factor of the subscription-wide (global) limit.
const (
	DefaultReadBucket    = 250
	DefaultReadRefill    = 25
	DefaultWriteBucket   = 200
	DefaultWriteRefill   = 10
	DefaultDeleteBucket  = 200
	DefaultDeleteRefill  = 10
	DefaultGlobalFactor  = 15
	throttleErrorCode    = "SubscriptionRequestsThrottled"
	throttleRetryCeiling = 3600
)

// BucketLimit is one token bucket: Capacity requests at once, refilled at
// RefillPerSecond.
type BucketLimit struct {
	Capacity        int
	RefillPerSecond float64
}

// ThrottleOptions configures ARM request throttling. The zero value throttles
// with ARM's documented limits.
type ThrottleOptions struct {
	// Off serves every ARM request unthrottled and without rate-limit headers.
	Off bool
	// Reads (GET, HEAD), Writes (PUT, PATCH, POST) and Deletes (DELETE) are the
	// per-principal buckets; a zero Capacity or RefillPerSecond takes ARM's
	// default (250 at 25/s, 200 at 10/s, 200 at 10/s).
	Reads, Writes, Deletes BucketLimit
	// GlobalFactor sizes the subscription-wide bucket of each operation type,
	// shared by all principals: GlobalFactor times the per-principal capacity
	// and refill; DefaultGlobalFactor (15) when zero.
	GlobalFactor int
}

// OpType is the kind of ARM operation a bucket counts.
type OpType string

// Operation types, as they appear in ARM's x-ms-ratelimit-remaining-subscription-* headers.
const (
	OpReads   OpType = "reads"
	OpWrites  OpType = "writes"
	OpDeletes OpType = "deletes"
)

// opTypeOf classifies a method as ARM does: GET and HEAD read, DELETE deletes,
// everything else (PUT, PATCH, POST actions such as listSecrets and cancel) writes.
func opTypeOf(method string) OpType {
	switch method {
	case http.MethodGet, http.MethodHead:
		return OpReads
	case http.MethodDelete:
		return OpDeletes
	}
	return OpWrites
}

// PrincipalStats counts the ARM requests of one principal in one subscription.
type PrincipalStats struct {
	Subscription string
	Principal    string
	// Served counts requests let through, by operation type.
	Served map[OpType]int
	// Throttled counts requests answered 429, by operation type.
	Throttled map[OpType]int
}

// ThrottleStats counts the ARM requests the throttle saw.
type ThrottleStats struct {
	// Served and Throttled total all principals, by operation type.
	Served    map[OpType]int
	Throttled map[OpType]int
	// Principals holds one entry per (subscription, principal), sorted.
	Principals []PrincipalStats
}

// bucket is a token bucket; tokens are fractional so refill is exact.
type bucket struct {
	limit  BucketLimit
	tokens float64
	last   time.Time
}

func newBucket(l BucketLimit, now time.Time) *bucket {
	return &bucket{limit: l, tokens: float64(l.Capacity), last: now}
}

// refill adds the tokens earned since the last refill. Concurrent requests
// read the clock before taking the lock, so now can be older than last: such
// a request earns nothing and must not move last back, or the next one would
// be credited the same interval twice.
func (b *bucket) refill(now time.Time) {
	if el := now.Sub(b.last); el > 0 {
		b.tokens = math.Min(float64(b.limit.Capacity), b.tokens+el.Seconds()*b.limit.RefillPerSecond)
		b.last = now
	}
}

// wait is how long until one token is available (0 when one is).
func (b *bucket) wait() time.Duration {
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.limit.RefillPerSecond * float64(time.Second))
}

func (b *bucket) remaining() int { return int(math.Floor(b.tokens)) }

type principalKey struct {
	sub, principal string
	op             OpType
}

type globalKey struct {
	sub string
	op  OpType
}

type throttle struct {
	opts    ThrottleOptions
	mu      sync.Mutex
	buckets map[principalKey]*bucket
	global  map[globalKey]*bucket
	served  map[principalKey]int
	limited map[principalKey]int
}

func newThrottle(o ThrottleOptions) *throttle {
	def := func(l *BucketLimit, c int, r float64) {
		if l.Capacity <= 0 {
			l.Capacity = c
		}
		if l.RefillPerSecond <= 0 {
			l.RefillPerSecond = r
		}
	}
	def(&o.Reads, DefaultReadBucket, DefaultReadRefill)
	def(&o.Writes, DefaultWriteBucket, DefaultWriteRefill)
	def(&o.Deletes, DefaultDeleteBucket, DefaultDeleteRefill)
	if o.GlobalFactor <= 0 {
		o.GlobalFactor = DefaultGlobalFactor
	}
	return &throttle{opts: o, buckets: map[principalKey]*bucket{}, global: map[globalKey]*bucket{},
		served: map[principalKey]int{}, limited: map[principalKey]int{}}
}

func (t *throttle) limit(op OpType) BucketLimit {
	switch op {
	case OpReads:
		return t.opts.Reads
	case OpDeletes:
		return t.opts.Deletes
	}
	return t.opts.Writes
}

// verdict is the outcome of one request against its two buckets.
type verdict struct {
	op                   OpType
	remaining, globalRem int
	retryAfter           time.Duration // > 0: throttled
	global               bool          // the global bucket was the one empty
}

// take charges one request of principal in sub, or reports how long to wait.
// A throttled request takes no token from either bucket.
func (t *throttle) take(sub, principal string, op OpType, now time.Time) verdict {
	pk := principalKey{strings.ToLower(sub), principal, op}
	gk := globalKey{pk.sub, op}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[pk]
	if b == nil {
		b = newBucket(t.limit(op), now)
		t.buckets[pk] = b
	}
	g := t.global[gk]
	if g == nil {
		l := t.limit(op)
		g = newBucket(BucketLimit{Capacity: l.Capacity * t.opts.GlobalFactor, RefillPerSecond: l.RefillPerSecond * float64(t.opts.GlobalFactor)}, now)
		t.global[gk] = g
	}
	b.refill(now)
	g.refill(now)
	v := verdict{op: op}
	if w, gw := b.wait(), g.wait(); w > 0 || gw > 0 {
		v.retryAfter, v.global = max(w, gw), gw > w
		v.remaining, v.globalRem = b.remaining(), g.remaining()
		t.limited[pk]++
		return v
	}
	b.tokens--
	g.tokens--
	v.remaining, v.globalRem = b.remaining(), g.remaining()
	t.served[pk]++
	return v
}

func (t *throttle) stats() ThrottleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := ThrottleStats{Served: map[OpType]int{}, Throttled: map[OpType]int{}}
	idx := map[[2]string]int{}
	add := func(k principalKey, n int, served bool) {
		id := [2]string{k.sub, k.principal}
		i, ok := idx[id]
		if !ok {
			i = len(out.Principals)
			idx[id] = i
			out.Principals = append(out.Principals, PrincipalStats{Subscription: k.sub, Principal: k.principal,
				Served: map[OpType]int{}, Throttled: map[OpType]int{}})
		}
		if served {
			out.Served[k.op] += n
			out.Principals[i].Served[k.op] += n
		} else {
			out.Throttled[k.op] += n
			out.Principals[i].Throttled[k.op] += n
		}
	}
	for k, n := range t.served {
		add(k, n, true)
	}
	for k, n := range t.limited {
		add(k, n, false)
	}
	slices.SortFunc(out.Principals, func(a, b PrincipalStats) int {
		return cmp.Or(cmp.Compare(a.Subscription, b.Subscription), cmp.Compare(a.Principal, b.Principal))
	})
	return out
}

// ThrottleStats returns how many ARM requests were served and answered 429,
// in total and per (subscription, principal). It is empty when throttling is off.
func (s *Server) ThrottleStats() ThrottleStats {
	if s.throttle == nil {
		return ThrottleStats{Served: map[OpType]int{}, Throttled: map[OpType]int{}}
	}
	return s.throttle.stats()
}

// ResetThrottle refills every bucket and forgets the counters, e.g. between
// the rounds of a benchmark.
func (s *Server) ResetThrottle() {
	if s.throttle == nil {
		return
	}
	t := s.throttle
	t.mu.Lock()
	t.buckets, t.global = map[principalKey]*bucket{}, map[globalKey]*bucket{}
	t.served, t.limited = map[principalKey]int{}, map[principalKey]int{}
	t.mu.Unlock()
}

// throttled applies ARM's subscription throttling to an authenticated request
// on the ARM listener: it sets the rate-limit headers and, when a bucket is
// empty, answers 429 and returns true (the request is not executed). Requests
// outside /subscriptions/{id} (Run History, discovery, the management front
// end, which are not ARM) are not counted.
func (s *Server) throttled(c *call) bool {
	if s.throttle == nil {
		return false
	}
	segs := strings.SplitN(strings.Trim(c.r.URL.Path, "/"), "/", 3)
	if len(segs) < 2 || !strings.EqualFold(segs[0], "subscriptions") || segs[1] == "" {
		return false
	}
	v := s.throttle.take(segs[1], principalOf(c.r), opTypeOf(c.r.Method), time.Now())
	h := c.w.Header()
	h.Set("x-ms-ratelimit-remaining-subscription-"+string(v.op), strconv.Itoa(v.remaining))
	h.Set("x-ms-ratelimit-remaining-subscription-global-"+string(v.op), strconv.Itoa(v.globalRem))
	if v.retryAfter <= 0 {
		return false
	}
	secs := int(math.Ceil(v.retryAfter.Seconds()))
	secs = min(max(secs, 1), throttleRetryCeiling)
	h.Set("Retry-After", strconv.Itoa(secs))
	op := strings.TrimSuffix(string(v.op), "s")
	msg := fmt.Sprintf("Number of '%s' requests for subscription '%s' actor '%s' exceeded. Please try again after '%d' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling",
		op, segs[1], principalOf(c.r), secs)
	if v.global {
		msg = fmt.Sprintf("Number of '%s' requests for subscription '%s' exceeded the subscription's global limit. Please try again after '%d' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling",
			op, segs[1], secs)
	}
	c.fail(armError(http.StatusTooManyRequests, throttleErrorCode, msg))
	return true
}

// principalOf is the principal ARM throttles by: the token's oid, else appid,
// else sub.
func principalOf(r *http.Request) string {
	c, err := parseBearer(r.Header.Get("Authorization"))
	if err != nil {
		return "unknown"
	}
	for _, p := range []string{c.OID, c.AppID, c.Sub} {
		if p != "" {
			return p
		}
	}
	return "unknown"
}

package batchendpoint

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxIdleConnsPerHost is how many idle connections per host the
// client's default transport keeps (ClientOptions.Transport nil). It fits
// fan-out: 64 invokes in flight through one client reuse their connections
// instead of opening new ones once the first round is done. azcore's default
// transport keeps 10, net/http's 2; with fewer idle slots than requests in
// flight, every request beyond them ends by closing its connection and the
// next one dials (and handshakes TLS) again.
const DefaultMaxIdleConnsPerHost = 64

// defaultTransport is the transport of every client built with a nil
// ClientOptions.Transport, shared as azcore shares its default: one pool per
// process. Made on first use, so a program that never builds a client pays
// nothing at init.
var defaultTransport = sync.OnceValue(func() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4 * DefaultMaxIdleConnsPerHost, // ARM, the scoring host, storage hosts
		MaxIdleConnsPerHost:   DefaultMaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, Renegotiation: tls.RenegotiateFreelyAsClient}, // as azcore's default
		// As azcore's default: a connection idle for 10 s is pinged, and closed
		// if the ping is not answered in 5 s (HTTP/2 only).
		HTTP2: &http.HTTP2Config{SendPingTimeout: 10 * time.Second, PingTimeout: 5 * time.Second},
	}
	return &http.Client{Transport: t}
})

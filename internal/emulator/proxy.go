package emulator

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The storage proxy makes production-style blob addresses
// (https://<account>.blob.core.windows.net) reach Azurite on this machine:
// clients build those addresses from a datastore's accountName and endpoint,
// as they do against the real service, and send them through the proxy
// (HTTPS_PROXY). It is a forward proxy on 127.0.0.1 that
//
//   - answers CONNECT to <account>.blob.<suffix>:443 of a registered datastore
//     by terminating TLS with a certificate for that name from the emulator's
//     CA and relaying the decrypted stream to the datastore's Azurite (which
//     reads the account from the Host header, as it does for production-style
//     URLs), byte for byte so header names keep their case (see relay);
//   - tunnels CONNECT to the emulator's own listeners and to the datastores'
//     Azurite listeners unchanged, so a client may send everything through it;
//   - refuses every other destination with 403 without dialling anything: it
//     never reaches the network beyond those loopback listeners.

// storageProxy is the Server's forward proxy.
type storageProxy struct {
	s      *Server
	ln     net.Listener
	srv    *http.Server
	rp     *httputil.ReverseProxy // plain-http absolute-form requests
	mu     sync.Mutex
	leaves map[string]*tls.Certificate
	open   map[net.Conn]struct{} // relayed connections, closed by close
	closed bool
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	// upstream is the TLS setup toward Azurite, read once from the storage
	// client: its transport's config is shared with net/http, which writes to
	// it on first use, so it is never cloned while requests run.
	upstream tls.Config
}

func newStorageProxy(s *Server) (*storageProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &storageProxy{s: s, ln: ln, leaves: map[string]*tls.Certificate{}, open: map[net.Conn]struct{}{},
		dial: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
	p.upstream = tls.Config{RootCAs: s.certs.caPool, MinVersion: tls.VersionTLS12}
	if t, ok := s.opts.StorageClient.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		c := t.TLSClientConfig
		p.upstream.RootCAs, p.upstream.Certificates, p.upstream.InsecureSkipVerify = c.RootCAs, c.Certificates, c.InsecureSkipVerify
		if c.MinVersion > p.upstream.MinVersion {
			p.upstream.MinVersion = c.MinVersion
		}
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			target, _ := s.blobTarget(pr.In.Host)
			u, _ := url.Parse(target)
			pr.Out.URL.Scheme, pr.Out.URL.Host = u.Scheme, u.Host
			pr.Out.Host = pr.In.Host // Azurite takes the account from the production-style host name
		},
		Transport: s.opts.StorageClient.Transport,
		ErrorLog:  nullLogger(),
	}
	if p.rp.Transport == nil {
		p.rp.Transport = http.DefaultTransport
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serveProxy), ReadHeaderTimeout: 30 * time.Second, ErrorLog: nullLogger()}
	return p, nil
}

func (p *storageProxy) start() {
	go func() { _ = p.srv.Serve(p.ln) }()
}

func (p *storageProxy) close() {
	_ = p.srv.Close()
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for c := range p.open {
		_ = c.Close()
	}
}

// track adds c to the connections close ends; false once the proxy is closed.
func (p *storageProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.open[c] = struct{}{}
	return true
}

func (p *storageProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
}

// serveProxy handles the proxy's own requests: CONNECT, or absolute-form
// http:// requests to a routed blob host.
func (p *storageProxy) serveProxy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		if r.URL.IsAbs() && strings.EqualFold(r.URL.Scheme, "http") {
			if _, ok := p.s.blobTarget(r.URL.Host); ok {
				r.Host = r.URL.Host
				p.s.logf("storage proxy: %s http://%s", r.Method, r.URL.Host)
				p.rp.ServeHTTP(w, r)
				return
			}
		}
		p.refuse(w, r.URL.Host)
		return
	}
	host := r.Host
	hostname, port, err := net.SplitHostPort(host)
	if err != nil {
		p.refuse(w, host)
		return
	}
	target, routed := p.s.blobTarget(hostname)
	switch {
	case routed && port == "443":
		conn := p.hijack(w)
		if conn == nil {
			return
		}
		p.s.logf("storage proxy: CONNECT %s (to Azurite)", host)
		go p.relay(conn, hostname, target)
	case p.s.localTunnel(host):
		up, err := p.dial(r.Context(), "tcp", host)
		if err != nil {
			http.Error(w, "storage proxy: "+err.Error(), http.StatusBadGateway)
			return
		}
		conn := p.hijack(w)
		if conn == nil {
			_ = up.Close()
			return
		}
		go tunnel(conn, up)
	default:
		p.refuse(w, host)
	}
}

func (p *storageProxy) refuse(w http.ResponseWriter, host string) {
	p.s.logf("storage proxy: refused %s (not a local destination)", host)
	http.Error(w, "storage proxy: "+host+" is not routed to a local listener; only datastore blob hosts and the emulator's own listeners are served", http.StatusForbidden)
}

// hijack takes the client connection and confirms the tunnel.
func (p *storageProxy) hijack(w http.ResponseWriter) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "storage proxy: cannot tunnel", http.StatusInternalServerError)
		return nil
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		_ = conn.Close()
		return nil
	}
	return conn
}

// relay terminates TLS for hostname on conn and relays the decrypted stream
// byte for byte to Azurite at target (which takes the account from the
// production-style Host header). Bytes, not parsed requests: Azure Storage
// keeps the case of metadata names (x-ms-meta-upload_status) as sent and
// returns them so, and azure-ai-ml compares them case-sensitively, while Go's
// HTTP server and client canonicalize header names (X-Ms-Meta-Upload_status).
func (p *storageProxy) relay(conn net.Conn, hostname, target string) {
	tc := tls.Server(conn, &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if hello.ServerName != "" && !strings.EqualFold(hello.ServerName, hostname) {
				return nil, errors.New("storage proxy: server name does not match the CONNECT host")
			}
			return p.leaf(hostname)
		}})
	if !p.track(tc) {
		_ = tc.Close()
		return
	}
	defer p.untrack(tc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = tc.Close()
		return
	}
	u, err := url.Parse(target)
	if err != nil {
		_ = tc.Close()
		return
	}
	up, err := p.dial(ctx, "tcp", u.Host)
	if err != nil {
		_ = tc.Close()
		return
	}
	if u.Scheme == "https" {
		uc := tls.Client(up, p.upstreamTLS(u.Hostname()))
		if err := uc.HandshakeContext(ctx); err != nil {
			_ = tc.Close()
			_ = up.Close()
			return
		}
		up = uc
	}
	if !p.track(up) {
		_ = tc.Close()
		_ = up.Close()
		return
	}
	defer p.untrack(up)
	tunnel(tc, up)
}

// upstreamTLS is the TLS configuration for Azurite at host: that of the
// StorageClient when it has one, else the emulator's trust (its CA and
// Options.TrustedCAs).
func (p *storageProxy) upstreamTLS(host string) *tls.Config {
	return &tls.Config{RootCAs: p.upstream.RootCAs, Certificates: p.upstream.Certificates, InsecureSkipVerify: p.upstream.InsecureSkipVerify,
		MinVersion: p.upstream.MinVersion, ServerName: host, NextProtos: []string{"http/1.1"}}
}

// leaf returns (and caches) the certificate for host.
func (p *storageProxy) leaf(host string) (*tls.Certificate, error) {
	host = strings.ToLower(host)
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.leaves[host]; c != nil {
		return c, nil
	}
	c, err := p.s.certs.issue(host)
	if err != nil {
		return nil, err
	}
	p.leaves[host] = c
	return c, nil
}

func tunnel(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
	_ = a.Close()
	_ = b.Close()
}

// blobTarget returns the Azurite origin (scheme://127.0.0.1:port) serving a
// production-style blob host ("<account>.blob.<suffix>", port optional).
func (s *Server) blobTarget(host string) (string, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.blobHosts[strings.ToLower(host)]
	return t, ok
}

// localTunnel reports whether addr (host:port) is one of the emulator's
// listeners or a registered datastore's loopback blob service.
func (s *Server) localTunnel(addr string) bool {
	if addr == s.armLn.Addr().String() || addr == s.infLn.Addr().String() {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if u, err := url.Parse(a.serviceURL); err == nil && isLoopbackHost(u.Hostname()) && strings.EqualFold(u.Host, addr) {
			return true
		}
	}
	return false
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// registerBlobHostLocked routes <account>.blob.<suffix> to the datastore's
// loopback ServiceURL, and lets jobs read storage URLs with that host.
func (s *Server) registerBlobHostLocked(d Datastore) {
	if d.ServiceURL == "" || strings.Contains(d.Endpoint, "://") {
		return
	}
	u, err := url.Parse(d.ServiceURL)
	if err != nil || !isLoopbackHost(u.Hostname()) {
		return
	}
	host := strings.ToLower(d.AccountName + ".blob." + d.Endpoint)
	s.blobHosts[host] = u.Scheme + "://" + u.Host
	if d.AccountKey != "" || d.SASToken != "" {
		s.addAccountLocked(storageAccount{serviceURL: "https://" + host + "/", name: d.AccountName, key: d.AccountKey, target: d.ServiceURL})
	}
}

// StorageProxyURL is the storage proxy's address (http://127.0.0.1:PORT), the
// value for a client's HTTPS_PROXY: it routes the production-style blob hosts
// of the datastores (<account>.blob.core.windows.net) to Azurite with
// certificates from CACertPEM, tunnels to the emulator's own listeners, and
// refuses any other destination. Transport and HTTPClient use it already.
func (s *Server) StorageProxyURL() string { return "http://" + s.proxy.ln.Addr().String() }

// StorageProxy is a Proxy function for http.Transport: the storage proxy for
// the datastores' production-style blob hosts, no proxy for anything else.
func (s *Server) StorageProxy(r *http.Request) (*url.URL, error) {
	if _, ok := s.blobTarget(r.URL.Host); ok {
		return url.Parse(s.StorageProxyURL())
	}
	return nil, nil
}

// BlobHostURL maps a production-style blob URL of a datastore's account
// (https://<account>.blob.<suffix>/...) onto the Azurite URL behind it; other
// URLs are returned unchanged. Tools that cannot use a proxy can use it.
func (s *Server) BlobHostURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.target == "" || !strings.HasPrefix(strings.ToLower(raw), strings.ToLower(a.serviceURL)) {
			continue
		}
		return a.target + strings.TrimPrefix(u.EscapedPath(), "/") + queryOf(u)
	}
	return raw
}

func queryOf(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

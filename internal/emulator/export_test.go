package emulator

import (
	"context"
	"net"
	"time"
)

// SetClock replaces the clock of repeatability windows (tests only).
func SetClock(s *Server, now func() time.Time) {
	s.mu.Lock()
	s.clock = now
	s.mu.Unlock()
}

// SetProxyDial replaces the dialer the storage proxy uses for tunnels (tests only).
func SetProxyDial(s *Server, dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	s.proxy.dial = dial
}

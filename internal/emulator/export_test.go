package emulator

import "time"

// SetClock replaces the clock of repeatability windows (tests only).
func SetClock(s *Server, now func() time.Time) {
	s.mu.Lock()
	s.clock = now
	s.mu.Unlock()
}

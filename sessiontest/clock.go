package sessiontest

import (
	"sync"
	"time"
)

// Clock is the settable time source of a Server. All time-dependent
// behaviour (session expiry, OTP code expiry, TOTP windows, IdP intent
// expiry, timestamps in responses) reads this clock, so tests can move time
// forward without sleeping.
//
// A Clock created by NewClock with a zero time, or the default clock of a
// Server, follows the wall clock until Set freezes it at the given instant;
// Advance shifts a running clock by an offset (it keeps running) and moves a
// frozen one.
// The zero value is a valid running clock. A Clock is safe for concurrent use.
type Clock struct {
	mu     sync.RWMutex
	frozen bool
	at     time.Time     // valid when frozen
	offset time.Duration // added to time.Now() when running
}

// NewClock returns a clock frozen at t, or a running wall clock if t is zero.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	if !t.IsZero() {
		c.frozen, c.at = true, t
	}
	return c
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.frozen {
		return c.at
	}
	return time.Now().Add(c.offset)
}

// Set freezes the clock at t. Time no longer advances on its own.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.frozen, c.at = true, t
	c.mu.Unlock()
}

// Advance moves the clock forward by d (or backwards if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	if c.frozen {
		c.at = c.at.Add(d)
	} else {
		c.offset += d
	}
	c.mu.Unlock()
}

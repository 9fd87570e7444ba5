// Package clock is the injected notion of "now". Every business rule here
// depends on dates, so no domain package reads the wall clock (internal/arch
// checks it): the Lambdas use System, the local stack a Settable clock so
// that it can be run "as of" any date. Adapters keep real time for their
// mechanics (queue visibility, token expiry, request durations).
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface{ Now() time.Time }

// System is the real clock.
type System struct{}

// Now returns the wall-clock time.
func (System) Now() time.Time { return time.Now() }

// Settable runs from a chosen instant at the speed of real time. The zero
// value is the real clock.
type Settable struct {
	mu     sync.RWMutex
	offset time.Duration
	real   func() time.Time
}

// NewSettable returns a clock reading the real time until Set is called.
func NewSettable() *Settable { return &Settable{real: time.Now} }

// Now returns the real time shifted by the offset last Set.
func (c *Settable) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.realNow().Add(c.offset)
}

// Set makes Now return t at this instant; time then runs on from t.
func (c *Settable) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = t.Sub(c.realNow())
}

// Reset returns the clock to real time.
func (c *Settable) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}

func (c *Settable) realNow() time.Time {
	if c.real == nil {
		return time.Now()
	}
	return c.real()
}

// Fixed always returns the same instant; for tests.
type Fixed time.Time

// Now returns the fixed instant.
func (f Fixed) Now() time.Time { return time.Time(f) }

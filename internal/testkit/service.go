package testkit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// What the service tests build their worlds from, besides a table.

// Policy is the association's policy as shipped (policy/default.yaml),
// loaded afresh for each call, so that a test may change its copy.
func Policy(tb testing.TB) *policy.Policy {
	tb.Helper()
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		tb.Fatalf("shipped policy: %v", err)
	}
	return p
}

// SettableAt is the services' settable clock (clock.Settable) set to t.
// Unlike Clock, which stands still, it runs on from t with the wall clock,
// as the local stack's does.
func SettableAt(t time.Time) *clock.Settable {
	c := clock.NewSettable()
	c.Set(t)
	return c
}

// Relay is a service's outbound port (outbox.Dispatcher) that keeps, in
// order, every message the service dispatched after a committed write, for
// the test to read or to deliver by hand as a queue would. Safe for
// concurrent use.
type Relay struct {
	mu   sync.Mutex
	msgs []outbox.Message
}

var _ outbox.Dispatcher = (*Relay)(nil)

// Dispatch keeps msgs.
func (r *Relay) Dispatch(_ context.Context, msgs ...outbox.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
}

// Sent returns the messages kept, in the order they were dispatched.
func (r *Relay) Sent() []outbox.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

// Take returns the messages kept and forgets them.
func (r *Relay) Take() []outbox.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.msgs
	r.msgs = nil
	return m
}

// TakeBodies returns the bodies of the messages kept for queue, in order,
// and forgets those messages; the others stay.
func (r *Relay) TakeBodies(queue string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var bodies []string
	kept := r.msgs[:0]
	for _, m := range r.msgs {
		if m.Queue == queue {
			bodies = append(bodies, m.Body)
		} else {
			kept = append(kept, m)
		}
	}
	r.msgs = kept
	return bodies
}

// NoDispatch is an outbound port that sends nothing on: what a service
// writes to its outbox stays pending there.
type NoDispatch struct{}

var _ outbox.Dispatcher = NoDispatch{}

// Dispatch does nothing.
func (NoDispatch) Dispatch(context.Context, ...outbox.Message) {}

// IDs is an ID generator, as ids.New, that numbers the IDs it makes from 1
// across prefixes ("H-0000000001", "SUB-0000000002", ...), so that a world
// has the same IDs at every run. Safe for concurrent use.
func IDs() func(prefix string) string {
	var n atomic.Int64
	return func(prefix string) string { return fmt.Sprintf("%s-%010d", prefix, n.Add(1)) }
}

// Package outbox makes asynchronous work as durable as the state change that
// causes it. A service writes each queue message into the table in the same
// transaction as its state change (so a crash can never keep one without the
// other), then hands it to the Relay, which sends it and deletes the entry.
// Entries that a crash left behind are sent by Sweep, which runs on a
// schedule. Sending twice is possible (a crash between send and delete);
// every consumer is idempotent, so that is harmless, and losing one is not.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/ids"
)

// Message is one queued unit of work, pending until sent.
type Message struct {
	ID        string
	Queue     string // logical queue name, e.g. "mail"
	Body      string
	CreatedAt time.Time // real time: relay mechanics never follow the business clock
}

// New makes a message for queue carrying body as JSON, stamped with the
// real time (the relay's grace period is mechanics, not a business rule).
func New(queue string, body any) (Message, error) {
	now := clock.System{}.Now()
	b, err := json.Marshal(body)
	if err != nil {
		return Message{}, fmt.Errorf("outbox message for %s: %w", queue, err)
	}
	return Message{ID: ids.New("MSG"), Queue: queue, Body: string(b), CreatedAt: now.UTC()}, nil
}

// Store keeps pending messages. The services' own stores write them
// (transactionally); the relay only reads and deletes.
type Store interface {
	// Pending returns up to limit messages created before the cutoff, oldest first.
	Pending(ctx context.Context, before time.Time, limit int) ([]Message, error)
	// Done deletes sent messages; deleting one already gone is no error.
	Done(ctx context.Context, msgs ...Message) error
}

// Sender sends a body to one queue (queue.Queue satisfies it).
type Sender interface {
	Send(ctx context.Context, body string) (string, error)
}

// Relay moves pending messages to their queues.
type Relay struct {
	store  Store
	queues map[string]Sender
	now    func() time.Time
	grace  time.Duration
	log    *slog.Logger
}

// DefaultGrace is how old an entry must be before Sweep takes it, so that it
// does not race a Dispatch still in flight.
const DefaultGrace = 30 * time.Second

// NewRelay returns a relay over the named queues.
func NewRelay(store Store, queues map[string]Sender, log *slog.Logger) *Relay {
	if log == nil {
		log = slog.Default()
	}
	return &Relay{store: store, queues: queues, now: clock.System{}.Now, grace: DefaultGrace, log: log}
}

// WithGrace returns a copy of r whose Sweep takes entries older than g.
func (r *Relay) WithGrace(g time.Duration) *Relay { c := *r; c.grace = g; return &c }

// Dispatch sends committed messages now. It never fails the caller: the state
// change is already durable, and whatever is not sent here Sweep sends later.
func (r *Relay) Dispatch(ctx context.Context, msgs ...Message) {
	for _, m := range msgs {
		if err := r.send(ctx, m); err != nil {
			r.log.WarnContext(ctx, "outbox dispatch deferred to sweep", "message", m.ID, "queue", m.Queue, "err", err)
		}
	}
}

// Sweep sends every message older than the grace period and reports how many.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	cutoff := r.now().Add(-r.grace)
	sent := 0
	var errs []error
	for {
		batch, err := r.store.Pending(ctx, cutoff, 100)
		if err != nil {
			return sent, fmt.Errorf("outbox sweep: %w", err)
		}
		progressed := false
		for _, m := range batch {
			if err := r.send(ctx, m); err != nil {
				errs = append(errs, err)
				continue
			}
			sent++
			progressed = true
		}
		if len(batch) < 100 || !progressed {
			return sent, errors.Join(errs...)
		}
	}
}

func (r *Relay) send(ctx context.Context, m Message) error {
	q, ok := r.queues[m.Queue]
	if !ok {
		return fmt.Errorf("outbox message %s: no queue named %q", m.ID, m.Queue)
	}
	if _, err := q.Send(ctx, m.Body); err != nil {
		return fmt.Errorf("outbox send %s to %s: %w", m.ID, m.Queue, err)
	}
	if err := r.store.Done(ctx, m); err != nil {
		return fmt.Errorf("outbox mark %s sent: %w", m.ID, err)
	}
	return nil
}

// Dispatcher sends committed messages on (Relay does).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...Message)
}

// Apply runs a read-modify-write whose fn returns the messages to write with
// the change, then dispatches the messages of the attempt that committed:
// an attempt that lost an optimistic-locking race and was retried never
// sends its messages.
func Apply[T any](ctx context.Context, d Dispatcher, update func(context.Context, string, func(*T) ([]Message, error)) (T, error),
	id string, fn func(*T) ([]Message, error)) (T, error) {
	var sent []Message
	v, err := update(ctx, id, func(x *T) ([]Message, error) {
		msgs, err := fn(x)
		sent = msgs
		return msgs, err
	})
	if err != nil {
		return v, err
	}
	d.Dispatch(ctx, sent...)
	return v, nil
}

// Package daily runs the daily jobs (renewal invoices, reminders) in
// bounded pieces through a queue, instead of in one invocation: a
// scheduled run only plans, each piece does one page of a sparse index
// within a time budget, and the piece that finishes a page queues the
// next (docs/reminders.md#pieces). Every piece is queued once: under a
// once-only key, in the same write as its outbox entry (Once), so a
// redelivered or rerun piece queues nothing twice, and the work it does is
// itself once-only (a reminder's record, an invoice's conditional put).
package daily

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/outbox"
)

// Queue is the logical name of the daily work queue.
const Queue = "daily-work"

// PageSize is how many index entries a piece takes: about 3 s of work at
// 10 ms a table call and three calls an entry, well inside a piece's time.
const PageSize = 100

// piece is a message of the daily work queue: the job it belongs to, and
// the job's own description of the piece.
type piece struct {
	Job  string          `json:"job"`
	Part json.RawMessage `json:"part"`
}

// Message makes the outbox message of a piece of job.
func Message(job string, part any) (outbox.Message, error) {
	raw, err := json.Marshal(part)
	if err != nil {
		return outbox.Message{}, fmt.Errorf("piece of %s: %w", job, err)
	}
	return outbox.New(Queue, piece{Job: job, Part: raw})
}

// Once writes msg's outbox entry once under key: with a record of key, if
// absent, in one transaction. queued is false when key was recorded before
// (nothing is written then). Recorded reports whether key was (store.Pieces).
type Once interface {
	Record(ctx context.Context, key string, msg outbox.Message) (queued bool, err error)
	Recorded(ctx context.Context, key string) (bool, error)
}

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Enqueue queues a piece of job once under key, and sends it on at once
// when it was queued now (the relay's sweep sends it otherwise).
func Enqueue(ctx context.Context, once Once, relay Dispatcher, key, job string, part any) (bool, error) {
	m, err := Message(job, part)
	if err != nil {
		return false, err
	}
	queued, err := once.Record(ctx, key, m)
	if err != nil {
		return false, fmt.Errorf("queue piece %s: %w", key, err)
	}
	if queued && relay != nil {
		relay.Dispatch(ctx, m)
	}
	return queued, nil
}

// PageKey is the once-only key of the page piece named by of that starts
// at cursor: the cursor hashed, as a cursor is longer than a key should be.
func PageKey(of, cursor string) string {
	sum := sha256.Sum256([]byte(cursor))
	return fmt.Sprintf("%s:%x", of, sum[:8])
}

// Handler does one piece of a job.
type Handler func(ctx context.Context, part json.RawMessage) error

// Worker is the daily work queue's consumer: it hands each piece to its
// job's handler. A piece of no job it knows fails (to the dead-letter
// queue, where an operator sees it).
type Worker map[string]Handler

// Handle does the piece body.
func (w Worker) Handle(ctx context.Context, body string) error {
	var p piece
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return fmt.Errorf("decode daily piece: %w", err)
	}
	h, ok := w[p.Job]
	if !ok {
		return fmt.Errorf("daily piece of unknown job %q", p.Job)
	}
	return h(ctx, p.Part)
}

// Margin is the time a piece keeps in hand before its deadline: enough for
// one entry's work at its slowest, and to answer the queue.
const Margin = 5 * time.Second

// ErrOutOfTime means a piece stopped before its deadline, its page not
// done: the queue delivers it again, and it goes on where the once-only
// records say it stopped.
var ErrOutOfTime = &fault.Error{Kind: fault.Conflict, Code: "out_of_time", Message: "the piece's time ran out before its page was done", Retry: true}

// InTime reports whether ctx leaves more than Margin before its deadline
// (no deadline: always). The deadline is the invocation's, in real time,
// whatever the business clock says.
func InTime(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return !ok || d.Sub(clock.System{}.Now()) > Margin
}

// IsOutOfTime reports whether err is ErrOutOfTime.
func IsOutOfTime(err error) bool { return errors.Is(err, ErrOutOfTime) }

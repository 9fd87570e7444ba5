// Package queue carries work between cecportal's synchronous and
// asynchronous steps: an SQS adapter for AWS and an embedded twin persisted
// in the local stack's bbolt file, both passing one contract suite, plus the
// poller that feeds either to the same Lambda SQS handlers on the local stack.
//
// The semantics that matter are SQS's standard-queue ones: a received message
// is hidden for the visibility timeout and comes back unless deleted; each
// receive counts, and a message received more than MaxReceives times moves
// to the dead-letter queue instead of being delivered again.
package queue

import (
	"context"
	"errors"
	"time"
)

// MaxBatch is the most messages one Receive or SendBatch handles (SQS's limit).
const MaxBatch = 10

// Message is one received message.
type Message struct {
	ID            string
	Body          string
	ReceiptHandle string // valid for Delete and ChangeVisibility until it times out
	ReceiveCount  int    // 1 on first delivery
	SentAt        time.Time
}

// Queue is one queue.
type Queue interface {
	// Send enqueues one message and returns its ID.
	Send(ctx context.Context, body string) (string, error)
	// SendBatch enqueues 1 to MaxBatch messages.
	SendBatch(ctx context.Context, bodies []string) error
	// Receive returns up to max (1..MaxBatch) visible messages, hiding each for
	// the queue's visibility timeout; it waits up to wait for the first one.
	Receive(ctx context.Context, max int, wait time.Duration) ([]Message, error)
	// Delete removes received messages for good.
	Delete(ctx context.Context, receiptHandles ...string) error
	// ChangeVisibility hides a received message for d from now (0 makes it
	// visible again at once).
	ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error
}

// Config describes a queue as the template declares it.
type Config struct {
	Name              string
	VisibilityTimeout time.Duration
	MaxReceives       int    // deliveries before a message goes to DeadLetter
	DeadLetter        string // name of the dead-letter queue; "" for none
}

// ErrReceiptHandle means a receipt handle is unknown or no longer valid.
var ErrReceiptHandle = errors.New("queue: invalid receipt handle")

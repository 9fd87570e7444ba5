package queue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Handler is a Lambda SQS handler that reports failures per message
// (FunctionResponseTypes: ReportBatchItemFailures).
type Handler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// PollerOptions tune a Poller; the zero value behaves like Lambda's defaults.
type PollerOptions struct {
	// QueueName names the queue in each record's EventSourceARN; by default
	// the queue's own Name() when it has one.
	QueueName string
	// BatchSize is the most messages per invocation, 1 to MaxBatch (default).
	BatchSize int
	// Wait is Run's long poll (default and most: MaxWait).
	Wait time.Duration
	// Timeout bounds each invocation like the function's timeout; 0 for none.
	Timeout time.Duration
	// Logger receives failures (default slog.Default()).
	Logger *slog.Logger
}

// Poller feeds a queue to a Lambda SQS handler the way Lambda's event source
// mapping does with ReportBatchItemFailures, so that the local stack runs the
// same handlers as AWS: a batch's messages are deleted when the handler
// succeeds, except those it reports as failed; when it returns an error,
// panics or answers with an identifier that is not in the batch, none is,
// and all come back after the visibility timeout, towards the dead-letter
// queue.
type Poller struct {
	q    Queue
	h    Handler
	opts PollerOptions
	arn  string
	log  *slog.Logger
}

// NewPoller returns a poller of q for h.
func NewPoller(q Queue, h Handler, opts PollerOptions) *Poller {
	if opts.BatchSize < 1 || opts.BatchSize > MaxBatch {
		opts.BatchSize = MaxBatch
	}
	if opts.Wait <= 0 || opts.Wait > MaxWait {
		opts.Wait = MaxWait
	}
	if opts.QueueName == "" {
		if n, ok := q.(interface{ Name() string }); ok {
			opts.QueueName = n.Name()
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Poller{
		q:    q,
		h:    h,
		opts: opts,
		arn:  "arn:aws:sqs:local:000000000000:" + opts.QueueName,
		log:  log.With("queue", opts.QueueName),
	}
}

// PollOnce hands the messages visible now (up to BatchSize) to the handler
// and deletes the processed ones, without waiting for messages to arrive. It
// returns how many it received, and an error when receiving or deleting
// failed or the batch failed as a whole.
func (p *Poller) PollOnce(ctx context.Context) (received int, err error) {
	return p.poll(ctx, 0)
}

// Run polls with long polling until ctx is done, logging failures.
func (p *Poller) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := p.poll(ctx, p.opts.Wait)
		if err == nil || ctx.Err() != nil {
			continue
		}
		var pe *panicError
		if errors.As(err, &pe) {
			p.log.ErrorContext(ctx, "sqs handler panicked", "err", err, "stack", string(pe.stack))
		} else {
			p.log.ErrorContext(ctx, "sqs poll failed", "err", err)
		}
		if n == 0 {
			// The queue itself failed: do not spin on it.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (p *Poller) poll(ctx context.Context, wait time.Duration) (int, error) {
	msgs, err := p.q.Receive(ctx, p.opts.BatchSize, wait)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	ev := p.event(msgs)
	resp, err := p.invoke(ctx, ev)
	if err != nil {
		return len(msgs), fmt.Errorf("sqs handler failed on %d messages: %w", len(msgs), err)
	}
	failed := make(map[string]bool, len(resp.BatchItemFailures))
	inBatch := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		inBatch[m.ID] = true
	}
	for _, f := range resp.BatchItemFailures {
		if !inBatch[f.ItemIdentifier] {
			// Lambda treats this as the failure of the whole batch.
			return len(msgs), fmt.Errorf("sqs handler reported failed item %q, which is not in the batch", f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	handles := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if !failed[m.ID] {
			handles = append(handles, m.ReceiptHandle)
		}
	}
	if len(failed) > 0 {
		p.log.InfoContext(ctx, "sqs handler reported failed messages", "failed", len(failed), "batch", len(msgs))
	}
	// The work is done: finish the delete even if ctx ends now, or the
	// messages would run again.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := p.q.Delete(dctx, handles...); err != nil {
		return len(msgs), fmt.Errorf("delete processed messages: %w", err)
	}
	return len(msgs), nil
}

// event builds the event Lambda would deliver for msgs.
func (p *Poller) event(msgs []Message) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(msgs))}
	for i, m := range msgs {
		sum := md5.Sum([]byte(m.Body))
		ev.Records[i] = events.SQSMessage{
			MessageId:     m.ID,
			ReceiptHandle: m.ReceiptHandle,
			Body:          m.Body,
			Md5OfBody:     hex.EncodeToString(sum[:]),
			Attributes: map[string]string{
				"ApproximateReceiveCount": strconv.Itoa(m.ReceiveCount),
				"SentTimestamp":           strconv.FormatInt(m.SentAt.UnixMilli(), 10),
			},
			EventSource:    "aws:sqs",
			EventSourceARN: p.arn,
			AWSRegion:      "local",
		}
	}
	return ev
}

// invoke calls the handler, turning a panic into an error as the Lambda
// runtime turns it into a failed invocation.
func (p *Poller) invoke(ctx context.Context, ev events.SQSEvent) (resp events.SQSEventResponse, err error) {
	if p.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.opts.Timeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return p.h(ctx, ev)
}

type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

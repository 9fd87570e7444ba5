package queue

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Stored is a message as it waits in a queue, seen without receiving it: an
// operator's view of a dead letter.
type Stored struct {
	ID           string
	Body         string
	ReceiveCount int       // deliveries so far; in a dead-letter queue, those that failed
	SentAt       time.Time // when it was first sent, kept through dead-lettering
	VisibleAt    time.Time // in a dead-letter queue: when it was dead-lettered
}

// Peek returns up to limit messages of the named queue, oldest visibility
// first (limit 0: the count alone), and how many the queue holds. Unlike
// Receive it delivers nothing: receive counts and visibility stay as they
// are, so looking at a dead-letter queue never changes it.
func (e *Embedded) Peek(ctx context.Context, name string, limit int) ([]Stored, int, error) {
	q, ok := e.queues[name]
	if !ok {
		return nil, 0, fmt.Errorf("peek at %s: queue is not configured", name)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("peek at %s: %w", name, err)
	}
	var out []Stored
	total := 0
	err := e.db.View(func(tx *bbolt.Tx) error {
		msgs, due, err := q.buckets(tx)
		if err != nil {
			return err
		}
		c := due.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			total++
			if len(out) >= limit {
				continue
			}
			rec, ok, err := getRecord(msgs, string(k[8:]))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, Stored{ID: rec.ID, Body: rec.Body, ReceiveCount: rec.ReceiveCount,
					SentAt: time.Unix(0, rec.SentAt).UTC(), VisibleAt: time.Unix(0, rec.VisibleAt).UTC()})
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("peek at %s: %w", name, err)
	}
	return out, total, nil
}

// Redrive moves every message of the dead-letter queue dlq, in flight or
// not, to the queue dest in one transaction, as SQS's message move task
// does once an operator has fixed the cause. A moved message keeps its ID,
// body and sent time, and its receive count starts again from zero, so it
// gets dest's full number of deliveries before it is dead-lettered again.
// dlq must be the dead-letter queue of some configured queue.
func (e *Embedded) Redrive(ctx context.Context, dlq, dest string) (int, error) {
	src, ok := e.queues[dlq]
	if !ok {
		return 0, fmt.Errorf("redrive %s: queue is not configured", dlq)
	}
	to, ok := e.queues[dest]
	if !ok {
		return 0, fmt.Errorf("redrive %s: destination %s is not configured", dlq, dest)
	}
	if src == to {
		return 0, fmt.Errorf("redrive %s: the destination is the queue itself", dlq)
	}
	isDLQ := false
	for _, q := range e.queues {
		isDLQ = isDLQ || q.dlq == src
	}
	if !isDLQ {
		return 0, fmt.Errorf("redrive %s: it is no queue's dead-letter queue", dlq)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("redrive %s: %w", dlq, err)
	}
	now := e.now()
	moved := 0
	err := e.db.Update(func(tx *bbolt.Tx) error {
		moved = 0
		smsgs, sdue, err := src.buckets(tx)
		if err != nil {
			return err
		}
		dmsgs, ddue, err := to.buckets(tx)
		if err != nil {
			return err
		}
		var keys [][]byte
		c := sdue.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := sdue.Delete(k); err != nil {
				return err
			}
			id := string(k[8:])
			rec, ok, err := getRecord(smsgs, id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := smsgs.Delete([]byte(id)); err != nil {
				return err
			}
			rec.ReceiveCount, rec.Receipt, rec.VisibleAt = 0, "", now
			if err := putRecord(dmsgs, ddue, rec); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redrive %s to %s: %w", dlq, dest, err)
	}
	if moved > 0 {
		to.notify()
	}
	return moved, nil
}

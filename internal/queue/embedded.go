package queue

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// BucketPrefix starts the name of every bbolt bucket the embedded queues
// use, so that they can share the local stack's file with other adapters.
const BucketPrefix = "queue:"

// Inside each queue's bucket ("queue:<name>"):
//
//	messages: message ID -> JSON record
//	due:      8-byte big-endian visible-at (Unix ns) + message ID -> nothing
//
// The due index is what keeps Receive cheap on a deep queue: it seeks to the
// messages that are visible now and never reads the ones in flight.
var (
	messagesBucket = []byte("messages")
	dueBucket      = []byte("due")
)

// pollInterval is how often a waiting Receive looks again when nothing was
// sent meanwhile, which catches in-flight messages whose visibility ran out.
const pollInterval = 100 * time.Millisecond

// Embedded is the local stack's twin of SQS: standard queues with redrive
// policies, persisted in a bbolt file so that a crash of the stack loses no
// message (in-flight ones come back when their visibility timeout passes).
// Ordering is by visibility time, which is close to but not promised FIFO,
// as with SQS.
type Embedded struct {
	// Now is the clock visibility timeouts run on: time.Now unless a test sets
	// it, before first use, to move time by hand. Long polls still wait in
	// real time.
	Now func() time.Time

	db     *bbolt.DB
	queues map[string]*embeddedQueue
}

// OpenEmbedded opens (creating if needed) the configured queues in db, which
// the caller owns and closes. Every DeadLetter must name a configured queue.
func OpenEmbedded(db *bbolt.DB, configs ...Config) (*Embedded, error) {
	e := &Embedded{Now: time.Now, db: db, queues: make(map[string]*embeddedQueue, len(configs))}
	for _, cfg := range configs {
		if err := cfg.validate(); err != nil {
			return nil, fmt.Errorf("open embedded queues: %w", err)
		}
		if _, dup := e.queues[cfg.Name]; dup {
			return nil, fmt.Errorf("open embedded queues: queue %s configured twice", cfg.Name)
		}
		e.queues[cfg.Name] = &embeddedQueue{
			e:       e,
			cfg:     cfg,
			bucket:  []byte(BucketPrefix + cfg.Name),
			changed: make(chan struct{}),
		}
	}
	for _, q := range e.queues {
		if q.cfg.DeadLetter == "" {
			continue
		}
		dlq, ok := e.queues[q.cfg.DeadLetter]
		if !ok {
			return nil, fmt.Errorf("open embedded queues: dead-letter queue %s of %s is not configured", q.cfg.DeadLetter, q.cfg.Name)
		}
		q.dlq = dlq
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, q := range e.queues {
			b, err := tx.CreateBucketIfNotExists(q.bucket)
			if err != nil {
				return fmt.Errorf("bucket %s: %w", q.bucket, err)
			}
			for _, name := range [][]byte{messagesBucket, dueBucket} {
				if _, err := b.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("bucket %s/%s: %w", q.bucket, name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open embedded queues: %w", err)
	}
	return e, nil
}

// Queue returns the named queue.
func (e *Embedded) Queue(name string) (Queue, error) {
	q, ok := e.queues[name]
	if !ok {
		return nil, fmt.Errorf("queue %s is not configured", name)
	}
	return q, nil
}

// Depth counts a queue's messages that are visible now and those in flight,
// for operators and tests. It reads the whole index, unlike Receive.
func (e *Embedded) Depth(name string) (visible, inFlight int, err error) {
	q, ok := e.queues[name]
	if !ok {
		return 0, 0, fmt.Errorf("depth of %s: queue is not configured", name)
	}
	now := e.now()
	err = e.db.View(func(tx *bbolt.Tx) error {
		_, due, err := q.buckets(tx)
		if err != nil {
			return err
		}
		c := due.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if dueAt(k) <= now {
				visible++
			} else {
				inFlight++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("depth of %s: %w", name, err)
	}
	return visible, inFlight, nil
}

func (e *Embedded) now() int64 { return e.Now().UnixNano() }

// embeddedQueue is one queue of an Embedded.
type embeddedQueue struct {
	e      *Embedded
	cfg    Config
	dlq    *embeddedQueue // nil without a redrive policy
	bucket []byte

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when a message may have become visible
}

var _ Queue = (*embeddedQueue)(nil)

// record is a message as stored.
type record struct {
	ID           string `json:"id"`
	Body         string `json:"body"`
	SentAt       int64  `json:"sentAt"`    // Unix ns
	VisibleAt    int64  `json:"visibleAt"` // Unix ns; the due index key starts with it
	ReceiveCount int    `json:"receiveCount"`
	Receipt      string `json:"receipt,omitempty"` // token of the latest delivery
}

// Name is the queue's name, which the poller puts in event source ARNs.
func (q *embeddedQueue) Name() string { return q.cfg.Name }

func (q *embeddedQueue) Send(ctx context.Context, body string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("send to %s: %w", q.cfg.Name, err)
	}
	if err := checkBody(body); err != nil {
		return "", fmt.Errorf("send to %s: %w", q.cfg.Name, err)
	}
	id, err := q.insert(body)
	if err != nil {
		return "", fmt.Errorf("send to %s: %w", q.cfg.Name, err)
	}
	return id[0], nil
}

func (q *embeddedQueue) SendBatch(ctx context.Context, bodies []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send batch to %s: %w", q.cfg.Name, err)
	}
	if err := checkBatch(bodies); err != nil {
		return fmt.Errorf("send batch to %s: %w", q.cfg.Name, err)
	}
	if _, err := q.insert(bodies...); err != nil {
		return fmt.Errorf("send batch to %s: %w", q.cfg.Name, err)
	}
	return nil
}

// insert stores new messages, visible at once, in one transaction.
func (q *embeddedQueue) insert(bodies ...string) ([]string, error) {
	now := q.e.now()
	ids := make([]string, len(bodies))
	err := q.e.db.Update(func(tx *bbolt.Tx) error {
		msgs, due, err := q.buckets(tx)
		if err != nil {
			return err
		}
		for i, body := range bodies {
			ids[i] = newMessageID()
			if err := putRecord(msgs, due, record{ID: ids[i], Body: body, SentAt: now, VisibleAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	q.notify()
	return ids, nil
}

func (q *embeddedQueue) Receive(ctx context.Context, max int, wait time.Duration) ([]Message, error) {
	if err := checkMax(max); err != nil {
		return nil, fmt.Errorf("receive from %s: %w", q.cfg.Name, err)
	}
	var timeout, tick <-chan time.Time
	if wait = clampWait(wait); wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		ticker := time.NewTicker(pollInterval)
		defer ticker.Stop()
		timeout, tick = timer.C, ticker.C
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("receive from %s: %w", q.cfg.Name, err)
		}
		changed := q.watch() // before looking, so that no send goes unnoticed
		msgs, err := q.receive(max)
		if err != nil {
			return nil, fmt.Errorf("receive from %s: %w", q.cfg.Name, err)
		}
		if len(msgs) > 0 || timeout == nil {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
		case <-timeout:
			timeout = nil // one last look, then give up
		case <-changed:
		case <-tick:
		}
	}
}

// receive delivers up to max visible messages, dead-lettering on the way
// those already delivered MaxReceives times, all in one transaction.
func (q *embeddedQueue) receive(max int) ([]Message, error) {
	now := q.e.now()
	// Look read-only first, so that an idle long poll writes nothing.
	var ready bool
	err := q.e.db.View(func(tx *bbolt.Tx) error {
		_, due, err := q.buckets(tx)
		if err != nil {
			return err
		}
		k, _ := due.Cursor().First()
		ready = k != nil && dueAt(k) <= now
		return nil
	})
	if err != nil || !ready {
		return nil, err
	}

	var out []Message
	var deadLettered bool
	err = q.e.db.Update(func(tx *bbolt.Tx) error {
		msgs, due, err := q.buckets(tx)
		if err != nil {
			return err
		}
		seen := make(map[string]bool)
		for len(out) < max {
			keys := dueKeys(due, now, max-len(out), seen)
			if len(keys) == 0 {
				break
			}
			for _, k := range keys {
				id := string(k[8:])
				seen[id] = true
				if err := due.Delete(k); err != nil {
					return err
				}
				rec, ok, err := getRecord(msgs, id)
				if err != nil {
					return err
				}
				if !ok {
					continue // an index entry left without its message: now dropped
				}
				if q.dlq != nil && rec.ReceiveCount >= q.cfg.MaxReceives {
					if err := q.deadLetter(tx, msgs, rec, now); err != nil {
						return err
					}
					deadLettered = true
					continue
				}
				rec.ReceiveCount++
				rec.Receipt = rand.Text()
				rec.VisibleAt = now + int64(q.cfg.visibility())
				if err := putRecord(msgs, due, rec); err != nil {
					return err
				}
				out = append(out, q.message(rec))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if deadLettered {
		q.dlq.notify()
	}
	return out, nil
}

// deadLetter moves rec to the dead-letter queue inside tx, keeping its ID,
// body, sent time and receive count as SQS does.
func (q *embeddedQueue) deadLetter(tx *bbolt.Tx, msgs *bbolt.Bucket, rec record, now int64) error {
	if err := msgs.Delete([]byte(rec.ID)); err != nil {
		return err
	}
	dmsgs, ddue, err := q.dlq.buckets(tx)
	if err != nil {
		return err
	}
	rec.Receipt, rec.VisibleAt = "", now
	return putRecord(dmsgs, ddue, rec)
}

// Delete deletes the messages of every valid handle and reports the others
// with ErrReceiptHandle. Deleting a message that is already gone succeeds, as
// in SQS, so that a retried Delete is harmless; a handle superseded by a later
// delivery deletes nothing.
func (q *embeddedQueue) Delete(ctx context.Context, receiptHandles ...string) error {
	if len(receiptHandles) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete from %s: %w", q.cfg.Name, err)
	}
	var refused []error
	err := q.e.db.Update(func(tx *bbolt.Tx) error {
		refused = refused[:0]
		msgs, due, err := q.buckets(tx)
		if err != nil {
			return err
		}
		for _, h := range receiptHandles {
			id, token, err := q.parseHandle(h)
			if err != nil {
				refused = append(refused, err)
				continue
			}
			rec, ok, err := getRecord(msgs, id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if rec.Receipt != token {
				refused = append(refused, fmt.Errorf("%w: superseded by a later delivery of %s", ErrReceiptHandle, id))
				continue
			}
			if err := msgs.Delete([]byte(id)); err != nil {
				return err
			}
			if err := due.Delete(dueKey(rec)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete from %s: %w", q.cfg.Name, err)
	}
	if len(refused) > 0 {
		return fmt.Errorf("delete from %s: %d of %d receipt handles refused: %w",
			q.cfg.Name, len(refused), len(receiptHandles), errors.Join(refused...))
	}
	return nil
}

// ChangeVisibility works only while the delivery of receiptHandle is in
// flight, as in SQS (MessageNotInflight).
func (q *embeddedQueue) ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("change visibility in %s: %w", q.cfg.Name, err)
	}
	if err := checkVisibility(d); err != nil {
		return fmt.Errorf("change visibility in %s: %w", q.cfg.Name, err)
	}
	id, token, err := q.parseHandle(receiptHandle)
	if err != nil {
		return fmt.Errorf("change visibility in %s: %w", q.cfg.Name, err)
	}
	now := q.e.now()
	err = q.e.db.Update(func(tx *bbolt.Tx) error {
		msgs, due, err := q.buckets(tx)
		if err != nil {
			return err
		}
		rec, ok, err := getRecord(msgs, id)
		switch {
		case err != nil:
			return err
		case !ok:
			return fmt.Errorf("%w: message %s is gone", ErrReceiptHandle, id)
		case rec.Receipt != token:
			return fmt.Errorf("%w: superseded by a later delivery of %s", ErrReceiptHandle, id)
		case rec.VisibleAt <= now:
			return fmt.Errorf("%w: message %s is not in flight", ErrReceiptHandle, id)
		}
		if err := due.Delete(dueKey(rec)); err != nil {
			return err
		}
		rec.VisibleAt = now + int64(d)
		return putRecord(msgs, due, rec)
	})
	if err != nil {
		return fmt.Errorf("change visibility in %s: %w", q.cfg.Name, err)
	}
	if d == 0 {
		q.notify()
	}
	return nil
}

func (q *embeddedQueue) buckets(tx *bbolt.Tx) (msgs, due *bbolt.Bucket, err error) {
	b := tx.Bucket(q.bucket)
	if b == nil {
		return nil, nil, fmt.Errorf("bucket %s is missing", q.bucket)
	}
	return b.Bucket(messagesBucket), b.Bucket(dueBucket), nil
}

func (q *embeddedQueue) message(rec record) Message {
	return Message{
		ID:            rec.ID,
		Body:          rec.Body,
		ReceiptHandle: q.handle(rec),
		ReceiveCount:  rec.ReceiveCount,
		SentAt:        time.Unix(0, rec.SentAt).UTC(),
	}
}

// A receipt handle names the queue, the message and the delivery, so that a
// handle from another queue or an earlier delivery is recognised as such.
func (q *embeddedQueue) handle(rec record) string {
	return base64.RawURLEncoding.EncodeToString([]byte(q.cfg.Name + "/" + rec.ID + "/" + rec.Receipt))
}

func (q *embeddedQueue) parseHandle(h string) (id, token string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", "", fmt.Errorf("%w: malformed", ErrReceiptHandle)
	}
	parts := strings.Split(string(raw), "/")
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return "", "", fmt.Errorf("%w: malformed", ErrReceiptHandle)
	}
	if parts[0] != q.cfg.Name {
		return "", "", fmt.Errorf("%w: issued by queue %s, not %s", ErrReceiptHandle, parts[0], q.cfg.Name)
	}
	return parts[1], parts[2], nil
}

// watch returns a channel closed at the next notify.
func (q *embeddedQueue) watch() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.changed
}

// notify wakes every Receive waiting on this queue.
func (q *embeddedQueue) notify() {
	q.mu.Lock()
	defer q.mu.Unlock()
	close(q.changed)
	q.changed = make(chan struct{})
}

func dueKey(rec record) []byte {
	k := make([]byte, 8, 8+len(rec.ID))
	binary.BigEndian.PutUint64(k, uint64(rec.VisibleAt))
	return append(k, rec.ID...)
}

func dueAt(k []byte) int64 { return int64(binary.BigEndian.Uint64(k[:8])) }

// dueKeys copies up to n index keys of messages visible at now, skipping
// those already handled in this transaction. The copies stay valid while the
// caller rewrites the index.
func dueKeys(due *bbolt.Bucket, now int64, n int, skip map[string]bool) [][]byte {
	var keys [][]byte
	c := due.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < n; k, _ = c.Next() {
		if dueAt(k) > now {
			break
		}
		if !skip[string(k[8:])] {
			keys = append(keys, bytes.Clone(k))
		}
	}
	return keys
}

func getRecord(msgs *bbolt.Bucket, id string) (record, bool, error) {
	raw := msgs.Get([]byte(id))
	if raw == nil {
		return record{}, false, nil
	}
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return record{}, false, fmt.Errorf("decode message %s: %w", id, err)
	}
	return rec, true, nil
}

func putRecord(msgs, due *bbolt.Bucket, rec record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode message %s: %w", rec.ID, err)
	}
	if err := msgs.Put([]byte(rec.ID), raw); err != nil {
		return err
	}
	return due.Put(dueKey(rec), nil)
}

// newMessageID returns a random UUID, the form SQS message IDs take.
func newMessageID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

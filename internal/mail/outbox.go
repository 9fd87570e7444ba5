package mail

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// BucketPrefix starts the name of every bbolt bucket the outbox uses, so
// that it can share the local stack's file with other adapters.
const BucketPrefix = "mail:"

var (
	messagesBucket   = []byte(BucketPrefix + "messages")   // ID (ordered by sequence) -> Captured JSON
	identitiesBucket = []byte(BucketPrefix + "identities") // verified address or domain -> time verified
)

// ErrNotFound means the outbox holds no message with that ID.
var ErrNotFound = errors.New("mail: message not found")

// Outbox is the local stack's twin of SES. It delivers nothing: it keeps every
// message in the bbolt file, where a person or a test reads it. Like SES it
// refuses senders that are not verified and envelopes SES refuses, so that
// the mistakes that would fail on AWS fail locally too.
type Outbox struct {
	db       *bbolt.DB
	now      func() time.Time
	feedback func(ctx context.Context, event string) error // WithFeedback
}

var _ Sender = (*Outbox)(nil)

// OutboxOption configures an Outbox.
type OutboxOption func(*Outbox)

// WithNow sets the clock that stamps captured messages (default time.Now).
func WithNow(now func() time.Time) OutboxOption {
	return func(o *Outbox) { o.now = now }
}

// NewOutbox opens (creating if needed) the outbox in db, which the caller
// owns and closes.
func NewOutbox(db *bbolt.DB, opts ...OutboxOption) (*Outbox, error) {
	o := &Outbox{db: db, now: time.Now}
	for _, opt := range opts {
		opt(o)
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{messagesBucket, identitiesBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	return o, nil
}

// Verify records identity, an email address or a whole domain, as a
// verified sender, which SES does once its owner confirms it.
func (o *Outbox) Verify(ctx context.Context, identity string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("verify %s: %w", identity, err)
	}
	key, err := identityKey(identity)
	if err != nil {
		return fmt.Errorf("verify %s: %w", identity, err)
	}
	at, err := o.now().UTC().MarshalText()
	if err != nil {
		return fmt.Errorf("verify %s: %w", identity, err)
	}
	err = o.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(identitiesBucket).Put([]byte(key), at)
	})
	if err != nil {
		return fmt.Errorf("verify %s: %w", identity, err)
	}
	return nil
}

// Send captures m.
func (o *Outbox) Send(ctx context.Context, m Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	if err := CheckEnvelope(m.From, m.To); err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	// Before the capture: a send whose feedback failed is tried again
	// whole, and the system takes a repeated event as one. A sender SES
	// would refuse gets no feedback.
	if err := o.db.View(func(tx *bbolt.Tx) error { return checkSender(tx, m.From) }); err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	if err := o.simulate(ctx, m, "simulated-"+strings.ToLower(rand.Text()[:12])); err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	id, err := o.capture(Captured{
		From:    m.From,
		To:      slices.Clone(m.To),
		Subject: m.Subject,
		Text:    m.Text,
		HTML:    m.HTML,
		// What the header says, as SES sends it (mail.MIME).
		Unsubscribe: m.Unsubscribe,
	})
	if err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	return id, nil
}

// capture checks the sender and stores c under a new ID, in one
// transaction.
func (o *Outbox) capture(c Captured) (string, error) {
	err := o.db.Update(func(tx *bbolt.Tx) error {
		if err := checkSender(tx, c.From); err != nil {
			return err
		}
		b := tx.Bucket(messagesBucket)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		// The sequence orders the outbox; the random part keeps IDs apart
		// across outbox files, as a link to a message from a wiped one.
		c.ID = fmt.Sprintf("%016x-%s", seq, strings.ToLower(rand.Text()[:8]))
		c.At = o.now().UTC()
		raw, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode message: %w", err)
		}
		return b.Put([]byte(c.ID), raw)
	})
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// List returns up to limit captured messages, newest first; limit <= 0
// returns them all.
func (o *Outbox) List(ctx context.Context, limit int) ([]Captured, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list captured mail: %w", err)
	}
	var out []Captured
	err := o.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(messagesBucket).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var m Captured
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode message %s: %w", k, err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list captured mail: %w", err)
	}
	return out, nil
}

// Get returns the captured message id, or ErrNotFound.
func (o *Outbox) Get(ctx context.Context, id string) (Captured, error) {
	if err := ctx.Err(); err != nil {
		return Captured{}, fmt.Errorf("get captured mail %s: %w", id, err)
	}
	var m Captured
	err := o.db.View(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(messagesBucket).Get([]byte(id))
		if raw == nil {
			return ErrNotFound
		}
		return json.Unmarshal(raw, &m)
	})
	if err != nil {
		return Captured{}, fmt.Errorf("get captured mail %s: %w", id, err)
	}
	return m, nil
}

// checkSender refuses a sender whose address and domain are both unverified,
// with the error SES gives (MessageRejected).
func checkSender(tx *bbolt.Tx, from string) error {
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return fmt.Errorf("%w: sender %q: %v", ErrRejected, from, err)
	}
	key, err := identityKey(addr.Address)
	if err != nil {
		return fmt.Errorf("%w: sender %q: %v", ErrRejected, from, err)
	}
	ids := tx.Bucket(identitiesBucket)
	domain := key[strings.LastIndexByte(key, '@')+1:]
	if ids.Get([]byte(key)) == nil && ids.Get([]byte(domain)) == nil {
		return fmt.Errorf("%w: email address not verified: %s", ErrRejected, addr.Address)
	}
	return nil
}

// identityKey normalises an address or a domain. Domains are
// case-insensitive; the local part of an address is kept as written.
func identityKey(identity string) (string, error) {
	if at := strings.LastIndexByte(identity, '@'); at >= 0 {
		addr, err := netmail.ParseAddress(identity)
		if err != nil || addr.Address != identity {
			return "", fmt.Errorf("%q is not a bare email address", identity)
		}
		return identity[:at+1] + strings.ToLower(identity[at+1:]), nil
	}
	if identity == "" || strings.ContainsAny(identity, " \t<>,;") || !strings.Contains(identity, ".") {
		return "", fmt.Errorf("%q is neither an email address nor a domain", identity)
	}
	return strings.ToLower(identity), nil
}

// Package mail sends email: the Sender contract, an embedded outbox that
// captures every message in the local stack's bbolt file where a person can
// read it, and (in sesmail) the SES (v1) adapter for AWS. Both adapters pass
// one contract suite.
package mail

import (
	"context"
	"errors"
	"time"
)

// Message is one email, already rendered.
type Message struct {
	From    string
	To      []string
	Subject string
	Text    string
	HTML    string // optional
	// Unsubscribe is an optional email's one-click unsubscribe link, sent
	// as List-Unsubscribe with List-Unsubscribe-Post (RFC 8058); empty for
	// the others.
	Unsubscribe string
}

// Sender sends email. Each call sends at most once; the caller owns retries
// and deduplication.
type Sender interface {
	Send(ctx context.Context, m Message) (messageID string, err error)
}

// Captured is one email held by the embedded outbox.
type Captured struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	From    string    `json:"from"`
	To      []string  `json:"to"`
	Subject string    `json:"subject,omitempty"`
	Text    string    `json:"text,omitempty"`
	HTML    string    `json:"html,omitempty"`
	// Unsubscribe is the List-Unsubscribe header's link, if any.
	Unsubscribe string `json:"unsubscribe,omitempty"`
}

// ErrRejected means the provider refused the message (for example an
// unverified sender, or no recipient); retrying the same message will not help.
var ErrRejected = errors.New("mail: message rejected")

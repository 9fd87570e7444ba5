// Package undeliverable keeps the email addresses that mail no longer goes
// to: an address whose mailbox refused our mail for good (a permanent
// bounce) or whose person reported it as spam (a complaint). SES tells the
// system through the configuration set's event destination (SNS, then the
// mail-feedback queue); this package reads those events, marks the
// addresses, lets the mail sender skip them, and lets staff, or the person
// whose address it is, start mailing it again (docs/operations.md#email-that-does-not-arrive).
//
// Sending on to such an address would not reach anyone, and SES reviews an
// account whose bounce rate passes 5 % or complaint rate 0.1 %.
package undeliverable

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Queue is the logical name of the queue SES's bounce and complaint events
// reach (through SNS in AWS; from the mail outbox's simulator locally).
const Queue = "mail-feedback"

// Reason says why an address is undeliverable, in the words the web forms
// show for each.
type Reason string

const (
	// NoMailbox: the address does not exist (a permanent bounce, NoEmail).
	NoMailbox Reason = "no_mailbox"
	// Refused: the receiving mail server refuses our mail for good (a
	// permanent bounce of any other kind).
	Refused Reason = "refused"
	// Suppressed: SES itself no longer sends to it, after earlier bounces or
	// complaints (its suppression lists).
	Suppressed Reason = "suppressed"
	// Complaint: the person reported our mail as spam.
	Complaint Reason = "complaint"
)

// Address is one undeliverable address.
type Address struct {
	Email  string // normalised (Normalize)
	Reason Reason
	// At is when the bounce or complaint happened, as SES reports it.
	At time.Time
	// FeedbackID is SES's ID of the bounce or complaint, for support.
	FeedbackID string
}

// Normalize is the form an address is marked and looked up under: mail
// systems treat the case of an address as one, and so does the user pool.
func Normalize(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// sesEvent is the part of an SES event (a configuration set's event
// publishing: eventType) or notification (an identity's: notificationType)
// that says what bounced or complained.
// https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
type sesEvent struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"bouncedRecipients"`
		Timestamp  string `json:"timestamp"`
		FeedbackID string `json:"feedbackId"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		Timestamp             string `json:"timestamp"`
		FeedbackID            string `json:"feedbackId"`
	} `json:"complaint"`
}

// snsEnvelope is an SNS notification as SQS receives it when the
// subscription does not deliver raw messages.
type snsEnvelope struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// Parse reads one SES event (raw, or in its SNS envelope) and returns the
// addresses it makes undeliverable: each recipient of a permanent bounce,
// and of a complaint. Transient and undetermined bounces (a full mailbox,
// a server down), deliveries and every other event return none: SES
// retries those itself, and the next mail may well arrive.
func Parse(body []byte) ([]Address, error) {
	var env snsEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("decode mail feedback: %w", err)
	}
	if env.Type == "Notification" {
		body = []byte(env.Message)
	}
	var e sesEvent
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("decode mail feedback: %w", err)
	}
	kind := e.EventType
	if kind == "" {
		kind = e.NotificationType
	}
	var out []Address
	add := func(email string, r Reason, at, id string) error {
		when, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Errorf("mail feedback %s: timestamp %q: %w", id, at, err)
		}
		if n := Normalize(email); n != "" {
			out = append(out, Address{Email: n, Reason: r, At: when.UTC(), FeedbackID: id})
		}
		return nil
	}
	switch {
	case kind == "Bounce" && e.Bounce != nil:
		b := e.Bounce
		if b.BounceType != "Permanent" {
			return nil, nil
		}
		r := Refused
		switch b.BounceSubType {
		case "NoEmail":
			r = NoMailbox
		case "Suppressed", "OnAccountSuppressionList":
			r = Suppressed
		}
		for _, rc := range b.BouncedRecipients {
			if err := add(rc.EmailAddress, r, b.Timestamp, b.FeedbackID); err != nil {
				return nil, err
			}
		}
	case kind == "Complaint" && e.Complaint != nil:
		c := e.Complaint
		// A mailbox provider's "not spam" report withdraws a complaint.
		if c.ComplaintFeedbackType == "not-spam" {
			return nil, nil
		}
		for _, rc := range c.ComplainedRecipients {
			if err := add(rc.EmailAddress, Complaint, c.Timestamp, c.FeedbackID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

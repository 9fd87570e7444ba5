// Package notify is cecportal's email: the jobs services enqueue, and the
// Mailer that renders each (with the templates of package templates, which
// the jobs name) and sends it at most once per job ID however often the
// queue delivers it.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// Queue is the logical name of the mail queue.
const Queue = "mail"

// Job asks for one email. ID is the deduplication key: a job with an ID
// already sent is acknowledged without sending again. Make it stable per
// (recipient, reason, period), e.g. "welcome:holder:H-…".
type Job struct {
	ID       string            `json:"id"`
	Template string            `json:"template"`
	To       []string          `json:"to"`
	Data     map[string]string `json:"data,omitempty"`
	// Optional marks an email its recipient may turn off (a reminder):
	// it goes only while they want it, with an unsubscribe link
	// (docs/reminders.md#choosing-reminders). Nil: transactional, always.
	Optional *OptionalMail `json:"optional,omitempty"`
}

// OptionalMail is whose optional email and of which topic
// (emailprefs.Topics).
type OptionalMail struct {
	Audience  string `json:"audience"` // holder or provider
	AccountID string `json:"accountId"`
	Topic     string `json:"topic"`
}

// Optional answers for optional email (emailprefs.Links).
type Optional interface {
	// Wants reports whether the recipient still wants o's email.
	Wants(ctx context.Context, o OptionalMail) (bool, error)
	// Unsubscribe is o's one-click link (the List-Unsubscribe header's)
	// and its page's (the email's own text).
	Unsubscribe(ctx context.Context, o OptionalMail) (oneClick, page string, err error)
}

// UnsubscribeData is the job data key under which an optional email's
// template finds its unsubscribe page's link.
const UnsubscribeData = "unsubscribe"

// Message wraps the job as an outbox message for the mail queue.
func (j Job) Message() (outbox.Message, error) { return outbox.New(Queue, j) }

// Email is a rendered email.
type Email struct {
	From, Subject, Text, HTML string
	To                        []string
	// Unsubscribe is an optional email's one-click link: the sender puts
	// it in List-Unsubscribe, with List-Unsubscribe-Post (RFC 8058).
	Unsubscribe string
}

// Sender delivers rendered email (SES in AWS, the outbox file locally).
type Sender interface {
	Send(ctx context.Context, e Email) (messageID string, err error)
}

// ErrRejected is what a Sender wraps when the provider refuses a message for
// good (an unverified sender, say): retrying the same job will not help.
var ErrRejected = errors.New("notify: email rejected")

// ClaimResult says whether a delivery may send a job.
type ClaimResult int

const (
	// Claimed: this delivery holds the job and must send it.
	Claimed ClaimResult = iota + 1
	// AlreadySent: the job went out before; acknowledge and do nothing.
	AlreadySent
	// HeldElsewhere: another delivery holds a claim younger than its lease.
	HeldElsewhere
)

// Ledger records which jobs were sent.
type Ledger interface {
	// Claim takes job id for sending unless it was sent, or another delivery
	// holds a claim younger than lease (an older claim is taken over).
	Claim(ctx context.Context, id string, now time.Time, lease time.Duration) (ClaimResult, error)
	// Sent records the job as sent for good.
	Sent(ctx context.Context, id, messageID string, now time.Time) error
	// Release drops a claim whose send failed, so a redelivery may try again.
	Release(ctx context.Context, id string) error
}

// ErrInFlight means another delivery of the same job holds the claim; the
// message should come back later rather than be acknowledged.
var ErrInFlight = errors.New("notify: job is being sent by another delivery")

// Renderer makes the email a job asks for (templates.Templates). It is an
// interface so that only the mail sender links the template engine: every
// other function imports this package just to queue jobs.
type Renderer interface {
	Render(j Job) (Email, error)
}

// Undeliverable says which addresses mail must not go to
// (undeliverable.Service): they bounced for good or complained.
type Undeliverable interface {
	Undeliverable(ctx context.Context, emails []string) ([]undeliverable.Address, error)
}

// Mailer renders and sends jobs.
type Mailer struct {
	Sender    Sender
	Ledger    Ledger
	Templates Renderer
	// Undeliverable, when set, keeps mail from the addresses it names: a
	// job to none but those is recorded as done without sending.
	Undeliverable Undeliverable
	// Optional, when set, keeps an optional job from a recipient who
	// turned its topic off (recorded as done without sending), and gives
	// the others its unsubscribe links. Unset, optional jobs go as the
	// others, without links.
	Optional Optional
	From     string
	Now      func() time.Time
	Log      *slog.Logger
	// Lease bounds how long a claim blocks redeliveries; past it a crashed
	// delivery's job is sent again (at least once beats never).
	Lease time.Duration
}

// Handle is the mail queue consumer: it decodes one message body and
// delivers it. Errors mean "not done": the queue redelivers, and a message
// that can never succeed ends in the dead-letter queue.
func (m *Mailer) Handle(ctx context.Context, body string) error {
	var j Job
	if err := json.Unmarshal([]byte(body), &j); err != nil {
		return fmt.Errorf("decode mail job: %w", err)
	}
	return m.Deliver(ctx, j)
}

// Deliver sends job j unless it was sent before.
func (m *Mailer) Deliver(ctx context.Context, j Job) error {
	if err := j.validate(); err != nil {
		return err
	}
	oneClick := ""
	if j.Optional != nil && m.Optional != nil {
		var page string
		var err error
		if oneClick, page, err = m.Optional.Unsubscribe(ctx, *j.Optional); err != nil {
			return fmt.Errorf("job %s: unsubscribe link: %w", j.ID, err)
		}
		if page != "" {
			data := maps.Clone(j.Data)
			if data == nil {
				data = map[string]string{}
			}
			data[UnsubscribeData] = page
			j.Data = data
		}
	}
	e, err := m.Templates.Render(j)
	if err != nil {
		return fmt.Errorf("render job %s: %w", j.ID, err)
	}
	e.From, e.Unsubscribe = m.From, oneClick
	now := m.Now()
	claim, err := m.Ledger.Claim(ctx, j.ID, now, m.lease())
	if err != nil {
		return fmt.Errorf("claim job %s: %w", j.ID, err)
	}
	switch claim {
	case AlreadySent:
		m.log().InfoContext(ctx, "mail job already sent", "job", j.ID)
		return nil
	case HeldElsewhere:
		return fmt.Errorf("job %s: %w", j.ID, ErrInFlight)
	}
	if e.To, err = m.deliverable(ctx, j.ID, e.To); err != nil || len(e.To) == 0 {
		return m.skip(ctx, j, SkippedUndeliverable, err)
	}
	if j.Optional != nil && m.Optional != nil {
		wants, err := m.Optional.Wants(ctx, *j.Optional)
		if err != nil || !wants {
			return m.skip(ctx, j, SkippedUnsubscribed, err)
		}
	}
	id, err := m.Sender.Send(ctx, e)
	if err != nil {
		if rerr := m.Ledger.Release(ctx, j.ID); rerr != nil {
			err = errors.Join(err, fmt.Errorf("release claim: %w", rerr))
		}
		return fmt.Errorf("send job %s: %w", j.ID, err)
	}
	if err := m.Ledger.Sent(ctx, j.ID, id, m.Now()); err != nil {
		// The mail went; the claim still blocks resends until its lease ends.
		return fmt.Errorf("record job %s sent as %s: %w", j.ID, id, err)
	}
	m.log().InfoContext(ctx, "mail sent", "job", j.ID, "template", j.Template, "messageId", id)
	return nil
}

// deliverable is to without its undeliverable addresses.
func (m *Mailer) deliverable(ctx context.Context, job string, to []string) ([]string, error) {
	if m.Undeliverable == nil {
		return to, nil
	}
	marked, err := m.Undeliverable.Undeliverable(ctx, to)
	if err != nil || len(marked) == 0 {
		return to, err
	}
	out := make([]string, 0, len(to))
	for _, addr := range to {
		n := undeliverable.Normalize(addr)
		if !slices.ContainsFunc(marked, func(a undeliverable.Address) bool { return a.Email == n }) {
			out = append(out, addr)
		}
	}
	m.log().InfoContext(ctx, "mail recipients skipped: undeliverable", "job", job, "skipped", len(to)-len(out))
	return out, nil
}

// skip ends a claimed job that is not sent (why: SkippedUndeliverable or
// SkippedUnsubscribed): for good, or released for a redelivery when
// reading the marks or the choices failed (err).
func (m *Mailer) skip(ctx context.Context, j Job, why string, err error) error {
	if err != nil {
		if rerr := m.Ledger.Release(ctx, j.ID); rerr != nil {
			err = errors.Join(err, fmt.Errorf("release claim: %w", rerr))
		}
		return fmt.Errorf("job %s: %s: %w", j.ID, why, err)
	}
	if err := m.Ledger.Sent(ctx, j.ID, why, m.Now()); err != nil {
		return fmt.Errorf("record job %s skipped: %w", j.ID, err)
	}
	// The words after "mail not sent: " name the metric (app/metrics.go).
	m.log().InfoContext(ctx, "mail not sent: "+strings.TrimPrefix(why, "not-sent:"), "job", j.ID, "template", j.Template)
	return nil
}

// The message IDs the ledger records for a job not sent: none of its
// recipients could be mailed, or its recipient turned its topic off.
const (
	SkippedUndeliverable = "not-sent:undeliverable"
	SkippedUnsubscribed  = "not-sent:unsubscribed"
)

func (j Job) validate() error {
	if j.ID == "" || j.Template == "" || len(j.To) == 0 {
		return fmt.Errorf("mail job %q: id, template and recipients are required", j.ID)
	}
	for _, to := range j.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("mail job %s: recipient %q: %w", j.ID, to, err)
		}
	}
	return nil
}

func (m *Mailer) lease() time.Duration {
	if m.Lease > 0 {
		return m.Lease
	}
	return 2 * time.Minute
}

func (m *Mailer) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

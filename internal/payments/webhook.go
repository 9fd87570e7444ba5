package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
)

// Queue is the logical name of the queue between the webhook and the settler.
const Queue = "payments"

// Retention is how long an event ID is remembered: longer than the payment
// provider retries a delivery (Stripe: up to 3 days).
const Retention = 7 * 24 * time.Hour

// Kind is what a payment event means for an invoice.
type Kind string

const (
	Succeeded Kind = "succeeded"
	Failed    Kind = "failed"
	Refunded  Kind = "refunded"
)

// Event is a verified payment provider event, reduced to what settling an
// invoice needs. It is also the payments queue's message.
type Event struct {
	ID          string    `json:"id"`   // the provider's event ID (evt_...)
	Type        string    `json:"type"` // the provider's event type, e.g. checkout.session.completed
	Kind        Kind      `json:"kind"` // "" when the event settles nothing of ours
	InvoiceID   string    `json:"invoiceId"`
	AmountCents int64     `json:"amountCents"`
	Currency    string    `json:"currency"`
	Reference   string    `json:"reference"` // the provider's object: checkout session, payment intent, charge
	Reason      string    `json:"reason,omitempty"`
	Created     time.Time `json:"created"`
}

// ErrBadSignature is what a Verifier returns, wrapped, for a delivery whose
// signature is missing, wrong or too old.
var ErrBadSignature = errors.New("payments: invalid or stale signature")

// Verifier checks a delivery's signature over the raw body and reads the
// event (the Stripe adapter). It returns ErrBadSignature for a bad or stale
// signature; an event it does not handle comes back with an empty Kind.
type Verifier interface {
	Verify(ctx context.Context, payload []byte, signature string) (Event, error)
}

// Inbox remembers the events received.
type Inbox interface {
	// Record writes ev (expiring at expires) with msgs in one transaction,
	// unless ev's ID is recorded already: then it writes nothing and
	// returns false.
	Record(ctx context.Context, ev Event, at, expires time.Time, msgs ...outbox.Message) (bool, error)
}

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Webhook receives the payment provider's deliveries: it verifies them,
// records each event once, and queues the work, so that it answers fast.
type Webhook struct {
	verifier Verifier
	inbox    Inbox
	clock    clock.Clock
	relay    Dispatcher
	log      *slog.Logger
}

// NewWebhook wires the webhook.
func NewWebhook(v Verifier, in Inbox, c clock.Clock, relay Dispatcher, log *slog.Logger) *Webhook {
	if log == nil {
		log = slog.Default()
	}
	return &Webhook{verifier: v, inbox: in, clock: c, relay: relay, log: log}
}

// Receipt says what became of a delivery.
type Receipt struct {
	EventID   string
	Queued    bool // recorded and queued for settlement
	Duplicate bool // recorded before: nothing done
	Ignored   bool // an event type or object that settles nothing of ours
}

// Receive handles one delivery of raw body payload with its signature header.
// Errors: Invalid invalid_signature (nothing recorded); anything else is
// internal (the provider delivers again).
func (w *Webhook) Receive(ctx context.Context, payload []byte, signature string) (Receipt, error) {
	ev, err := w.verifier.Verify(ctx, payload, signature)
	if errors.Is(err, ErrBadSignature) {
		return Receipt{}, fault.New(fault.Invalid, "invalid_signature", "the payment event's signature is invalid or too old")
	}
	if err != nil {
		return Receipt{}, fault.New(fault.Invalid, "invalid_event", "the payment event cannot be read")
	}
	if d := checkIdentifiers(ev); len(d) > 0 {
		w.log.WarnContext(ctx, "payment event refused: identifiers", "event", LogPrefix(ev.ID), "invoice", LogPrefix(ev.InvoiceID))
		return Receipt{}, fault.New(fault.Invalid, "invalid_event", "the payment event's identifiers are not valid", d...)
	}
	if ev.Kind == "" {
		w.log.InfoContext(ctx, "payment event ignored", "event", ev.ID, "type", LogPrefix(ev.Type), "reason", ev.Reason)
		return Receipt{EventID: ev.ID, Ignored: true}, nil
	}
	msg, err := outbox.New(Queue, ev)
	if err != nil {
		return Receipt{}, err
	}
	now := w.clock.Now().UTC()
	fresh, err := w.inbox.Record(ctx, ev, now, now.Add(Retention), msg)
	if err != nil {
		return Receipt{}, err
	}
	if !fresh {
		return Receipt{EventID: ev.ID, Duplicate: true}, nil
	}
	w.relay.Dispatch(ctx, msg)
	return Receipt{EventID: ev.ID, Queued: true}, nil
}

// MaxIdentifier bounds an identifier an event carries: Stripe's IDs are at
// most 255 characters, and each becomes part of a table key (which allows
// 1 KiB) and of log lines.
const MaxIdentifier = 255

// identifier reports whether s is an identifier as payment providers and
// this service issue them: letters, digits, '_' and '-'.
func identifier(s string) bool {
	if s == "" || len(s) > MaxIdentifier {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkIdentifiers checks, before they become keys or reach a log, the
// identifiers of a signed event: its ID always; the invoice and the
// provider's object when the event would settle something. A signature
// says who sent an event, not that its contents fit.
func checkIdentifiers(ev Event) []fault.Detail {
	var d []fault.Detail
	bad := func(field string) {
		d = append(d, fault.Detail{Field: field, Code: "invalid_identifier",
			Message: fmt.Sprintf("must be 1 to %d letters, digits, '_' or '-'", MaxIdentifier)})
	}
	if !identifier(ev.ID) {
		bad("id")
	}
	if ev.Kind != "" {
		if !identifier(ev.InvoiceID) {
			bad("invoiceId")
		}
		if !identifier(ev.Reference) {
			bad("reference")
		}
	}
	return d
}

// LogPrefix is at most the first 64 bytes of an identifier from outside, as
// a quoted string: enough to find it, never the whole of a hostile value.
func LogPrefix(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

// Fees settles program application fees (programs.Service).
type Fees interface {
	SettleFee(ctx context.Context, invoiceID string, ev programs.FeePayment) (programs.Program, bool, error)
}

// Renewals settles renewal invoices (renewals.Service).
type Renewals interface {
	Settle(ctx context.Context, invoiceID string, ev renewals.Payment) (renewals.Invoice, bool, error)
}

// FilingFees settles attendance filing fees (attendance.Service).
type FilingFees interface {
	SettleFilingFee(ctx context.Context, invoiceID string, ev checkout.Payment) (attendance.FilingInvoice, bool, error)
}

// Settler is the payments queue's consumer: it settles the invoice an
// event names, in the domain that issued it: program application fees
// (INV-…), renewal invoices (REN-…) and filing fees (FIL-…).
type Settler struct {
	fees     Fees
	renewals Renewals
	filing   FilingFees
	log      *slog.Logger
}

// NewSettler wires the settler.
func NewSettler(fees Fees, ren Renewals, filing FilingFees, log *slog.Logger) *Settler {
	if log == nil {
		log = slog.Default()
	}
	return &Settler{fees: fees, renewals: ren, filing: filing, log: log}
}

var kinds = map[Kind]programs.PaymentKind{Succeeded: programs.PaymentSucceeded, Failed: programs.PaymentFailed, Refunded: programs.PaymentRefunded}

// Settle handles one queued event. It is idempotent: the domain records
// each event ID once. An event that can never settle anything (an unknown
// invoice, a program that is gone) is logged and acknowledged; any other
// error means "deliver again".
func (s *Settler) Settle(ctx context.Context, body string) error {
	var ev Event
	if err := json.Unmarshal([]byte(body), &ev); err != nil || ev.ID == "" || ev.InvoiceID == "" {
		return fmt.Errorf("malformed payment message %q", body)
	}
	kind, ok := kinds[ev.Kind]
	if !ok {
		s.log.WarnContext(ctx, "payment event of unknown kind", "event", ev.ID, "kind", ev.Kind)
		return nil
	}
	if _, _, isRenewal := renewals.ParseInvoiceID(ev.InvoiceID); isRenewal {
		return s.settleRenewal(ctx, ev)
	}
	if _, isFiling := attendance.UploadOfInvoice(ev.InvoiceID); isFiling {
		inv, changed, err := s.filing.SettleFilingFee(ctx, ev.InvoiceID, checkout.Payment{EventID: ev.ID, Kind: kind,
			Reference: ev.Reference, AmountCents: ev.AmountCents, Currency: ev.Currency, Reason: ev.Reason})
		return s.outcome(ctx, ev, changed, string(inv.Status), err)
	}
	if _, isProgram := programs.ProgramOfInvoice(ev.InvoiceID); !isProgram {
		s.log.WarnContext(ctx, "payment for an invoice nobody issued", "event", ev.ID, "invoice", ev.InvoiceID)
		return nil
	}
	p, changed, err := s.fees.SettleFee(ctx, ev.InvoiceID, programs.FeePayment{EventID: ev.ID, Kind: kind,
		Reference: ev.Reference, AmountCents: ev.AmountCents, Currency: ev.Currency, Reason: ev.Reason})
	return s.outcome(ctx, ev, changed, string(p.Status), err)
}

// settleRenewal settles a renewal invoice's event, as Settle does a fee's.
func (s *Settler) settleRenewal(ctx context.Context, ev Event) error {
	inv, changed, err := s.renewals.Settle(ctx, ev.InvoiceID, renewals.Payment{EventID: ev.ID,
		Kind: renewals.PaymentKind(ev.Kind), Reference: ev.Reference, AmountCents: ev.AmountCents,
		Currency: ev.Currency, Reason: ev.Reason})
	return s.outcome(ctx, ev, changed, string(inv.Status), err)
}

// outcome logs a settlement and tells the queue: a coded error (the event
// can never settle) is logged and acknowledged, any other, and a retryable
// one (lost contention), is delivered again.
func (s *Settler) outcome(ctx context.Context, ev Event, changed bool, status string, err error) error {
	if fe, ok := fault.As(err); ok && !fe.Retry {
		s.log.WarnContext(ctx, "payment event not settled", "event", ev.ID, "invoice", ev.InvoiceID, "code", fe.Code, "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("settle %s for %s: %w", ev.ID, ev.InvoiceID, err)
	}
	s.log.InfoContext(ctx, "payment event settled", "event", ev.ID, "kind", ev.Kind, "invoice", ev.InvoiceID,
		"changed", changed, "status", status)
	return nil
}

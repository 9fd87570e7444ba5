// Package checkout is the port to the payment provider's hosted checkout:
// what a service asks for (an invoice's amount, to be paid) and what it gets
// back (a session a person pays on). Program fees and renewal dues both take
// payments through it; the Stripe adapter (stripepay.Checkouts) and the local
// simulator (payments.Simulator) implement it. Settling a payment is the
// webhook's business (package payments), not this port's.
package checkout

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Starter starts payments with the payment provider.
type Starter interface {
	// StartCheckout opens a payment session for an invoice; the same
	// invoice ID gives the same session (it is the idempotency key).
	StartCheckout(ctx context.Context, req Request) (Session, error)
}

// Request is what the payment provider needs to take a payment.
type Request struct {
	InvoiceID   string
	AmountCents int64
	Currency    string
	Description string
	Email       string
}

// Session is a payment session started with the payment provider.
type Session struct {
	Reference string
	URL       string
	CreatedAt time.Time
}

// PaymentKind is what a payment event says happened.
type PaymentKind string

const (
	Succeeded PaymentKind = "succeeded"
	Failed    PaymentKind = "failed"
	Refunded  PaymentKind = "refunded"
	// Mismatch is a success whose amount or currency is not the invoice's:
	// recorded, flagged, and not taken as payment.
	Mismatch PaymentKind = "mismatch"
)

// Payment is one payment provider event recorded on an invoice. Program
// fees, renewal invoices and filing fees keep the same record.
type Payment struct {
	EventID     string // the payment provider's event ID
	Kind        PaymentKind
	At          time.Time // when it was recorded
	Reference   string    // the provider's object (checkout session, payment intent, charge)
	AmountCents int64
	Currency    string
	Reason      string
}

// Flags on an invoice that staff should look at.
const (
	FlagMismatch = "payment_mismatch"
	FlagRefunded = "refunded"
	// FlagQuoted: paid the amount of an earlier checkout, since when the
	// total changed; taken, for staff to settle the difference.
	FlagQuoted = "quoted_amount"
)

// Ledger is what deciding a payment event needs to know of its invoice.
type Ledger struct {
	Paid       bool
	TotalCents int64
	Currency   string
	// Quotes are amounts checkouts were started for before the total
	// changed: a success of one of them is taken, and flagged.
	Quotes   []int64
	Payments []Payment // recorded so far
}

// Effect is what a payment event does to its invoice.
type Effect int

const (
	// Unchanged: the event was recorded before, or is a success after the
	// invoice was paid: nothing to write.
	Unchanged Effect = iota
	// Pays: a success of the total (or of a quoted amount): the invoice is
	// paid.
	Pays
	// Recorded: kept on the invoice (a failure, a refund, a success of
	// another amount), which is not paid by it; Flag says whether staff
	// should look.
	Recorded
)

// Decision is the verdict on a payment event.
type Decision struct {
	Effect Effect
	Record Payment // what to append to the invoice's payments (Effect != Unchanged)
	Flag   string  // to set on the invoice, when not ""
}

// Decide is the one rule for a payment event on an invoice, whatever
// issued it. Events arrive in any order and more than once: each event ID
// counts once, nothing undoes a payment, and a failure after the payment
// is kept for the record only.
func Decide(l Ledger, ev Payment, now time.Time) Decision {
	if ev.EventID != "" && slices.ContainsFunc(l.Payments, func(x Payment) bool { return x.EventID == ev.EventID }) {
		return Decision{Effect: Unchanged}
	}
	rec := ev
	rec.At = now
	switch ev.Kind {
	case Succeeded:
		if l.Paid {
			return Decision{Effect: Unchanged}
		}
		sameCurrency := strings.EqualFold(ev.Currency, l.Currency)
		if sameCurrency && ev.AmountCents == l.TotalCents {
			return Decision{Effect: Pays, Record: rec}
		}
		if sameCurrency && slices.Contains(l.Quotes, ev.AmountCents) {
			rec.Reason = fmt.Sprintf("paid %s, the amount of an earlier checkout; the invoice is now %s",
				Money(ev.AmountCents, l.Currency), Money(l.TotalCents, l.Currency))
			return Decision{Effect: Pays, Record: rec, Flag: FlagQuoted}
		}
		rec.Kind = Mismatch
		rec.Reason = fmt.Sprintf("paid %s, invoice is %s: not taken as payment",
			Money(ev.AmountCents, strings.ToUpper(ev.Currency)), Money(l.TotalCents, l.Currency))
		return Decision{Effect: Recorded, Record: rec, Flag: FlagMismatch}
	case Refunded:
		return Decision{Effect: Recorded, Record: rec, Flag: FlagRefunded}
	default: // Failed
		return Decision{Effect: Recorded, Record: rec}
	}
}

// Money formats cents as "125.00 USD".
func Money(cents int64, currency string) string {
	return fmt.Sprintf("%d.%02d %s", cents/100, cents%100, currency)
}

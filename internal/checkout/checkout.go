// Package checkout is the port to the payment provider's hosted checkout:
// what a service asks for (an invoice's amount, to be paid) and what it gets
// back (a session a person pays on). Program fees and renewal dues both take
// payments through it; the Stripe adapter (stripepay.Checkouts) and the local
// simulator (payments.Simulator) implement it. Settling a payment is the
// webhook's business (package payments), not this port's.
package checkout

import (
	"context"
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

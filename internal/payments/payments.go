// Package payments owns payments with the payment provider: the webhook
// that receives its events (verified, recorded once, queued), and the
// settler that applies each event to the invoice it names. The provider
// itself is behind small interfaces (Verifier, checkout.Starter); the
// Stripe adapter is internal/stripepay. Locally the Simulator opens checkout
// sessions with stable references, so that a form can show "pay" and an
// invoice keeps one session however often it is asked.
package payments

import (
	"context"
	"fmt"
	"strings"

	"github.com/cecportal/cecportal/internal/checkout"
)

// Simulator is the local payment provider.
type Simulator struct {
	// BaseURL is where the simulated checkout page would live, e.g. the
	// local stack's URL; the session URL is BaseURL/dev/payments/<reference>.
	BaseURL string
}

var _ checkout.Starter = (*Simulator)(nil)

// StartCheckout returns the session of the invoice: the same invoice always
// gets the same reference, as a real provider's idempotency key ensures.
func (s *Simulator) StartCheckout(_ context.Context, req checkout.Request) (checkout.Session, error) {
	if req.InvoiceID == "" || req.AmountCents <= 0 || req.Currency == "" {
		return checkout.Session{}, fmt.Errorf("checkout needs an invoice, a positive amount and a currency: %+v", req)
	}
	ref := simPrefix + req.InvoiceID
	return checkout.Session{Reference: ref, URL: strings.TrimSuffix(s.BaseURL, "/") + "/dev/payments/" + ref}, nil
}

const simPrefix = "cs_sim_"

// SimulatedInvoice returns the invoice a simulator reference pays.
func SimulatedInvoice(reference string) (invoiceID string, ok bool) {
	inv, ok := strings.CutPrefix(reference, simPrefix)
	return inv, ok && inv != ""
}

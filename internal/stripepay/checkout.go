package stripepay

import (
	"context"
	"errors"
	"fmt"
	"strings"

	stripe "github.com/stripe/stripe-go/v86"

	"github.com/cecportal/cecportal/internal/programs"
)

// Checkouts opens Stripe Checkout Sessions for invoices.
type Checkouts struct {
	client     *stripe.Client
	successURL string
	cancelURL  string
}

var _ programs.Checkouts = (*Checkouts)(nil)

// NewCheckouts returns the adapter with the secret API key (sk_...) and
// the pages Stripe sends the payer back to. backends is nil in AWS (Stripe's
// API); tests point it at a stand-in server.
func NewCheckouts(secretKey, successURL, cancelURL string, backends *stripe.Backends) (*Checkouts, error) {
	if secretKey == "" || successURL == "" || cancelURL == "" {
		return nil, errors.New("stripepay: checkouts need a secret key, a success URL and a cancel URL")
	}
	var opts []stripe.ClientOption
	if backends != nil {
		opts = append(opts, stripe.WithBackends(backends))
	}
	return &Checkouts{client: stripe.NewClient(secretKey, opts...), successURL: successURL, cancelURL: cancelURL}, nil
}

// StartCheckout creates a Checkout Session for one invoice. The invoice ID
// is the idempotency key, so asking again for the same invoice (within
// Stripe's 24 hours of idempotency) returns the same session; it is also in
// the metadata of the session and of its PaymentIntent, where the webhook
// finds it.
func (c *Checkouts) StartCheckout(ctx context.Context, req programs.CheckoutRequest) (programs.Checkout, error) {
	if req.InvoiceID == "" || req.AmountCents <= 0 || req.Currency == "" {
		return programs.Checkout{}, fmt.Errorf("checkout needs an invoice, a positive amount and a currency: %+v", req)
	}
	meta := map[string]string{MetadataInvoice: req.InvoiceID}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String("payment"),
		SuccessURL:        stripe.String(c.successURL),
		CancelURL:         stripe.String(c.cancelURL),
		ClientReferenceID: stripe.String(req.InvoiceID),
		Metadata:          meta,
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(req.Currency)),
				UnitAmount:  stripe.Int64(req.AmountCents),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(orDefault(req.Description, req.InvoiceID))},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			Description: stripe.String(orDefault(req.Description, req.InvoiceID)),
			Metadata:    meta,
		},
	}
	if req.Email != "" {
		params.CustomerEmail = stripe.String(req.Email)
	}
	params.SetIdempotencyKey("checkout-" + req.InvoiceID)
	s, err := c.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return programs.Checkout{}, fmt.Errorf("create stripe checkout session for %s: %w", req.InvoiceID, err)
	}
	return programs.Checkout{Reference: s.ID, URL: s.URL}, nil
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

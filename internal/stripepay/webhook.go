// Package stripepay is the Stripe adapter of internal/payments: it verifies
// webhook deliveries (stripe-go's webhook package, the same code locally and
// in AWS) and reads the events cecportal settles, opens Checkout Sessions
// for invoices, and builds signed Stripe-format events for the local
// payment simulator.
package stripepay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/secrets"
)

// Tolerance is how old a delivery's signature timestamp may be. Stripe-go
// measures it against the real clock: a replay guard, not a business rule.
const Tolerance = 5 * time.Minute

// MetadataInvoice is the metadata key carrying cecportal's invoice ID on
// Checkout Sessions and their PaymentIntents.
const MetadataInvoice = "invoiceId"

// MaxCreated is the last event creation time read, 9999-12-31T23:59:59Z
// in Unix seconds.
const MaxCreated = 253402300799

// Event types the settler acts on.
const (
	TypeSessionCompleted     = "checkout.session.completed"
	TypeAsyncPaymentSucceed  = "checkout.session.async_payment_succeeded"
	TypeAsyncPaymentFailed   = "checkout.session.async_payment_failed"
	TypePaymentIntentFailed  = "payment_intent.payment_failed"
	TypeChargeRefunded       = "charge.refunded"
	sessionPaymentStatusPaid = "paid"
)

// Verifier checks the Stripe-Signature header with the endpoint's signing
// secret (whsec_...), read at the first event.
type Verifier struct {
	Secret *secrets.Secret
}

var _ payments.Verifier = Verifier{}

// Verify checks payload's signature and reads the event. A bad, missing or
// stale signature is payments.ErrBadSignature.
func (v Verifier) Verify(ctx context.Context, payload []byte, signature string) (payments.Event, error) {
	if signature == "" { // refused without reading the secret: no call per unsigned request
		return payments.Event{}, fmt.Errorf("%w: no signature", payments.ErrBadSignature)
	}
	secret, err := v.Secret.Get(ctx)
	if err != nil {
		return payments.Event{}, fmt.Errorf("stripepay: webhook signing secret: %w", err)
	}
	// The event's API version may differ from stripe-go's: only the few
	// stable fields below are read, so the mismatch is harmless.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, secret,
		webhook.ConstructEventOptions{Tolerance: Tolerance, IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return payments.Event{}, fmt.Errorf("%w: %w", payments.ErrBadSignature, err)
	case err != nil:
		return payments.Event{}, fmt.Errorf("read stripe event: %w", err)
	}
	return read(ev)
}

// object holds the fields read from a Checkout Session, PaymentIntent or Charge.
type object struct {
	ID               string            `json:"id"`
	AmountTotal      int64             `json:"amount_total"`    // checkout.session
	Amount           int64             `json:"amount"`          // payment_intent, charge
	AmountRefunded   int64             `json:"amount_refunded"` // charge
	Currency         string            `json:"currency"`
	Metadata         map[string]string `json:"metadata"`
	PaymentStatus    string            `json:"payment_status"` // checkout.session
	LastPaymentError *struct {
		Message string `json:"message"`
	} `json:"last_payment_error"` // payment_intent
}

func read(se stripe.Event) (payments.Event, error) {
	ev := payments.Event{ID: se.ID, Type: string(se.Type), Created: time.Unix(se.Created, 0).UTC()}
	if se.ID == "" {
		return payments.Event{}, errors.New("stripe event without an id")
	}
	// The event travels on as JSON, which cannot carry a year past 9999:
	// such a time would fail every delivery instead of being refused.
	if se.Created < 0 || se.Created > MaxCreated {
		return payments.Event{}, fmt.Errorf("stripe event %s: created %d is not a time from 1970 to 9999", se.ID, se.Created)
	}
	var kind payments.Kind
	switch ev.Type {
	case TypeSessionCompleted, TypeAsyncPaymentSucceed:
		kind = payments.Succeeded
	case TypeAsyncPaymentFailed, TypePaymentIntentFailed:
		kind = payments.Failed
	case TypeChargeRefunded:
		kind = payments.Refunded
	default:
		ev.Reason = "event type not handled"
		return ev, nil
	}
	if se.Data == nil || len(se.Data.Raw) == 0 {
		return payments.Event{}, fmt.Errorf("stripe event %s has no data object", se.ID)
	}
	var o object
	if err := json.Unmarshal(se.Data.Raw, &o); err != nil {
		return payments.Event{}, fmt.Errorf("stripe event %s: data object: %w", se.ID, err)
	}
	ev.Reference, ev.Currency, ev.InvoiceID = o.ID, strings.ToUpper(o.Currency), o.Metadata[MetadataInvoice]
	switch ev.Type {
	case TypeSessionCompleted, TypeAsyncPaymentSucceed, TypeAsyncPaymentFailed:
		ev.AmountCents = o.AmountTotal
	case TypeChargeRefunded:
		ev.AmountCents = o.AmountRefunded
	default:
		ev.AmountCents = o.Amount
	}
	if o.LastPaymentError != nil {
		ev.Reason = o.LastPaymentError.Message
	}
	switch {
	case ev.InvoiceID == "":
		ev.Reason = "no " + MetadataInvoice + " in the metadata: not a cecportal payment"
	case ev.Type == TypeSessionCompleted && o.PaymentStatus != sessionPaymentStatusPaid:
		// Delayed payment methods complete the session unpaid; the
		// async_payment_succeeded or _failed event settles it later.
		ev.Reason = "checkout completed with payment_status " + o.PaymentStatus
	default:
		ev.Kind = kind
	}
	return ev, nil
}

// NewSecret returns a fresh webhook signing secret in Stripe's format.
func NewSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

// Simulated is a payment outcome the local simulator reports, as Stripe
// would for a Checkout Session.
type Simulated struct {
	Reference   string // the Checkout Session ID
	InvoiceID   string
	AmountCents int64
	Currency    string
	Failed      bool // checkout.session.async_payment_failed instead of checkout.session.completed
}

// SignedEvent builds the Stripe event JSON for s and signs it with secret
// at the instant at, as Stripe does: the body and its Stripe-Signature header.
func SignedEvent(s Simulated, secret string, at time.Time) (payload []byte, header string, err error) {
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, "", fmt.Errorf("event id: %w", err)
	}
	typ, status := TypeSessionCompleted, sessionPaymentStatusPaid
	if s.Failed {
		typ, status = TypeAsyncPaymentFailed, "unpaid"
	}
	ev := map[string]any{
		"id": "evt_sim_" + hex.EncodeToString(id), "object": "event", "api_version": stripe.APIVersion,
		"created": at.Unix(), "livemode": false, "pending_webhooks": 1, "type": typ,
		"data": map[string]any{"object": map[string]any{
			"id": s.Reference, "object": "checkout.session", "mode": "payment", "status": "complete",
			"payment_status": status, "amount_total": s.AmountCents, "currency": strings.ToLower(s.Currency),
			"client_reference_id": s.InvoiceID, "metadata": map[string]string{MetadataInvoice: s.InvoiceID},
		}},
	}
	if payload, err = json.Marshal(ev); err != nil {
		return nil, "", fmt.Errorf("marshal simulated event: %w", err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	return payload, signed.Header, nil
}

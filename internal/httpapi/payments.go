package httpapi

import (
	"context"
	"net/http"

	"github.com/cecportal/cecportal/internal/payments"
)

// WebhookMaxBodyBytes bounds a payment event: Stripe events are larger than
// a form, and the signature covers the body byte for byte.
const WebhookMaxBodyBytes = 256 << 10

// NewPaymentWebhookAPI is the handler of the payment-webhook Lambda.
func NewPaymentWebhookAPI(w *payments.Webhook, opts Options) (*API, error) {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = WebhookMaxBodyBytes
	}
	return newAPI(PaymentWebhookRoutes(w), opts)
}

// PaymentWebhookRoutes are the routes of the payment-webhook Lambda (SPEC
// §4): the payment provider's events. The route is public; the signature
// over the raw body is the authentication.
func PaymentWebhookRoutes(w *payments.Webhook) []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/webhooks/payments", Access: Public, Handle: webhookHandler{w}.receive, Verbatim: true},
	}
}

type webhookHandler struct{ w *payments.Webhook }

type receiptJSON struct {
	Received  bool   `json:"received"`
	EventID   string `json:"eventId"`
	Duplicate bool   `json:"duplicate"`
	Ignored   bool   `json:"ignored"`
}

// receive hands the body exactly as received (Request.Body is the event's
// bytes, never re-encoded) and the signature header to the webhook.
func (h webhookHandler) receive(ctx context.Context, r *Request) (Response, error) {
	rec, err := h.w.Receive(ctx, r.Body, r.Header.Get("Stripe-Signature"))
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, receiptJSON{Received: true, EventID: rec.EventID, Duplicate: rec.Duplicate, Ignored: rec.Ignored}), nil
}

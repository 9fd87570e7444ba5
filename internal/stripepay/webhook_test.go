package stripepay

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/secrets"
)

const secret = "whsec_test_secret"

func TestVerifier_Signatures(t *testing.T) {
	sim := Simulated{Reference: "cs_1", InvoiceID: "INV-PRG-1-1", AmountCents: 30000, Currency: "USD"}
	payload, header, err := SignedEvent(sim, secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sign := func(body []byte, key string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: key, Timestamp: at}).Header
	}
	tampered := append([]byte(nil), payload...)
	tampered[len(tampered)-2] = ' '
	for _, tc := range []struct {
		name    string
		payload []byte
		header  string
		bad     bool
	}{
		{"Valid", payload, header, false},
		{"ValidFourMinutesOld", payload, sign(payload, secret, time.Now().Add(-4*time.Minute)), false},
		{"Stale", payload, sign(payload, secret, time.Now().Add(-6*time.Minute)), true},
		{"OtherSecret", payload, sign(payload, "whsec_other", time.Now()), true},
		{"TamperedBody", tampered, header, true},
		{"Missing", payload, "", true},
		{"Garbage", payload, "t=abc,v1", true},
		{"NoV1", payload, "t=1700000000,v0=abcd", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Verifier{Secret: secrets.Value(secret)}.Verify(context.Background(), tc.payload, tc.header)
			if tc.bad {
				if !errors.Is(err, payments.ErrBadSignature) {
					t.Fatalf("err = %v, want ErrBadSignature", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != payments.Succeeded || ev.InvoiceID != "INV-PRG-1-1" || ev.AmountCents != 30000 || ev.Currency != "USD" ||
				ev.Reference != "cs_1" || ev.ID == "" {
				t.Fatalf("event %+v", ev)
			}
		})
	}
	if _, err := (Verifier{}).Verify(context.Background(), payload, header); err == nil || errors.Is(err, payments.ErrBadSignature) {
		t.Fatalf("no secret configured: %v", err)
	}
}

func TestVerifier_Events(t *testing.T) {
	event := func(typ string, obj map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"id": "evt_1", "object": "event", "type": typ, "created": 1700000000,
			"api_version": "2020-08-27", "data": map[string]any{"object": obj}})
		return b
	}
	meta := map[string]string{"invoiceId": "INV-PRG-1-1"}
	for _, tc := range []struct {
		name   string
		body   []byte
		kind   payments.Kind
		amount int64
	}{
		{"SessionCompletedPaid", event("checkout.session.completed", map[string]any{"id": "cs_1", "amount_total": 500, "currency": "usd", "payment_status": "paid", "metadata": meta}), payments.Succeeded, 500},
		{"SessionCompletedUnpaid", event("checkout.session.completed", map[string]any{"id": "cs_1", "amount_total": 500, "currency": "usd", "payment_status": "unpaid", "metadata": meta}), "", 500},
		{"AsyncSucceeded", event("checkout.session.async_payment_succeeded", map[string]any{"id": "cs_1", "amount_total": 500, "currency": "usd", "payment_status": "paid", "metadata": meta}), payments.Succeeded, 500},
		{"AsyncFailed", event("checkout.session.async_payment_failed", map[string]any{"id": "cs_1", "amount_total": 500, "currency": "usd", "metadata": meta}), payments.Failed, 500},
		{"PaymentIntentFailed", event("payment_intent.payment_failed", map[string]any{"id": "pi_1", "amount": 500, "currency": "usd", "metadata": meta, "last_payment_error": map[string]any{"message": "card declined"}}), payments.Failed, 500},
		{"ChargeRefunded", event("charge.refunded", map[string]any{"id": "ch_1", "amount": 500, "amount_refunded": 200, "currency": "usd", "metadata": meta}), payments.Refunded, 200},
		{"NotOurs", event("checkout.session.completed", map[string]any{"id": "cs_1", "amount_total": 500, "currency": "usd", "payment_status": "paid"}), "", 500},
		{"OtherType", event("customer.created", map[string]any{"id": "cus_1"}), "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: tc.body, Secret: secret}).Header
			ev, err := Verifier{Secret: secrets.Value(secret)}.Verify(context.Background(), tc.body, header)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tc.kind || ev.AmountCents != tc.amount || ev.ID != "evt_1" {
				t.Fatalf("event %+v, want kind %q amount %d", ev, tc.kind, tc.amount)
			}
			if tc.kind != "" && (ev.InvoiceID != "INV-PRG-1-1" || ev.Currency != "USD") {
				t.Fatalf("event %+v", ev)
			}
		})
	}
}

package stripepay

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/secrets"
)

// fuzzTypes are the event types the fuzzer picks from: those cecportal
// settles, and one it ignores.
var fuzzTypes = []string{TypeSessionCompleted, TypeAsyncPaymentSucceed, TypeAsyncPaymentFailed,
	TypePaymentIntentFailed, TypeChargeRefunded, "customer.created"}

// FuzzVerifierSignedEvent builds a well-formed Stripe event from any field
// values, signs it with the endpoint's secret and checks that Verify reads
// back what was signed (or refuses it when it has no ID or its creation
// time is not one JSON can carry): ID, type, creation time, the invoice, the amount
// of the field the type defines, the currency in upper case, the kind the
// type means, and no kind (with the reason) when the event settles nothing
// of ours. Strings go through JSON as Stripe's would, so text that is not
// UTF-8 is compared as JSON carries it.
func FuzzVerifierSignedEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string, typ uint8, objectID, currency, invoice, paymentStatus, failure string, amount, created int64) {
		kind := fuzzTypes[int(typ)%len(fuzzTypes)]
		obj := map[string]any{"id": objectID, "object": "checkout.session", "currency": currency, "payment_status": paymentStatus,
			// Each amount field differs, so reading the wrong one shows.
			"amount_total": amount, "amount": amount ^ 1, "amount_refunded": amount ^ 2}
		if invoice != "" {
			obj["metadata"] = map[string]string{MetadataInvoice: invoice}
		}
		if failure != "" {
			obj["last_payment_error"] = map[string]string{"message": failure}
		}
		payload, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripe.APIVersion,
			"created": created, "livemode": false, "type": kind, "data": map[string]any{"object": obj}})
		if err != nil {
			t.Fatal(err)
		}
		header := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header

		ev, err := Verifier{Secret: secrets.Value(secret)}.Verify(context.Background(), payload, header)
		if errors.Is(err, payments.ErrBadSignature) {
			t.Fatalf("a correct signature refused: %v", err)
		}
		if asJSON(id) == "" || created < 0 || created > MaxCreated {
			if err == nil {
				t.Fatalf("an event without an id or with created %d was read: %+v", created, ev)
			}
			return
		}
		if err != nil {
			t.Fatalf("a well-formed event refused: %v\n%s", err, payload)
		}
		if ev.ID != asJSON(id) || ev.Type != kind || !ev.Created.Equal(time.Unix(created, 0)) || ev.Created.Location() != time.UTC {
			t.Fatalf("read %+v from %s", ev, payload)
		}
		want := payments.Event{ID: ev.ID, Type: kind, Created: ev.Created}
		switch kind {
		case "customer.created":
			want.Reason = "event type not handled"
			if ev != want {
				t.Fatalf("read %+v, want %+v", ev, want)
			}
			return
		case TypeSessionCompleted, TypeAsyncPaymentSucceed:
			want.Kind, want.AmountCents = payments.Succeeded, amount
		case TypeAsyncPaymentFailed:
			want.Kind, want.AmountCents = payments.Failed, amount
		case TypePaymentIntentFailed:
			want.Kind, want.AmountCents = payments.Failed, amount^1
		case TypeChargeRefunded:
			want.Kind, want.AmountCents = payments.Refunded, amount^2
		}
		want.Reference, want.Currency, want.InvoiceID = asJSON(objectID), strings.ToUpper(asJSON(currency)), asJSON(invoice)
		want.Reason = asJSON(failure)
		switch {
		case want.InvoiceID == "":
			want.Kind, want.Reason = "", "no "+MetadataInvoice+" in the metadata: not a cecportal payment"
		case kind == TypeSessionCompleted && asJSON(paymentStatus) != "paid":
			want.Kind, want.Reason = "", "checkout completed with payment_status "+asJSON(paymentStatus)
		}
		if ev != want {
			t.Fatalf("read  %+v\nwant %+v\nfrom %s", ev, want, payload)
		}
	})
}

// asJSON is s as it arrives through JSON: bytes that are not UTF-8 become U+FFFD.
func asJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

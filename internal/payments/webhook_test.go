package payments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/stripepay"
	"github.com/cecportal/cecportal/internal/testkit"
)

// Signed events whose identifiers cannot become keys are refused before
// anything is recorded, and the log carries at most a prefix of them
// (issue 13, class 5).
func TestWebhook_Identifiers(t *testing.T) {
	event := func(id, invoice, ref string) []byte {
		b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "type": "checkout.session.completed", "created": time.Now().Unix(),
			"api_version": "2020-08-27", "data": map[string]any{"object": map[string]any{"id": ref, "object": "checkout.session",
				"amount_total": 30000, "currency": "usd", "payment_status": "paid", "metadata": map[string]string{"invoiceId": invoice}}}})
		return b
	}
	long := "evt_" + strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name   string
		body   []byte
		fields []string // the details; none: accepted
	}{
		{"Plain", event("evt_1", "INV-PRG-1-1", "cs_1"), nil},
		{"LongestID", event("evt_"+strings.Repeat("a", 251), "INV-PRG-1-1", "cs_1"), nil},
		{"IDTooLong", event(long, "INV-PRG-1-1", "cs_1"), []string{"id"}},
		{"IDWithNUL", event("evt_\x00x", "INV-PRG-1-1", "cs_1"), []string{"id"}},
		{"IDWithSpace", event("evt 1", "INV-PRG-1-1", "cs_1"), []string{"id"}},
		{"InvoiceWithNUL", event("evt_2", "INV-PRG-1-1\x00", "cs_1"), []string{"invoiceId"}},
		{"InvoiceTooLong", event("evt_3", "INV-"+strings.Repeat("9", 300), "cs_1"), []string{"invoiceId"}},
		{"ReferenceWithSlash", event("evt_4", "INV-PRG-1-1", "cs_1/../x"), []string{"reference"}},
		{"AllAtOnce", event(long+"\x00", "INV\x00", ""), []string{"id", "invoiceId", "reference"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			inbox := &memInbox{events: map[string]payments.Event{}}
			relay := &testkit.Relay{}
			wh := payments.NewWebhook(stripepay.Verifier{Secret: secrets.Value(fuzzSecret)}, inbox, clock.Fixed(time.Now()), relay,
				slog.New(slog.NewJSONHandler(&logs, nil)))
			header := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: tc.body, Secret: fuzzSecret, Timestamp: time.Now()}).Header
			rec, err := wh.Receive(context.Background(), tc.body, header)
			if tc.fields == nil {
				if err != nil || !rec.Queued {
					t.Fatalf("Receive = %+v, %v; want queued", rec, err)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid || fe.Code != "invalid_event" {
				t.Fatalf("Receive = %+v, %v; want 400 invalid_event", rec, err)
			}
			var got []string
			for _, d := range fe.Details {
				got = append(got, d.Field)
				if d.Code != "invalid_identifier" {
					t.Errorf("detail %+v", d)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("details on %v, want %v", got, tc.fields)
			}
			if len(inbox.events) > 0 || len(relay.Sent()) > 0 {
				t.Errorf("refused, yet recorded %v and queued %v", inbox.events, relay.Sent())
			}
			if logs.Len() > 1000 || strings.Contains(logs.String(), strings.Repeat("x", 100)) {
				t.Errorf("the log carries more than a prefix: %d bytes", logs.Len())
			}
		})
	}
}

package payments_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/stripepay"
	"github.com/cecportal/cecportal/internal/testkit"
)

const fuzzSecret = "whsec_fuzz_test_secret"

// memInbox is payments.Inbox in memory (the store's own suite covers the
// table): each event ID once, with the messages written beside it.
type memInbox struct {
	events map[string]payments.Event
	msgs   []outbox.Message
}

func (in *memInbox) Record(_ context.Context, ev payments.Event, _, _ time.Time, msgs ...outbox.Message) (bool, error) {
	if _, dup := in.events[ev.ID]; dup {
		return false, nil
	}
	in.events[ev.ID] = ev
	in.msgs = append(in.msgs, msgs...)
	return true, nil
}

// How FuzzWebhookReceive signs the payload.
const (
	headerAsGiven = iota // the fuzzed header, whatever it is
	signedNow            // signed with the endpoint's secret, age seconds ago
	otherSecret          // signed with another secret, age seconds ago
	signModes
)

// FuzzWebhookReceive delivers any payload to the payment webhook with the
// Stripe verifier, either signed correctly (so that parsing is reached),
// signed with another secret, or with any Stripe-Signature header, and
// checks that:
//
//   - a delivery it refuses is a fault that the API answers with 400
//     (invalid_signature unless the signature is good, then invalid_event)
//     and records and queues nothing;
//   - only a correct signature made within the 5-minute tolerance passes;
//   - an accepted event is the payload's event: queued once with the
//     event recorded, or ignored with nothing recorded; delivered again it
//     is a duplicate and changes nothing.
func FuzzWebhookReceive(f *testing.F) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, payload []byte, header string, mode uint8, age uint16) {
		inbox := &memInbox{events: map[string]payments.Event{}}
		relay := &testkit.Relay{}
		wh := payments.NewWebhook(stripepay.Verifier{Secret: secrets.Value(fuzzSecret)}, inbox, clock.Fixed(time.Date(2027, 3, 10, 15, 0, 0, 0, time.UTC)), relay, log)
		mode %= signModes
		sign := func(secret string, at time.Time) string {
			return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
		}
		signedAt := time.Now().Add(-time.Duration(age) * time.Second)
		switch mode {
		case signedNow:
			header = sign(fuzzSecret, signedAt)
		case otherSecret:
			header = sign("whsec_another_endpoint", signedAt)
		}
		// Seconds of slack around the tolerance for the time the test takes.
		const slack = 10 * time.Second
		fresh := time.Duration(age)*time.Second < stripepay.Tolerance-slack
		stale := time.Duration(age)*time.Second > stripepay.Tolerance+slack

		rec, err := wh.Receive(context.Background(), payload, header)
		if err != nil {
			fe, ok := fault.As(err)
			if !ok {
				t.Fatalf("%v: not a fault, so a 500 and a redelivery", err)
			}
			if status, _ := httpapi.StatusOf(fe.Kind); status != http.StatusBadRequest {
				t.Fatalf("%v answers %d, want 400", err, status)
			}
			switch {
			case mode == signedNow && fresh && fe.Code != "invalid_event":
				t.Fatalf("a good signature refused: %v", err)
			case (mode != signedNow || stale) && fe.Code != "invalid_signature":
				t.Fatalf("a bad signature answered %v", err)
			case fe.Code != "invalid_event" && fe.Code != "invalid_signature":
				t.Fatalf("code %q", fe.Code)
			}
			if len(inbox.events) > 0 || len(inbox.msgs) > 0 || len(relay.Sent()) > 0 {
				t.Fatalf("refused (%v), yet recorded %v and queued %v", err, inbox.events, relay.Sent())
			}
			return
		}
		if mode != signedNow || stale {
			t.Fatalf("accepted a delivery signed in mode %d, %d s ago (header %q)", mode, age, header)
		}
		var sent struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(payload, &sent); err != nil || sent.ID == "" || rec.EventID != sent.ID {
			t.Fatalf("receipt %+v for a payload with id %q (%v)", rec, sent.ID, err)
		}
		if rec.Duplicate || rec.Queued == rec.Ignored {
			t.Fatalf("first delivery: receipt %+v", rec)
		}
		if rec.Ignored {
			if len(inbox.events) > 0 || len(relay.Sent()) > 0 {
				t.Fatalf("ignored, yet recorded %v and queued %v", inbox.events, relay.Sent())
			}
		} else {
			ev, ok := inbox.events[rec.EventID]
			if !ok || len(inbox.events) != 1 || len(relay.Sent()) != 1 || !reflect.DeepEqual(inbox.msgs, relay.Sent()) {
				t.Fatalf("queued: inbox %v with %v, sent %v", inbox.events, inbox.msgs, relay.Sent())
			}
			if ev.InvoiceID == "" || (ev.Kind != payments.Succeeded && ev.Kind != payments.Failed && ev.Kind != payments.Refunded) {
				t.Fatalf("queued an event that settles nothing: %+v", ev)
			}
			var queued payments.Event
			if relay.Sent()[0].Queue != payments.Queue || json.Unmarshal([]byte(relay.Sent()[0].Body), &queued) != nil ||
				!queued.Created.Equal(ev.Created) {
				t.Fatalf("message %+v for event %+v", relay.Sent()[0], ev)
			}
			queued.Created = ev.Created
			if queued != ev {
				t.Fatalf("queued %+v, recorded %+v", queued, ev)
			}
		}

		again, err := wh.Receive(context.Background(), payload, sign(fuzzSecret, time.Now()))
		if err != nil || again.EventID != rec.EventID || again.Ignored != rec.Ignored || again.Duplicate != rec.Queued || again.Queued {
			t.Fatalf("second delivery: %+v, %v (first %+v)", again, err, rec)
		}
		if len(inbox.events) > 1 || len(relay.Sent()) > 1 {
			t.Fatalf("second delivery recorded %v, queued %v", inbox.events, relay.Sent())
		}
	})
}

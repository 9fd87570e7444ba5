package mail_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// The outbox answers SES's mailbox simulator addresses as SES does, with
// events the mail-feedback consumer reads; other addresses get none.
func TestOutbox_SimulatorFeedback(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	var events []string
	o := verifiedOutbox(t, mail.WithNow(func() time.Time { return now }),
		mail.WithFeedback(func(_ context.Context, e string) error { events = append(events, e); return nil }))
	for _, tc := range []struct {
		name string
		to   []string
		want []undeliverable.Address
	}{
		{"Ordinary", []string{"ana@example.test"}, nil},
		{"Success", []string{"success@simulator.amazonses.com"}, nil},
		{"Bounce", []string{"bounce@simulator.amazonses.com"},
			[]undeliverable.Address{{Email: "bounce@simulator.amazonses.com", Reason: undeliverable.Refused, At: now}}},
		{"BounceWithLabel", []string{"ana@example.test", "Bounce+Ana@simulator.amazonses.com"},
			[]undeliverable.Address{{Email: "bounce+ana@simulator.amazonses.com", Reason: undeliverable.Refused, At: now}}},
		{"SuppressionList", []string{"suppressionlist@simulator.amazonses.com"},
			[]undeliverable.Address{{Email: "suppressionlist@simulator.amazonses.com", Reason: undeliverable.Suppressed, At: now}}},
		{"Complaint", []string{"complaint+bo@simulator.amazonses.com"},
			[]undeliverable.Address{{Email: "complaint+bo@simulator.amazonses.com", Reason: undeliverable.Complaint, At: now}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events = nil
			if _, err := o.Send(ctx, mail.Message{From: sender, To: tc.to, Subject: "s", Text: "t"}); err != nil {
				t.Fatal(err)
			}
			var got []undeliverable.Address
			for _, e := range events {
				addrs, err := undeliverable.Parse([]byte(e))
				if err != nil {
					t.Fatalf("the simulated event does not parse: %v\n%s", err, e)
				}
				for _, a := range addrs {
					if a.FeedbackID == "" {
						t.Errorf("event without a feedback ID: %s", e)
					}
					a.FeedbackID = ""
					got = append(got, a)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("marks %+v, want %+v", got, tc.want)
			}
		})
	}

	t.Run("UnverifiedSenderGetsNone", func(t *testing.T) {
		events = nil
		_, err := o.Send(ctx, mail.Message{From: "someone@else.test", To: []string{"bounce@simulator.amazonses.com"}, Subject: "s", Text: "t"})
		if !errors.Is(err, mail.ErrRejected) || len(events) != 0 {
			t.Fatalf("Send = %v with %d events; want rejected with none", err, len(events))
		}
	})

	// A failed feedback fails the send before anything is captured, so
	// that the retry captures the mail once.
	t.Run("FailedFeedbackCapturesNothing", func(t *testing.T) {
		o := verifiedOutbox(t, mail.WithFeedback(func(context.Context, string) error { return errors.New("queue down") }))
		if _, err := o.Send(ctx, mail.Message{From: sender, To: []string{"bounce@simulator.amazonses.com"}, Subject: "s", Text: "t"}); err == nil {
			t.Fatal("a failed feedback was not reported")
		}
		if all, err := o.List(ctx, 0); err != nil || len(all) != 0 {
			t.Fatalf("captured %d messages after a failed send, %v", len(all), err)
		}
	})
}

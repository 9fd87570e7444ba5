package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SES's mailbox simulator: SES accepts mail to these addresses (with or
// without a +label, as bounce+ana@simulator.amazonses.com) and answers as
// their name says, through the configuration set's event destination. The
// outbox does the same (WithFeedback), so that a bounce or a complaint can
// be tried on the local stack as it happens on AWS.
// https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
const SimulatorDomain = "simulator.amazonses.com"

// simulated is what a simulator address answers: the event type, and for a
// bounce its sub-type.
var simulated = map[string]struct{ event, subType string }{
	"bounce":          {"Bounce", "General"},
	"suppressionlist": {"Bounce", "OnAccountSuppressionList"},
	"complaint":       {"Complaint", ""},
}

// WithFeedback makes the outbox answer mail to SES's simulator addresses
// as SES does: for each bounce or complaint, send gets the event as SES
// publishes it to SNS (raw message delivery), for the mail-feedback queue.
func WithFeedback(send func(ctx context.Context, event string) error) OutboxOption {
	return func(o *Outbox) { o.feedback = send }
}

// simulate sends the events that m's simulator recipients answer.
func (o *Outbox) simulate(ctx context.Context, m Message, messageID string) error {
	if o.feedback == nil {
		return nil
	}
	byEvent := map[string][]string{}
	var order []string
	for _, to := range m.To {
		local, domain, ok := strings.Cut(strings.ToLower(to), "@")
		if !ok || domain != SimulatorDomain {
			continue
		}
		name, _, _ := strings.Cut(local, "+")
		s, ok := simulated[name]
		if !ok {
			continue
		}
		key := s.event + "/" + s.subType
		if _, seen := byEvent[key]; !seen {
			order = append(order, key)
		}
		byEvent[key] = append(byEvent[key], to)
	}
	now := o.now().UTC()
	for i, key := range order {
		event, subType, _ := strings.Cut(key, "/")
		body, err := json.Marshal(sesEvent(event, subType, byEvent[key], m, messageID, fmt.Sprintf("%s-%d", messageID, i), now))
		if err != nil {
			return err
		}
		if err := o.feedback(ctx, string(body)); err != nil {
			return fmt.Errorf("simulated %s feedback: %w", strings.ToLower(event), err)
		}
	}
	return nil
}

// sesEvent is the event SES publishes for a bounce or a complaint of
// recipients (the fields the system and a person reading it use).
func sesEvent(event, subType string, recipients []string, m Message, messageID, feedbackID string, at time.Time) map[string]any {
	ts := at.Format("2006-01-02T15:04:05.000Z")
	out := map[string]any{
		"eventType": event,
		"mail": map[string]any{
			"timestamp": ts, "messageId": messageID, "source": m.From, "destination": m.To,
			"commonHeaders": map[string]any{"from": []string{m.From}, "to": m.To, "subject": m.Subject},
		},
	}
	rs := make([]map[string]string, len(recipients))
	for i, r := range recipients {
		rs[i] = map[string]string{"emailAddress": r}
		if event == "Bounce" {
			rs[i]["action"], rs[i]["status"], rs[i]["diagnosticCode"] = "failed", "5.1.1", "smtp; 550 5.1.1 user unknown"
		}
	}
	if event == "Bounce" {
		out["bounce"] = map[string]any{"bounceType": "Permanent", "bounceSubType": subType, "bouncedRecipients": rs,
			"timestamp": ts, "feedbackId": feedbackID, "reportingMTA": "dns; " + SimulatorDomain}
	} else {
		out["complaint"] = map[string]any{"complainedRecipients": rs, "complaintFeedbackType": "abuse",
			"timestamp": ts, "feedbackId": feedbackID}
	}
	return out
}

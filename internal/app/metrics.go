package app

import (
	"context"
	"log/slog"
)

// Business events become CloudWatch metrics from the log lines that
// already tell them (docs/operations.md#metrics): a record whose message
// is one of these carries, with it, CloudWatch's embedded metric format
// (an "_aws" directive and the metric's value), which CloudWatch Logs turns
// into a metric of the namespace cecportal, with no API call and no
// client. Nothing else of the line changes.
var logMetrics = map[string]logMetric{
	"reminders queued":      {Name: "RemindersQueued", From: "queued"},
	"payment event settled": {Name: "PaymentEventsSettled"},
	"outbox sweep":          {Name: "OutboxEntriesRelayed", From: "sent"},
	"message done":          {Name: "MessagesDone", Dimension: "consumer"},
	// Attendance: rows accepted (credited, or held for a filing fee), held
	// credits issued once the fee is paid, uploads fully credited.
	"attendance chunk credited": {Name: "AttendeesAccepted", From: "accepted"},
	"held credits released":     {Name: "HeldCreditsReleased", From: "credits"},
	"attendance upload done":    {Name: "UploadsProcessed"},
	// Mail that does not arrive: addresses SES bounced or complained of,
	// and mails not sent because each recipient's address was one.
	"email address marked undeliverable": {Name: "AddressesMarkedUndeliverable"},
	"mail not sent: undeliverable":       {Name: "MailsNotSentUndeliverable"},
	// Reminders not sent because their recipient turned them off.
	"mail not sent: unsubscribed": {Name: "MailsNotSentUnsubscribed"},
}

// logMetric is one metric: its name, the attribute whose value it takes
// (none: 1 a line), and an attribute that names a dimension (none: only
// the function's).
type logMetric struct {
	Name, From, Dimension string
}

// MetricsNamespace is the CloudWatch namespace of the business metrics.
const MetricsNamespace = "cecportal"

// metricsHandler adds the embedded metric format to the records of
// logMetrics, on the way to next.
type metricsHandler struct {
	next slog.Handler
	now  func() int64 // milliseconds since the epoch, for the directive
}

func (h metricsHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}
func (h metricsHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return metricsHandler{next: h.next.WithAttrs(a), now: h.now}
}
func (h metricsHandler) WithGroup(name string) slog.Handler {
	return metricsHandler{next: h.next.WithGroup(name), now: h.now}
}

func (h metricsHandler) Handle(ctx context.Context, r slog.Record) error {
	m, ok := logMetrics[r.Message]
	if !ok {
		return h.next.Handle(ctx, r)
	}
	value, dimension := any(1), ""
	r.Attrs(func(a slog.Attr) bool {
		switch {
		case m.From != "" && a.Key == m.From:
			value = a.Value.Any()
		case m.Dimension != "" && a.Key == m.Dimension:
			dimension = a.Value.String()
		}
		return true
	})
	dims := []string{}
	if dimension != "" {
		dims = append(dims, m.Dimension)
	}
	r = r.Clone()
	r.AddAttrs(
		slog.Any("_aws", map[string]any{
			"Timestamp": h.now(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  MetricsNamespace,
				"Dimensions": [][]string{dims},
				"Metrics":    []any{map[string]string{"Name": m.Name, "Unit": "Count"}},
			}},
		}),
		slog.Any(m.Name, value),
	)
	return h.next.Handle(ctx, r)
}

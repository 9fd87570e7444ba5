package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"testing"
)

// TestMetricsHandler: the log lines of business events carry CloudWatch's
// embedded metric format; every other line is as it was.
func TestMetricsHandler(t *testing.T) {
	for _, tc := range []struct {
		name   string
		log    func(l *slog.Logger)
		metric string
		value  any
		dims   []any
	}{
		{"RemindersQueued", func(l *slog.Logger) { l.Info("reminders queued", "date", "2027-01-01", "queued", 42) }, "RemindersQueued", 42.0, []any{}},
		{"PaymentSettled", func(l *slog.Logger) { l.Info("payment event settled", "event", "evt_1", "kind", "succeeded") }, "PaymentEventsSettled", 1.0, []any{}},
		{"MessageDone", func(l *slog.Logger) { l.Info("message done", "consumer", "mail", "messageId", "m-1") }, "MessagesDone", 1.0, []any{"consumer"}},
		{"WithLoggerAttrs", func(l *slog.Logger) { l.With("request_id", "r-1").Info("outbox sweep", "sent", 3) }, "OutboxEntriesRelayed", 3.0, []any{}},
		{"AttendeesAccepted", func(l *slog.Logger) { l.Info("attendance chunk credited", "upload", "U-1", "accepted", 499) }, "AttendeesAccepted", 499.0, []any{}},
		{"HeldCreditsReleased", func(l *slog.Logger) { l.Info("held credits released", "upload", "U-1", "credits", 7) }, "HeldCreditsReleased", 7.0, []any{}},
		{"UploadsProcessed", func(l *slog.Logger) { l.Info("attendance upload done", "upload", "U-1") }, "UploadsProcessed", 1.0, []any{}},
		{"OtherLine", func(l *slog.Logger) { l.Info("request", "status", 200) }, "", nil, nil},
		{"Error", func(l *slog.Logger) { l.Error("request failed", "err", "x") }, "", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(metricsHandler{next: slog.NewJSONHandler(&buf, nil), now: func() int64 { return 1700000000000 }})
			tc.log(l)
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("%s: %v", buf.String(), err)
			}
			aws, has := line["_aws"].(map[string]any)
			if tc.metric == "" {
				if has {
					t.Fatalf("a metric on an ordinary line: %s", buf.String())
				}
				return
			}
			if !has || aws["Timestamp"] != 1700000000000.0 || line[tc.metric] != tc.value {
				t.Fatalf("line %s", buf.String())
			}
			cw := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
			metrics := cw["Metrics"].([]any)[0].(map[string]any)
			if cw["Namespace"] != MetricsNamespace || metrics["Name"] != tc.metric || metrics["Unit"] != "Count" ||
				!reflect.DeepEqual(cw["Dimensions"].([]any)[0], tc.dims) {
				t.Fatalf("directive %v", cw)
			}
			for _, d := range tc.dims {
				if _, ok := line[d.(string)]; !ok {
					t.Fatalf("dimension %v is not on the line", d)
				}
			}
		})
	}
	t.Run("LevelKept", func(t *testing.T) {
		h := metricsHandler{next: slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})}
		if h.Enabled(context.Background(), slog.LevelInfo) {
			t.Fatal("info enabled under WARN")
		}
	})
}

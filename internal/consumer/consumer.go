// Package consumer turns a per-message work function into a Lambda SQS
// handler that reports failures per message (ReportBatchItemFailures), so
// one bad message never makes the others of its batch run again, and a
// message that keeps failing ends in the dead-letter queue.
package consumer

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/meter"
)

// Work handles one message body; an error means "not done, deliver again".
// It must be idempotent: SQS delivers at least once.
type Work func(ctx context.Context, body string) error

// Handler adapts work to the Lambda SQS event. It never returns a Go error:
// a failed message is reported in the response, and a panic in work is
// caught and reported as that message's failure.
func Handler(name string, work Work, log *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, rec := range ev.Records {
			// Each message's table calls and capacity, logged with it.
			m := meter.New()
			if err := run(meter.With(ctx, m), work, rec.Body); err != nil {
				log.ErrorContext(ctx, "message failed", "consumer", name, "messageId", rec.MessageId,
					"receiveCount", rec.Attributes["ApproximateReceiveCount"], "err", err, "dynamodb", m.Usage())
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				continue
			}
			log.InfoContext(ctx, "message done", "consumer", name, "messageId", rec.MessageId, "dynamodb", m.Usage())
		}
		return resp, nil
	}
}

func run(ctx context.Context, work Work, body string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return work(ctx, body)
}

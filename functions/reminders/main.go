// Command reminders is the daily reminder job's schedule: it plans today's
// reminders, and those of any day a missed run left (within
// reminders.CatchUpDays), as pieces of the daily work queue; DailyWorker
// reads the sparse DUE# month buckets of GSI2 a page at a time and records
// each reminder once with its mail job in the outbox.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
)

func main() {
	svc := app.Lambda("Reminders").Reminders()
	lambda.Start(func(ctx context.Context) error {
		_, err := svc.Run(ctx)
		return err
	})
}

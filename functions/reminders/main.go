// Command reminders is the daily reminder job: unpaid renewal dues 60, 30
// and 7 days before they are due, unreported attendance 30 and 40 days
// after a program's end. It reads the sparse DUE# month buckets of GSI2 for
// those dates only, records each reminder once with its mail job in the
// outbox, and sends the jobs on to the mail queue.
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

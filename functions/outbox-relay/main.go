// Command outbox-relay runs every minute and sends to their queues the
// outbox entries that a crashed or timed-out request left in the table. It
// knows every queue whose URL its environment names.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
)

func main() {
	deps, _, _ := app.Lambda("TABLE_NAME", "MAIL_QUEUE_URL", "PROGRAM_VALIDATION_QUEUE_URL", "PROGRAM_FEE_QUEUE_URL",
		"ATTENDANCE_CREDITING_QUEUE_URL", "SUBMISSIONS_QUEUE_URL", "PAYMENTS_QUEUE_URL")
	relay := deps.Relay()
	lambda.Start(func(ctx context.Context) error {
		n, err := relay.Sweep(ctx)
		deps.Log.InfoContext(ctx, "outbox sweep", "sent", n)
		return err
	})
}

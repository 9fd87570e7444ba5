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
	p := app.Lambda("OutboxRelay")
	relay := p.Relay()
	lambda.Start(func(ctx context.Context) error {
		n, err := relay.Sweep(ctx)
		p.Log.InfoContext(ctx, "outbox sweep", "sent", n)
		return err
	})
}

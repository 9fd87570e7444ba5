// Command outbox-relay runs every minute and sends to their queues the
// outbox entries that a crashed or timed-out request left in the table. It
// knows every queue whose URL its environment names.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/store"
)

func main() {
	env, log, _ := app.Init("TABLE_NAME", "MAIL_QUEUE_URL")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		app.Exit(log, "aws configuration", err)
	}
	deps := app.Deps{
		Table:  store.NewDynamo(dynamodb.NewFromConfig(cfg), env.TableName),
		Queues: app.SQSQueues(sqs.NewFromConfig(cfg), env.QueueURLs()),
		Clock:  clock.System{},
		Log:    log,
	}
	relay := deps.Relay()
	lambda.Start(func(ctx context.Context) error {
		n, err := relay.Sweep(ctx)
		log.InfoContext(ctx, "outbox sweep", "sent", n)
		return err
	})
}

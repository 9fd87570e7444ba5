// Command program-validator is the program-validation queue's consumer: it
// checks each submitted application (complete, consistent, not started when
// submitted) and either refuses it with the reasons or passes it on to the
// fee step.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/store"
)

func main() {
	env, log, pol := app.Init("TABLE_NAME", "MAIL_QUEUE_URL", "PROGRAM_FEE_QUEUE_URL")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		app.Exit(log, "aws configuration", err)
	}
	deps := app.Deps{
		Table:  store.NewDynamo(dynamodb.NewFromConfig(cfg), env.TableName),
		Queues: app.SQSQueues(sqs.NewFromConfig(cfg), env.QueueURLs()),
		Clock:  clock.System{},
		Policy: pol,
		Log:    log,
	}
	svc := deps.Programs(nil) // a consumer starts no checkout
	lambda.Start(consumer.Handler("program-validation", svc.Validate, log))
}

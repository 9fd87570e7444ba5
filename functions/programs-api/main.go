// Command programs-api is the Lambda behind the HTTP API's program routes:
// applications, submission, checkout of the fee, staff review, copies and
// the public calendar.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/store"
)

func main() {
	env, log, pol := app.Init("TABLE_NAME", "MAIL_QUEUE_URL", "PROGRAM_VALIDATION_QUEUE_URL")
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
	// The checkout simulator stands in for Stripe until the payment webhook lands.
	api, err := httpapi.NewProgramsAPI(deps.Programs(&payments.Simulator{}), httpapi.Options{RoleClaim: env.RoleClaim, Logger: log})
	if err != nil {
		app.Exit(log, "http api", err)
	}
	lambda.Start(api.Handle)
}

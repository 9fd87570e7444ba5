// Command accounts-api is the Lambda behind the HTTP API's account routes:
// liveness, holder accounts and provider registration.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/queue"
	"github.com/cecportal/cecportal/internal/store"
)

func main() {
	env := app.EnvFrom(os.Getenv)
	log := app.Logger(env.LogLevel, os.Stdout)
	fail := func(msg string, err error) { log.Error(msg, "err", err); os.Exit(1) }
	if err := env.Require("TABLE_NAME", "MAIL_QUEUE_URL"); err != nil {
		fail("configuration", err)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fail("aws configuration", err)
	}
	pol, err := app.LoadPolicy(env.PolicyFile)
	if err != nil {
		fail("policy", err)
	}
	deps := app.Deps{
		Table:  store.NewDynamo(dynamodb.NewFromConfig(cfg), env.TableName),
		Queues: map[string]outbox.Sender{notify.Queue: queue.NewSQS(sqs.NewFromConfig(cfg), env.MailQueueURL)},
		Clock:  clock.System{},
		Policy: pol,
		Log:    log,
	}
	api, err := app.AccountsAPI(deps, httpapi.Options{RoleClaim: env.RoleClaim})
	if err != nil {
		fail("http api", err)
	}
	lambda.Start(api.Handle)
}

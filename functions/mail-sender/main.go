// Command mail-sender is the mail queue's consumer: it renders each mail job
// and sends it through SES once, however often SQS delivers it.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ses"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/store"
)

func main() {
	env := app.EnvFrom(os.Getenv)
	log := app.Logger(env.LogLevel, os.Stdout)
	fail := func(msg string, err error) { log.Error(msg, "err", err); os.Exit(1) }
	if err := env.Require("TABLE_NAME", "MAIL_FROM"); err != nil {
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
	deps := app.Deps{Table: store.NewDynamo(dynamodb.NewFromConfig(cfg), env.TableName), Clock: clock.System{}, Policy: pol, Log: log}
	mailer, err := app.Mailer(deps, mail.NewSES(ses.NewFromConfig(cfg)), env.MailFrom)
	if err != nil {
		fail("mailer", err)
	}
	lambda.Start(consumer.Handler("mail", mailer.Handle, log))
}

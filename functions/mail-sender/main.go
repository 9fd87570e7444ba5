// Command mail-sender is the mail queue's consumer: it renders each mail job
// and sends it through SES once, however often SQS delivers it.
package main

import (
	"context"

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
	env, log, pol := app.Init("TABLE_NAME", "MAIL_FROM")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		app.Exit(log, "aws configuration", err)
	}
	deps := app.Deps{Table: store.NewDynamo(dynamodb.NewFromConfig(cfg), env.TableName), Clock: clock.System{}, Policy: pol, Log: log}
	mailer, err := app.Mailer(deps, mail.NewSES(ses.NewFromConfig(cfg)), env.MailFrom)
	if err != nil {
		app.Exit(log, "mailer", err)
	}
	lambda.Start(consumer.Handler("mail", mailer.Handle, log))
}

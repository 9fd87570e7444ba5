// Command mail-sender is the mail queue's consumer: it renders each mail job
// and sends it through SES once, however often SQS delivers it.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ses"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/app/mailapp"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/mail/sesmail"
)

func main() {
	deps, env, cfg := app.Lambda("TABLE_NAME", "MAIL_FROM")
	mailer, err := mailapp.Mailer(deps, sesmail.New(ses.NewFromConfig(cfg)), env.MailFrom)
	if err != nil {
		app.Exit(deps.Log, "mailer", err)
	}
	lambda.Start(consumer.Handler("mail", mailer.Handle, deps.Log))
}

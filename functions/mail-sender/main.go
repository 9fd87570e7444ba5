// Command mail-sender is the mail queue's consumer: it renders each mail job
// and sends it through SES once, however often SQS delivers it.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ses"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/app/mailapp"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/mail/sesmail"
)

func main() {
	p := app.Lambda("MailSender")
	// The reminders' links: both parameters are read at the first
	// reminder, not at start.
	links := emailprefs.Links{Prefs: p.EmailPrefs(p.Secret(p.Env.UnsubscribeKeyParameter)), API: p.Secret(p.Env.APIURLParameter).Get,
		Portal: p.Policy.Association.PortalURL}
	mailer, err := mailapp.Mailer(p.Deps, sesmail.New(ses.NewFromConfig(p.AWS)).WithConfigurationSet(p.Env.MailConfigurationSet), p.Env.MailFrom, links)
	if err != nil {
		app.Exit(p.Log, "mailer", err)
	}
	lambda.Start(consumer.Handler(p.Function.Queue, mailer.Handle, p.Log))
}

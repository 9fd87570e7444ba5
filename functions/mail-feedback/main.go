// Command mail-feedback is the mail-feedback queue's consumer: it reads
// SES's bounce and complaint events (through SNS) and marks the addresses
// that mail must no longer go to.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	p := app.Lambda("MailFeedback")
	lambda.Start(consumer.Handler(p.Function.Queue, p.Deps.Undeliverable().Feedback, p.Log))
}

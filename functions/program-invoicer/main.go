// Command program-invoicer is the program-fee queue's consumer: it prices
// each validated application from the policy file and issues its invoice
// (submitted → fee_due).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	deps, _, _ := app.Lambda("TABLE_NAME", "MAIL_QUEUE_URL")
	svc := deps.Programs(nil) // a consumer starts no checkout
	lambda.Start(consumer.Handler("program-fee", svc.Invoice, deps.Log))
}

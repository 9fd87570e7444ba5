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
	p := app.Lambda("ProgramInvoicer")
	svc := p.Programs(nil) // a consumer starts no checkout
	lambda.Start(consumer.Handler(p.Function.Queue, svc.Invoice, p.Log))
}

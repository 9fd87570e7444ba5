// Command renewal-issuer is the renewals queue's consumer: staff recorded a
// holder's credentials, and once the renewal year that was coming then has
// its invoices issued, it creates the holder's invoice (once, however often
// the message comes) instead of leaving it to the daily job's next sweep.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	p := app.Lambda("RenewalIssuer")
	svc := p.Renewals(nil) // a consumer starts no checkout
	lambda.Start(consumer.Handler(p.Function.Queue, svc.CredentialsSet, p.Log))
}

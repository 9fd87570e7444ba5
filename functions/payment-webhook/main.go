// Command payment-webhook is the Lambda behind POST /webhooks/payments: it
// verifies the Stripe signature over the raw body, records each event once
// and queues its settlement on the payments queue, answering at once.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/stripepay"
)

func main() {
	p := app.Lambda("PaymentWebhook")
	api, err := httpapi.NewPaymentWebhookAPI(p.PaymentWebhook(stripepay.Verifier{Secret: p.Secret(p.Env.StripeWebhookSecretParameter)}),
		httpapi.Options{Logger: p.Log})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

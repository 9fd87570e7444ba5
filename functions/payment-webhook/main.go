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
	deps, env, _ := app.Lambda("TABLE_NAME", "PAYMENTS_QUEUE_URL", "STRIPE_WEBHOOK_SECRET")
	api, err := httpapi.NewPaymentWebhookAPI(deps.PaymentWebhook(stripepay.Verifier{Secret: env.StripeWebhookSecret}),
		httpapi.Options{Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

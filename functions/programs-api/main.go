// Command programs-api is the Lambda behind the HTTP API's program routes:
// applications, submission, checkout of the fee (Stripe Checkout), staff
// review, copies and the public calendar.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/stripepay"
)

func main() {
	deps, env, _ := app.Lambda("TABLE_NAME", "MAIL_QUEUE_URL", "PROGRAM_VALIDATION_QUEUE_URL",
		"STRIPE_SECRET_KEY", "CHECKOUT_SUCCESS_URL", "CHECKOUT_CANCEL_URL")
	checkouts, err := stripepay.NewCheckouts(env.StripeSecretKey, env.CheckoutSuccessURL, env.CheckoutCancelURL)
	if err != nil {
		app.Exit(deps.Log, "stripe checkouts", err)
	}
	api, err := httpapi.NewProgramsAPI(deps.Programs(checkouts), httpapi.Options{RoleClaim: env.RoleClaim, Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

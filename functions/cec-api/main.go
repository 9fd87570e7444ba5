// Command cec-api is the Lambda behind a holder's CEC routes: "check your
// CEC status" for a renewal year, the transcript (JSON or CSV), CEC
// submissions with their staff review, and the holder's yearly renewal
// with the checkout of its dues (Stripe Checkout).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/stripepay"
)

func main() {
	deps, env, _ := app.Lambda("TABLE_NAME", "SUBMISSIONS_QUEUE_URL", "MAIL_QUEUE_URL",
		"STRIPE_SECRET_KEY", "CHECKOUT_SUCCESS_URL", "CHECKOUT_CANCEL_URL")
	checkouts, err := stripepay.NewCheckouts(env.StripeSecretKey, env.CheckoutSuccessURL, env.CheckoutCancelURL)
	if err != nil {
		app.Exit(deps.Log, "stripe checkouts", err)
	}
	api, err := httpapi.NewCecAPI(deps.Transcript(), deps.Submissions(), deps.Renewals(checkouts),
		httpapi.Options{RoleClaim: env.RoleClaim, Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

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
	p := app.Lambda("CecApi")
	checkouts, err := stripepay.NewCheckouts(p.Secret(p.Env.StripeSecretKeyParameter), p.Env.CheckoutSuccessURL, p.Env.CheckoutCancelURL)
	if err != nil {
		app.Exit(p.Log, "stripe checkouts", err)
	}
	api, err := httpapi.NewCecAPI(p.Transcript(), p.Submissions(), p.Renewals(checkouts),
		httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log, Roles: p.Accounts()})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

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
	p := app.Lambda("ProgramsApi")
	checkouts, err := stripepay.NewCheckouts(p.Secret(p.Env.StripeSecretKeyParameter), p.Env.CheckoutSuccessURL, p.Env.CheckoutCancelURL)
	if err != nil {
		app.Exit(p.Log, "stripe checkouts", err)
	}
	api, err := httpapi.NewProgramsAPI(p.Programs(checkouts), httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log, Roles: p.Accounts()})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

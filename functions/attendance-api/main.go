// Command attendance-api is the Lambda behind the attendance routes: it
// takes a provider's roster (CSV or JSON rows), checks it whole, stores it
// and queues its crediting; it reports an upload's per-row results, and
// opens the checkout of an upload's filing fee (Stripe Checkout).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/stripepay"
)

func main() {
	p := app.Lambda("AttendanceApi")
	checkouts, err := stripepay.NewCheckouts(p.Secret(p.Env.StripeSecretKeyParameter), p.Env.CheckoutSuccessURL, p.Env.CheckoutCancelURL)
	if err != nil {
		app.Exit(p.Log, "stripe checkouts", err)
	}
	api, err := httpapi.NewAttendanceAPI(p.Attendance(checkouts), httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log, Roles: p.Accounts()})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

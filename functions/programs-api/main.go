// Command programs-api is the Lambda behind the HTTP API's program routes:
// applications, submission, checkout of the fee, staff review, copies and
// the public calendar.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/payments"
)

func main() {
	deps, env, _ := app.Lambda("TABLE_NAME", "MAIL_QUEUE_URL", "PROGRAM_VALIDATION_QUEUE_URL")
	// The checkout simulator stands in for Stripe until the payment webhook lands.
	api, err := httpapi.NewProgramsAPI(deps.Programs(&payments.Simulator{}), httpapi.Options{RoleClaim: env.RoleClaim, Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

// Command cec-api is the Lambda behind a holder's CEC routes: "check your
// CEC status" for a renewal year, the transcript (JSON or CSV), and CEC
// submissions with their staff review.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func main() {
	deps, env, _ := app.Lambda("TABLE_NAME", "SUBMISSIONS_QUEUE_URL", "MAIL_QUEUE_URL")
	api, err := httpapi.NewCecSubmissionsAPI(deps.Transcript(), deps.Submissions(), httpapi.Options{RoleClaim: env.RoleClaim, Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

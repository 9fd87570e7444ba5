// Command cec-api is the Lambda behind a holder's CEC routes: "check your
// CEC status" for a renewal year and the transcript (JSON or CSV). It only
// reads: the caller's identity link and one query of their record.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func main() {
	deps, env, _ := app.Lambda("TABLE_NAME")
	api, err := httpapi.NewCecAPI(deps.Transcript(), httpapi.Options{RoleClaim: env.RoleClaim, Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

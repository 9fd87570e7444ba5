// Command accounts-api is the Lambda behind the HTTP API's account routes:
// liveness, holder accounts and provider registration.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func main() {
	deps, env, _ := app.Lambda("TABLE_NAME", "MAIL_QUEUE_URL")
	api, err := httpapi.NewAccountsAPI(deps.Accounts(), deps.Clock, httpapi.Options{RoleClaim: env.RoleClaim, Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

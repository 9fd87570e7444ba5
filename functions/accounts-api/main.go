// Command accounts-api is the Lambda behind the HTTP API's account routes:
// liveness, holder accounts and provider registration, and staff's imports
// of holders.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func main() {
	p := app.Lambda("AccountsApi")
	api, err := httpapi.NewAccountsAPI(p.Accounts(), p.Clock, p.Renewals(nil), p.HolderImport(), p.Undeliverable(), p.EmailPrefs(p.Secret(p.Env.UnsubscribeKeyParameter)), httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log, Roles: p.Accounts()})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

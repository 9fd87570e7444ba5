// Command attendance-api is the Lambda behind the attendance routes: it
// takes a provider's roster (CSV or JSON rows), checks it whole, stores it
// and queues its crediting; and it reports an upload's per-row results.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func main() {
	p := app.Lambda("AttendanceApi")
	api, err := httpapi.NewAttendanceAPI(p.Attendance(), httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

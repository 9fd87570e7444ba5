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
	deps, env, _ := app.Lambda("TABLE_NAME", "ATTENDANCE_CREDITING_QUEUE_URL")
	api, err := httpapi.NewAttendanceAPI(deps.Attendance(), httpapi.Options{RoleClaim: env.RoleClaim, Logger: deps.Log})
	if err != nil {
		app.Exit(deps.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

// Command program-validator is the program-validation queue's consumer: it
// checks each submitted application (complete, consistent, not started when
// submitted) and either refuses it with the reasons or passes it on to the
// fee step.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	deps, _, _ := app.Lambda("TABLE_NAME", "MAIL_QUEUE_URL", "PROGRAM_FEE_QUEUE_URL")
	svc := deps.Programs(nil) // a consumer starts no checkout
	lambda.Start(consumer.Handler("program-validation", svc.Validate, deps.Log))
}

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
	p := app.Lambda("ProgramValidator")
	svc := p.Programs(nil) // a consumer starts no checkout
	lambda.Start(consumer.Handler(p.Function.Queue, svc.Validate, p.Log))
}

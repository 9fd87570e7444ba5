// Command attendance-crediter is the crediting queue's consumer: it credits
// an upload one chunk of rows per message, and queues the next chunk in the
// same write that records the chunk done.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	p := app.Lambda("AttendanceCrediter")
	lambda.Start(consumer.Handler(p.Function.Queue, p.Attendance(nil).CreditChunk, p.Log))
}

// Command attendance-crediter is the crediting queue's consumer: it credits
// an upload one chunk of rows per message, and queues the next chunk in the
// same write that records the chunk done.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	deps, _, _ := app.Lambda("TABLE_NAME", "ATTENDANCE_CREDITING_QUEUE_URL")
	lambda.Start(consumer.Handler(attendance.Queue, deps.Attendance().CreditChunk, deps.Log))
}

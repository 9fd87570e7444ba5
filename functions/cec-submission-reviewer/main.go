// Command cec-submission-reviewer is the cec-submissions queue's consumer:
// it puts each recorded CEC submission in the staff review queue
// (received → in_review), picks it for a documentation audit at the
// policy's rate and emails the holder a receipt.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/submissions"
)

func main() {
	deps, _, _ := app.Lambda("TABLE_NAME", "MAIL_QUEUE_URL")
	lambda.Start(consumer.Handler(submissions.Queue, deps.Submissions().Review, deps.Log))
}

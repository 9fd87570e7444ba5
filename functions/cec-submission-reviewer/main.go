// Command cec-submission-reviewer is the cec-submissions queue's consumer:
// it puts each recorded CEC submission in the staff review queue
// (received → in_review), picks it for a documentation audit at the
// policy's rate and emails the holder a receipt.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	p := app.Lambda("CecSubmissionReviewer")
	lambda.Start(consumer.Handler(p.Function.Queue, p.Submissions().Review, p.Log))
}

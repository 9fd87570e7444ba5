// Command cec-submission-reviewer is the cec-submissions queue's consumer:
// it puts each recorded CEC submission in the staff review queue
// (received → in_review), picks it for a documentation audit at the
// policy's rate and emails the holder a receipt; and it removes the files
// of a submission staff refused whole.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/files/s3files"
)

func main() {
	p := app.Lambda("CecSubmissionReviewer")
	reviewer := p.SubmissionReviewer(s3files.New(s3files.NewClient(p.AWS, false), p.Env.DocumentsBucket))
	lambda.Start(consumer.Handler(p.Function.Queue, reviewer.Review, p.Log))
}

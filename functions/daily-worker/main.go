// Command daily-worker is the daily work queue's consumer: each message is
// one piece of a daily job (a page of renewal invoices, a page of one
// reminder list), done within the invocation's time and queuing the next.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	p := app.Lambda("DailyWorker")
	lambda.Start(consumer.Handler(p.Function.Queue, p.DailyWorker().Handle, p.Log))
}

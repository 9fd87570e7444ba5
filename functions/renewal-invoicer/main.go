// Command renewal-invoicer is the daily renewal invoice job's schedule: on
// and after the policy's issue date, once a week, it plans a sweep that
// creates the coming renewal year's invoice of every holder with
// credentials; DailyWorker does it, a page of the sparse RENEWABLE# index
// of GSI2 at a time (never a scan), once per holder however often it runs.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
)

func main() {
	svc := app.Lambda("RenewalInvoicer").Renewals(nil) // the job starts no checkout
	lambda.Start(func(ctx context.Context) error {
		_, err := svc.IssueDue(ctx)
		return err
	})
}

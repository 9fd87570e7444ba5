// Command payment-settler is the payments queue's consumer: it applies each
// verified payment event to the invoice it names (program application fees:
// paid → in review, failures and refunds recorded, mismatches flagged;
// renewal invoices likewise), queueing the receipt of each payment.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	p := app.Lambda("PaymentSettler")
	lambda.Start(consumer.Handler(p.Function.Queue, p.PaymentSettler().Settle, p.Log))
}

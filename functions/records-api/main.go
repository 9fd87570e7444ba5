// Command records-api is the Lambda behind the records a person prints or
// keeps, drawn as PDFs on the server: the receipt of a renewal's payment.
// It alone links the PDF library. It also serves staff the payments ledger
// and its CSV for the bookkeeper.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/app/mailapp"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/records"
)

func main() {
	p := app.Lambda("RecordsApi")
	// Staff's preview of the emails links the template engine here too.
	previews, err := mailapp.NewPreviews(p.Deps)
	if err != nil {
		app.Exit(p.Log, "email templates", err)
	}
	api, err := httpapi.NewRecordsAPI(httpapi.RecordServices{Attendance: p.Attendance(nil), Renewals: p.Renewals(nil), Transcript: p.Transcript(), Programs: p.Programs(nil), Ledger: p.Ledger(), PaymentIssues: p.PaymentIssues(), Dashboard: p.Dashboard(),
		Emails: previews},
		httpapi.Drawings{Receipt: records.RenewalReceiptPDF(p.Policy), Invoice: records.InvoicePDF(p.Policy), FeeReceipt: records.FeeReceiptPDF(p.Policy), Filing: records.FilingReceiptPDF(p.Policy), Certificate: records.CertificatePDF(p.Policy),
			Transcript: records.TranscriptPDF(p.Policy)}, p.Clock,
		httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log, Roles: p.Accounts()})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

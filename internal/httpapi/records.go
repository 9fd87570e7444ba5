package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/dashboard"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/transcript"
)

// Drawings draw records as PDFs (records.RenewalReceiptPDF,
// records.CertificatePDF). They are passed in, so that this package,
// which every API function links, does not link the PDF library: only
// records-api does.
type Drawings struct {
	Receipt     func(inv renewals.Invoice) ([]byte, error)
	Invoice     func(inv renewals.Invoice, at time.Time) ([]byte, error)
	FeeReceipt  func(p programs.Program) ([]byte, error)
	Filing      func(f attendance.FilingInvoice) ([]byte, error)
	Certificate func(h accounts.Holder, a credits.Activity) ([]byte, error)
	Transcript  func(st transcript.Status, at time.Time) ([]byte, error)
}

// NewRecordsAPI is the handler of the records-api Lambda: the records a
// person prints or keeps, as PDFs drawn on the server (docs/records.md).
func NewRecordsAPI(svc RecordServices, draw Drawings, clk clock.Clock, opts Options) (*API, error) {
	h := recordHandlers{attendance: svc.Attendance, renewals: svc.Renewals, transcript: svc.Transcript, programs: svc.Programs, ledger: svc.Ledger, issues: svc.PaymentIssues, dashboard: svc.Dashboard, previews: svc.Emails, draw: draw, clock: clk}
	holder := Roles(identity.RoleHolder)
	var emails []Route
	if svc.Emails != nil {
		emails = []Route{
			{Method: http.MethodGet, Path: "/emails", Access: Roles(identity.RoleStaff), Handle: h.emails},
			{Method: http.MethodGet, Path: "/emails/{name}", Access: Roles(identity.RoleStaff), Handle: h.emailPreview},
		}
	}
	return newAPI(append(emails, []Route{
		{Method: http.MethodGet, Path: "/holders/me/renewals/{year}/receipt", Access: holder, Handle: h.renewalReceipt},
		{Method: http.MethodGet, Path: "/holders/me/renewals/{year}/invoice", Access: holder, Handle: h.renewalInvoice},
		{Method: http.MethodGet, Path: "/holders/me/certificates/{programId}", Access: holder, Handle: h.certificate},
		{Method: http.MethodGet, Path: "/holders/me/transcripts/{year}", Access: holder, Handle: h.transcriptPDF},
		{Method: http.MethodGet, Path: "/programs/{programId}/fee/receipt", Access: Roles(identity.RoleProvider, identity.RoleStaff), Handle: h.feeReceipt},
		{Method: http.MethodGet, Path: "/programs/{programId}/attendance/{uploadId}/receipt", Access: Roles(identity.RoleProvider, identity.RoleStaff), Handle: h.filingReceipt},
		{Method: http.MethodGet, Path: "/payments", Access: Roles(identity.RoleStaff), Handle: h.payments},
		{Method: http.MethodGet, Path: "/payments/totals", Access: Roles(identity.RoleStaff), Handle: h.paymentTotals},
		{Method: http.MethodGet, Path: "/review/payment-issues", Access: Roles(identity.RoleStaff), Handle: h.paymentIssues},
		{Method: http.MethodGet, Path: "/dashboard", Access: Roles(identity.RoleStaff), Handle: h.figures},
		{Method: http.MethodPost, Path: "/review/payment-issues/{issueId}/notes", Access: Roles(identity.RoleStaff), Handle: h.paymentIssueNote},
	}...), opts)
}

// RecordServices are the services the records are read from.
type RecordServices struct {
	Attendance *attendance.Service
	Renewals   *renewals.Service
	Transcript *transcript.Service
	Programs   *programs.Service
	Ledger     *ledger.Service // the payments ledger and the bookkeeper's CSV
	// PaymentIssues is staff's queue of refunds and mismatches.
	PaymentIssues *ledger.IssueService
	Dashboard     *dashboard.Service // the office's numbers at a glance
	// Emails shows staff every email as it will read; nil: not served.
	Emails EmailPreviews
}

type recordHandlers struct {
	ledger     *ledger.Service
	issues     *ledger.IssueService
	dashboard  *dashboard.Service
	previews   EmailPreviews
	attendance *attendance.Service
	programs   *programs.Service
	renewals   *renewals.Service
	transcript *transcript.Service
	draw       Drawings
	clock      clock.Clock
}

// pdfResponse is a PDF offered for saving as name.
func pdfResponse(raw []byte, name string) Response {
	return Response{Raw: raw, ContentType: "application/pdf", Headers: map[string]string{
		"content-disposition": fmt.Sprintf("attachment; filename=%q", name)}}
}

func (h recordHandlers) renewalReceipt(ctx context.Context, r *Request) (Response, error) {
	year, err := yearParam(r)
	if err != nil {
		return Response{}, err
	}
	inv, err := h.renewals.Receipt(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	raw, err := h.draw.Receipt(inv)
	if err != nil {
		return Response{}, err
	}
	return pdfResponse(raw, fmt.Sprintf("receipt-%s.pdf", inv.ID)), nil
}

func (h recordHandlers) certificate(ctx context.Context, r *Request) (Response, error) {
	holder, a, err := h.transcript.Certificate(ctx, r.Caller, r.Params["programId"])
	if err != nil {
		return Response{}, err
	}
	raw, err := h.draw.Certificate(holder, a)
	if err != nil {
		return Response{}, err
	}
	return pdfResponse(raw, fmt.Sprintf("certificate-%s.pdf", a.ID)), nil
}

func (h recordHandlers) transcriptPDF(ctx context.Context, r *Request) (Response, error) {
	year, err := yearParam(r)
	if err != nil {
		return Response{}, err
	}
	st, err := h.transcript.Status(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	raw, err := h.draw.Transcript(st, h.clock.Now())
	if err != nil {
		return Response{}, err
	}
	return pdfResponse(raw, fmt.Sprintf("cec-transcript-%d.pdf", year)), nil
}

func (h recordHandlers) feeReceipt(ctx context.Context, r *Request) (Response, error) {
	p, err := h.programs.FeeReceipt(ctx, r.Caller, r.Params["programId"])
	if err != nil {
		return Response{}, err
	}
	raw, err := h.draw.FeeReceipt(p)
	if err != nil {
		return Response{}, err
	}
	return pdfResponse(raw, fmt.Sprintf("receipt-%s.pdf", p.Fee.InvoiceID)), nil
}

func (h recordHandlers) filingReceipt(ctx context.Context, r *Request) (Response, error) {
	inv, err := h.attendance.FilingReceipt(ctx, r.Caller, r.Params["programId"], r.Params["uploadId"])
	if err != nil {
		return Response{}, err
	}
	raw, err := h.draw.Filing(inv)
	if err != nil {
		return Response{}, err
	}
	return pdfResponse(raw, fmt.Sprintf("receipt-%s.pdf", inv.ID)), nil
}

func (h recordHandlers) renewalInvoice(ctx context.Context, r *Request) (Response, error) {
	year, err := yearParam(r)
	if err != nil {
		return Response{}, err
	}
	inv, err := h.renewals.Invoice(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	raw, err := h.draw.Invoice(inv, h.clock.Now())
	if err != nil {
		return Response{}, err
	}
	return pdfResponse(raw, fmt.Sprintf("invoice-%s.pdf", inv.ID)), nil
}

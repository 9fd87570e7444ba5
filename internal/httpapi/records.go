package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/renewals"
)

// Draw draws the record of an invoice as a PDF (records.RenewalReceiptPDF).
// It is passed in, so that this package, which every API function links,
// does not link the PDF library: only records-api does.
type Draw func(inv renewals.Invoice) ([]byte, error)

// NewRecordsAPI is the handler of the records-api Lambda: the records a
// person prints or keeps, as PDFs drawn on the server (docs/records.md);
// receipt draws a paid renewal's receipt.
func NewRecordsAPI(ren *renewals.Service, receipt Draw, opts Options) (*API, error) {
	h := recordHandlers{renewals: ren, receipt: receipt}
	return newAPI([]Route{
		{Method: http.MethodGet, Path: "/holders/me/renewals/{year}/receipt", Access: Roles(identity.RoleHolder), Handle: h.renewalReceipt},
	}, opts)
}

type recordHandlers struct {
	renewals *renewals.Service
	receipt  Draw
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
	raw, err := h.receipt(inv)
	if err != nil {
		return Response{}, err
	}
	return pdfResponse(raw, fmt.Sprintf("receipt-%s.pdf", inv.ID)), nil
}

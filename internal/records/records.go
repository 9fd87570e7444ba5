// Package records makes the records a person prints or keeps: PDFs drawn on
// the server from what the system holds, so that a receipt looks the same
// on every device and can be filed (issue 17, "Records out"). The first is
// the receipt of a renewal's payment.
//
// The PDFs are drawn with codeberg.org/go-pdf/fpdf (the maintained
// continuation of jung-kurt/gofpdf): pure Go, no dependencies, the
// standard PDF core fonts (so nothing is embedded and a receipt is a few
// kilobytes). It is linked only into the function that serves records
// (records-api), so that no other binary pays for it.
package records

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/renewals"
)

// Receipt is what a receipt says: who paid whom, for what, how much and
// when, with the references that find the payment again.
type Receipt struct {
	Association string // the payee
	PortalURL   string
	Support     string // where to ask
	Title       string // "Receipt"
	Number      string // the invoice ID: what the receipt is the receipt of
	PayerName   string
	PayerEmail  string
	For         string   // "Renewal 2028"
	Lines       []Line   // what the amount is made of
	Total       string   // "125.00 USD"
	PaidOn      string   // "March 12, 2027"
	Reference   string   // the payment provider's reference
	Notes       []string // anything else the payer should know
}

// Line is one item of a receipt.
type Line struct {
	What   string
	Amount string
}

// RenewalReceipt is the receipt of a paid renewal invoice, its dates in
// the association's time zone. It is an error for an unpaid invoice.
func RenewalReceipt(pol *policy.Policy, inv renewals.Invoice) (Receipt, error) {
	if inv.Status != renewals.Paid {
		return Receipt{}, fmt.Errorf("records: invoice %s is %s, not paid", inv.ID, inv.Status)
	}
	r := Receipt{Association: pol.Association.Name, PortalURL: pol.Association.PortalURL, Support: pol.Association.SupportEmail,
		Title: "Receipt", Number: inv.ID, PayerName: inv.HolderName, PayerEmail: inv.HolderEmail,
		For: fmt.Sprintf("Renewal %d", inv.Year), Total: checkout.Money(inv.TotalCents, inv.Currency),
		PaidOn: inv.PaidAt.In(pol.Association.Location()).Format("January 2, 2006")}
	for _, l := range inv.Lines {
		r.Lines = append(r.Lines, Line{What: lineName(pol, l.Code), Amount: checkout.Money(l.Cents, inv.Currency)})
	}
	for i := len(inv.Payments) - 1; i >= 0; i-- {
		if p := inv.Payments[i]; p.Kind == checkout.Succeeded {
			r.Reference = p.Reference
			if r.PaidOn == "" || inv.PaidAt.IsZero() {
				r.PaidOn = p.At.In(pol.Association.Location()).Format("January 2, 2006")
			}
			break
		}
	}
	r.Notes = append(r.Notes, fmt.Sprintf("This receipt confirms the payment of the %d renewal dues. The CECs the renewal needs are a separate step: see your CEC status.", inv.Year))
	return r, nil
}

// lineName is what a line of a renewal invoice is, for people: the
// credential's name, or the reinstatement fee.
func lineName(pol *policy.Policy, code string) string {
	if c, ok := pol.Credential(code); ok {
		return fmt.Sprintf("%s (%s) dues", c.Name, c.Code)
	}
	if code == renewals.LineReinstatement {
		return "Reinstatement fee (paid after the grace period)"
	}
	return code
}

// PDF draws r on one US Letter page, with created as the document's
// creation date, so that the same receipt gives the same bytes.
func (r Receipt) PDF(created time.Time) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetCatalogSort(true) // fonts and resources in one order: the same bytes each time
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetTitle(fmt.Sprintf("%s %s", r.Title, r.Number), true)
	pdf.SetAuthor(r.Association, true)
	// Uncompressed: a one-page receipt is a few kilobytes either way, and
	// its text stays searchable by tests and by tools that file it.
	pdf.SetCompression(false)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AddPage()
	// The core fonts are Windows-1252: names with other letters are
	// translated, and what has no counterpart becomes "?".
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	text := func(s string) string { return tr(s) }

	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 8, text(r.Association), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	if r.PortalURL != "" {
		pdf.CellFormat(0, 5, text(r.PortalURL), "", 1, "L", false, 0, "")
	}
	pdf.Ln(8)
	pdf.SetFont("Helvetica", "B", 20)
	pdf.CellFormat(0, 10, text(r.Title), "", 1, "L", false, 0, "")
	pdf.Ln(2)

	pdf.SetFont("Helvetica", "", 11)
	for _, kv := range [][2]string{
		{"Invoice", r.Number},
		{"Paid by", strings.TrimSpace(r.PayerName + "  " + r.PayerEmail)},
		{"For", r.For},
		{"Paid on", r.PaidOn},
		{"Payment reference", r.Reference},
	} {
		if kv[1] == "" {
			continue
		}
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(45, 7, text(kv[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(0, 7, text(kv[1]), "", "L", false)
	}
	pdf.Ln(4)

	pdf.SetFont("Helvetica", "B", 11)
	pdf.SetFillColor(235, 238, 242)
	pdf.CellFormat(130, 8, text("Item"), "B", 0, "L", true, 0, "")
	pdf.CellFormat(0, 8, text("Amount"), "B", 1, "R", true, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	for _, l := range r.Lines {
		pdf.CellFormat(130, 8, text(l.What), "B", 0, "L", false, 0, "")
		pdf.CellFormat(0, 8, text(l.Amount), "B", 1, "R", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(130, 9, text("Total paid"), "", 0, "L", false, 0, "")
	pdf.CellFormat(0, 9, text(r.Total), "", 1, "R", false, 0, "")
	pdf.Ln(6)

	pdf.SetFont("Helvetica", "", 10)
	for _, n := range r.Notes {
		pdf.MultiCell(0, 5, text(n), "", "L", false)
		pdf.Ln(2)
	}
	if r.Support != "" {
		pdf.MultiCell(0, 5, text("Questions about this receipt: "+r.Support), "", "L", false)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("records: draw %s: %w", r.Number, err)
	}
	return buf.Bytes(), nil
}

// RenewalReceiptPDF draws the receipt of a paid renewal invoice under pol,
// dated its payment (the same invoice, the same bytes).
func RenewalReceiptPDF(pol *policy.Policy) func(renewals.Invoice) ([]byte, error) {
	return func(inv renewals.Invoice) ([]byte, error) {
		r, err := RenewalReceipt(pol, inv)
		if err != nil {
			return nil, err
		}
		return r.PDF(inv.PaidAt)
	}
}

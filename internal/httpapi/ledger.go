package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/ledger"
)

// The payments ledger for staff (docs/payments.md#the-ledger): a page of
// entries as JSON, every entry of the range as the bookkeeper's CSV, and
// the totals per month and kind.

type ledgerEntryJSON struct {
	At                 string `json:"at"`
	EventID            string `json:"eventId"`
	Reference          string `json:"reference"`
	Status             string `json:"status"`
	AmountCents        int64  `json:"amountCents"`
	Currency           string `json:"currency"`
	Reason             string `json:"reason,omitempty"`
	Kind               string `json:"kind"`
	InvoiceID          string `json:"invoiceId"`
	ReinstatementCents int64  `json:"reinstatementCents"`
	PayerID            string `json:"payerId"`
	PayerName          string `json:"payerName"`
}

type ledgerPageJSON struct {
	Entries    []ledgerEntryJSON `json:"entries"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

type ledgerTotalJSON struct {
	Month      string `json:"month"`
	Kind       string `json:"kind"`
	Currency   string `json:"currency"`
	Succeeded  int64  `json:"succeededCents"`
	Refunded   int64  `json:"refundedCents"`
	Net        int64  `json:"netCents"`
	Mismatched int64  `json:"mismatchedCents"`
	Failed     int    `json:"failed"`
}

func ledgerFilter(r *Request) ledger.Filter {
	return ledger.Filter{From: r.Query.Get("from"), To: r.Query.Get("to"), Kind: r.Query.Get("kind")}
}

func (h recordHandlers) payments(ctx context.Context, r *Request) (Response, error) {
	f := ledgerFilter(r)
	if wantsCSV(r.Header.Get("Accept")) {
		rep, err := h.ledger.All(ctx, r.Caller, f)
		if err != nil {
			return Response{}, err
		}
		raw, err := ledgerCSV(rep.Entries, h.ledger.Loc)
		if err != nil {
			return Response{}, err
		}
		return Response{Raw: raw, ContentType: "text/csv; charset=utf-8", Headers: map[string]string{
			"content-disposition": fmt.Sprintf(`attachment; filename="payments-%s-to-%s.csv"`, f.From, f.To), "vary": "Accept"}}, nil
	}
	limit, err := limitIn(r.Query, defaultPageLimit, maxPageLimit)
	if err != nil {
		return Response{}, err
	}
	es, next, err := h.ledger.List(ctx, r.Caller, f, ledger.Page{Limit: limit, Cursor: r.Query.Get("cursor")})
	if err != nil {
		return Response{}, err
	}
	out := ledgerPageJSON{Entries: make([]ledgerEntryJSON, 0, len(es)), NextCursor: next}
	for _, e := range es {
		out.Entries = append(out.Entries, ledgerEntryJSON{At: e.At.UTC().Format(time.RFC3339), EventID: e.EventID, Reference: e.Reference,
			Status: string(e.Status), AmountCents: e.AmountCents, Currency: e.Currency, Reason: e.Reason, Kind: e.Kind, InvoiceID: e.InvoiceID,
			ReinstatementCents: e.ReinstatementCents, PayerID: e.PayerID, PayerName: e.PayerName})
	}
	return JSON(http.StatusOK, out), nil
}

func (h recordHandlers) paymentTotals(ctx context.Context, r *Request) (Response, error) {
	rep, err := h.ledger.All(ctx, r.Caller, ledgerFilter(r))
	if err != nil {
		return Response{}, err
	}
	out := struct {
		Totals []ledgerTotalJSON `json:"totals"`
	}{Totals: make([]ledgerTotalJSON, 0, len(rep.Totals))}
	for _, t := range rep.Totals {
		out.Totals = append(out.Totals, ledgerTotalJSON{Month: t.Month, Kind: t.Kind, Currency: t.Currency, Succeeded: t.Succeeded,
			Refunded: t.Refunded, Net: t.Net, Mismatched: t.Mismatched, Failed: t.Failed})
	}
	return JSON(http.StatusOK, out), nil
}

// ledgerHeader is the bookkeeper's CSV's first row.
var ledgerHeader = []string{"Date", "Time", "Kind", "Status", "Amount", "Currency", "Reinstatement fee", "Invoice", "Payer ID", "Payer",
	"Provider reference", "Event", "Note"}

// ledgerCSV writes entries as the bookkeeper's CSV: dates and times in the
// association's time zone, amounts as decimal money (a refund as it was
// reported, positive: the Status column says it is one).
func ledgerCSV(entries []ledger.Entry, loc *time.Location) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(ledgerHeader)
	money := func(cents int64) string {
		return strconv.FormatInt(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100)
	}
	for _, e := range entries {
		at := e.At.In(loc)
		reinst := ""
		if e.ReinstatementCents > 0 {
			reinst = money(e.ReinstatementCents)
		}
		_ = w.Write([]string{at.Format(time.DateOnly), at.Format("15:04:05"), e.Kind, string(e.Status), money(e.AmountCents), e.Currency, reinst,
			e.InvoiceID, e.PayerID, spreadsheetText(e.PayerName), spreadsheetText(e.Reference), e.EventID, spreadsheetText(e.Reason)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write ledger CSV: %w", err)
	}
	return buf.Bytes(), nil
}

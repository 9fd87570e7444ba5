package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/fault"
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
	Untaken            bool   `json:"untaken,omitempty"`
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
		out.Entries = append(out.Entries, ledgerEntryOut(e))
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
var ledgerHeader = []string{"Date", "Time", "UTC offset", "Kind", "Status", "Amount", "Currency", "Reinstatement fee", "Invoice", "Payer ID", "Payer",
	"Payment system reference", "Event", "Note"}

// ledgerKindWords and ledgerStatusWords are the CSV's words, the page's.
var (
	ledgerKindWords   = map[string]string{ledger.ApplicationFee: "Application fee", ledger.FilingFee: "Filing fee", ledger.Renewal: "Renewal"}
	ledgerStatusWords = map[string]string{"succeeded": "Paid", "failed": "Failed", "refunded": "Refunded", "mismatch": "Paid another amount (not taken)"}
)

// ledgerCSV writes entries as the bookkeeper's CSV: dates and times in the
// association's time zone, amounts as decimal money (a refund as it was
// reported, positive: the Status column says it is one).
func ledgerCSV(entries []ledger.Entry, loc *time.Location) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(ledgerHeader)
	money := func(cents int64) string {
		sign := ""
		if cents < 0 {
			sign, cents = "-", -cents
		}
		return sign + strconv.FormatInt(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100)
	}
	for _, e := range entries {
		at := e.At.In(loc)
		reinst := ""
		if e.ReinstatementCents > 0 {
			reinst = money(e.ReinstatementCents)
		}
		status := ledgerStatusWords[string(e.Status)]
		if e.Untaken {
			status = "Refunded (another amount, never taken)"
		}
		_ = w.Write([]string{at.Format(time.DateOnly), at.Format("15:04:05"), at.Format("-07:00"), ledgerKindWords[e.Kind], status, money(e.AmountCents), e.Currency, reinst,
			e.InvoiceID, e.PayerID, spreadsheetText(e.PayerName), spreadsheetText(e.Reference), e.EventID, spreadsheetText(e.Reason)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write ledger CSV: %w", err)
	}
	return buf.Bytes(), nil
}

type issueNoteJSON struct {
	At       string `json:"at"`
	By       string `json:"by"`
	Note     string `json:"note"`
	Resolved bool   `json:"resolved"`
}

type paymentIssueJSON struct {
	IssueID string `json:"issueId"`
	Why     string `json:"why"`
	ledgerEntryJSON
	Notes      []issueNoteJSON `json:"notes"`
	Resolved   bool            `json:"resolved"`
	ResolvedAt string          `json:"resolvedAt,omitempty"`
	ResolvedBy string          `json:"resolvedBy,omitempty"`
}

func ledgerEntryOut(e ledger.Entry) ledgerEntryJSON {
	return ledgerEntryJSON{At: e.At.UTC().Format(time.RFC3339), EventID: e.EventID, Reference: e.Reference,
		Status: string(e.Status), AmountCents: e.AmountCents, Currency: e.Currency, Reason: e.Reason, Kind: e.Kind, InvoiceID: e.InvoiceID,
		ReinstatementCents: e.ReinstatementCents, PayerID: e.PayerID, PayerName: e.PayerName, Untaken: e.Untaken}
}

func paymentIssueOut(is ledger.Issue) paymentIssueJSON {
	out := paymentIssueJSON{IssueID: is.ID(), Why: is.Why, ledgerEntryJSON: ledgerEntryOut(is.Entry), Notes: []issueNoteJSON{}, Resolved: is.Resolved,
		ResolvedBy: is.ResolvedBy}
	if !is.ResolvedAt.IsZero() {
		out.ResolvedAt = is.ResolvedAt.UTC().Format(time.RFC3339)
	}
	for _, n := range is.Notes {
		out.Notes = append(out.Notes, issueNoteJSON{At: n.At.UTC().Format(time.RFC3339), By: n.By, Note: n.Text, Resolved: n.Resolved})
	}
	return out
}

func (h recordHandlers) paymentIssues(ctx context.Context, r *Request) (Response, error) {
	limit, err := limitIn(r.Query, defaultPageLimit, maxPageLimit)
	if err != nil {
		return Response{}, err
	}
	var resolved bool
	switch r.Query.Get("status") {
	case "", "open":
	case "resolved":
		resolved = true
	default:
		return Response{}, invalidFields(fault.Detail{Field: "status", Code: "invalid_value", Message: "must be open or resolved"})
	}
	is, next, err := h.issues.Queue(ctx, r.Caller, resolved, ledger.Page{Limit: limit, Cursor: r.Query.Get("cursor")})
	if err != nil {
		return Response{}, err
	}
	out := struct {
		Issues     []paymentIssueJSON `json:"issues"`
		NextCursor string             `json:"nextCursor,omitempty"`
	}{Issues: make([]paymentIssueJSON, 0, len(is)), NextCursor: next}
	for _, i := range is {
		out.Issues = append(out.Issues, paymentIssueOut(i))
	}
	return JSON(http.StatusOK, out), nil
}

func (h recordHandlers) paymentIssueNote(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Note     string `json:"note"`
		Resolved *bool  `json:"resolved"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	is, err := h.issues.AddNote(ctx, r.Caller, r.Params["issueId"], in.Note, in.Resolved != nil && *in.Resolved)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, paymentIssueOut(is)), nil
}

type countJSON struct {
	Key   string `json:"key"`
	Value int64  `json:"value"`
}

// figures answers the office's numbers at a glance.
func (h recordHandlers) figures(ctx context.Context, r *Request) (Response, error) {
	f, err := h.dashboard.Figures(ctx, r.Caller)
	if err != nil {
		return Response{}, err
	}
	type revenueJSON struct {
		Month           string `json:"month"`
		Currency        string `json:"currency,omitempty"`
		ApplicationFees int64  `json:"applicationFeesCents"`
		FilingFees      int64  `json:"filingFeesCents"`
		Renewals        int64  `json:"renewalsCents"`
	}
	type weekJSON struct {
		Week        string `json:"week"`
		Invoiced    int64  `json:"invoiced"`
		Paid        int64  `json:"paid"`
		Outstanding int64  `json:"outstanding"`
	}
	type seasonJSON struct {
		Year        int        `json:"year"`
		Invoiced    int64      `json:"invoiced"`
		Paid        int64      `json:"paid"`
		Outstanding int64      `json:"outstanding"`
		Lapsed      *int64     `json:"lapsed,omitempty"`
		Weeks       []weekJSON `json:"weeks"`
	}
	type creditedJSON struct {
		Month   string    `json:"month"`
		Credits int64     `json:"credits"`
		CECs    cec.Hours `json:"cecs"`
	}
	type providerJSON struct {
		ProviderID string      `json:"providerId"`
		Name       string      `json:"name,omitempty"`
		ByStatus   []countJSON `json:"byStatus"`
		Total      int64       `json:"total"`
	}
	type complianceJSON struct {
		Year    int         `json:"year"`
		Met     int64       `json:"met"`
		Short   int64       `json:"short"`
		ShortBy []countJSON `json:"shortBy"`
	}
	out := struct {
		Compliance       complianceJSON `json:"compliance"`
		ProgramsByStatus []countJSON    `json:"programsByStatus"`
		TopProviders     []providerJSON `json:"topProviders"`
		Providers        int            `json:"providers"`
		Revenue          []revenueJSON  `json:"revenue"`
		Season           seasonJSON     `json:"season"`
		Credited         []creditedJSON `json:"credited"`
	}{ProgramsByStatus: make([]countJSON, 0, len(f.ProgramsByStatus)), Revenue: make([]revenueJSON, 0, len(f.Revenue)),
		Credited: make([]creditedJSON, 0, len(f.Credited)), TopProviders: make([]providerJSON, 0, len(f.TopProviders)), Providers: f.Providers,
		Season: seasonJSON{Year: f.Season.Year, Invoiced: f.Season.Invoiced, Paid: f.Season.Paid, Outstanding: f.Season.Outstanding, Weeks: []weekJSON{}}}
	if f.Season.LapseKnown {
		out.Season.Lapsed = &f.Season.Lapsed
	}
	for _, w := range f.Season.Weeks {
		out.Season.Weeks = append(out.Season.Weeks, weekJSON{Week: w.Week, Invoiced: w.Invoiced, Paid: w.Paid, Outstanding: w.Outstanding})
	}
	for _, c := range f.ProgramsByStatus {
		out.ProgramsByStatus = append(out.ProgramsByStatus, countJSON{Key: c.Key, Value: c.Value})
	}
	for _, r := range f.Revenue {
		out.Revenue = append(out.Revenue, revenueJSON{Month: r.Month, Currency: r.Currency, ApplicationFees: r.ApplicationFees,
			FilingFees: r.FilingFees, Renewals: r.Renewals})
	}
	out.Compliance = complianceJSON{Year: f.Compliance.Year, Met: f.Compliance.Met, Short: f.Compliance.Short, ShortBy: []countJSON{}}
	for _, c := range f.Compliance.ShortBy {
		out.Compliance.ShortBy = append(out.Compliance.ShortBy, countJSON{Key: c.Key, Value: c.Value})
	}
	for _, p := range f.TopProviders {
		pj := providerJSON{ProviderID: p.ID, Name: p.Name, Total: p.Total, ByStatus: make([]countJSON, 0, len(p.ByStatus))}
		for _, c := range p.ByStatus {
			pj.ByStatus = append(pj.ByStatus, countJSON{Key: c.Key, Value: c.Value})
		}
		out.TopProviders = append(out.TopProviders, pj)
	}
	for _, m := range f.Credited {
		out.Credited = append(out.Credited, creditedJSON{Month: m.Month, Credits: m.Credits, CECs: m.CECs})
	}
	return JSON(http.StatusOK, out), nil
}

package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/renewals"
)

// RenewalRoutes are the holder's renewal routes (SPEC §4): the year's
// invoice with the four steps, and the checkout of its dues; and staff's
// list of a holder's invoices with their payments and flags (SPEC §5c).
func RenewalRoutes(svc *renewals.Service) []Route {
	h := renewalHandlers{svc: svc}
	holder := Roles(identity.RoleHolder)
	return []Route{
		{Method: http.MethodGet, Path: "/holders/me/renewals/{year}", Access: holder, Handle: h.get},
		{Method: http.MethodPost, Path: "/holders/me/renewals/{year}/checkout", Access: holder, Handle: h.checkout},
		{Method: http.MethodGet, Path: "/holders/{holderId}/renewals", Access: Roles(identity.RoleStaff), Handle: h.ofHolder},
		{Method: http.MethodPut, Path: "/holders/{holderId}/renewals/{year}/lapse", Access: Roles(identity.RoleStaff), Handle: h.setLapse},
	}
}

type renewalHandlers struct{ svc *renewals.Service }

type renewalLineJSON struct {
	Credential string `json:"credential"`
	Cents      int64  `json:"cents"`
}

type renewalInvoiceJSON struct {
	InvoiceID    string            `json:"invoiceId"`
	Year         int               `json:"year"`
	Credentials  []string          `json:"credentials"`
	Lines        []renewalLineJSON `json:"lines"`
	TotalCents   int64             `json:"totalCents"`
	Currency     string            `json:"currency"`
	CECsRequired cec.Hours         `json:"cecsRequired"`
	DueOn        string            `json:"dueOn"`
	GraceUntil   string            `json:"graceUntil"`
	Status       string            `json:"status"`
	Lapsed       bool              `json:"lapsed"`
	IssuedAt     time.Time         `json:"issuedAt"`
	PaidAt       *time.Time        `json:"paidAt"`
}

// holderRenewalJSON is a renewal invoice as staff read it: with what the
// payment provider reported and the flag.
type holderRenewalJSON struct {
	renewalInvoiceJSON
	Payments     []paymentJSON     `json:"payments"`
	Flag         *string           `json:"flag"`
	LapseWaived  bool              `json:"lapseWaived"`
	LapseChanges []lapseChangeJSON `json:"lapseChanges"`
}

type lapseChangeJSON struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Waived bool      `json:"waived"`
	Reason string    `json:"reason"`
}

type holderRenewalPageJSON struct {
	Invoices   []holderRenewalJSON `json:"invoices"`
	NextCursor string              `json:"nextCursor,omitempty"`
}

type renewalStepJSON struct {
	Step string `json:"step"`
	Done bool   `json:"done"`
}

type renewalJSON struct {
	Year     int                `json:"year"`
	Invoice  renewalInvoiceJSON `json:"invoice"`
	Steps    []renewalStepJSON  `json:"steps"`
	Complete bool               `json:"complete"`
}

type renewalCheckoutJSON struct {
	Reference   string `json:"reference"`
	URL         string `json:"url"`
	InvoiceID   string `json:"invoiceId"`
	AmountCents int64  `json:"amountCents"`
	Currency    string `json:"currency"`
}

// yearParam reads the {year} path parameter.
func yearParam(r *Request) (int, error) {
	y, err := strconv.Atoi(r.Params["year"])
	if err != nil || y < 2000 || y > 2100 {
		return 0, fault.New(fault.Invalid, "invalid_request", "invalid path parameter",
			fault.Detail{Field: "year", Code: "invalid_value", Message: "must be a renewal year from 2000 to 2100"})
	}
	return y, nil
}

func (h renewalHandlers) get(ctx context.Context, r *Request) (Response, error) {
	year, err := yearParam(r)
	if err != nil {
		return Response{}, err
	}
	v, err := h.svc.Renewal(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, renewalOut(v)), nil
}

// checkout starts the payment of the year's dues and answers with the
// invoice it pays, read again (StartCheckout returns the session only).
func (h renewalHandlers) checkout(ctx context.Context, r *Request) (Response, error) {
	year, err := yearParam(r)
	if err != nil {
		return Response{}, err
	}
	co, err := h.svc.StartCheckout(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	v, err := h.svc.Renewal(ctx, r.Caller, year)
	if err != nil {
		return Response{}, fmt.Errorf("read renewal %d after its checkout %s: %w", year, co.Reference, err)
	}
	inv := v.Invoice
	return JSON(http.StatusOK, renewalCheckoutJSON{Reference: co.Reference, URL: co.URL, InvoiceID: inv.ID,
		AmountCents: inv.TotalCents, Currency: inv.Currency}), nil
}

func (h renewalHandlers) ofHolder(ctx context.Context, r *Request) (Response, error) {
	pg, err := pageIn(r.Query)
	if err != nil {
		return Response{}, err
	}
	invs, next, err := h.svc.HolderInvoices(ctx, r.Caller, r.Params["holderId"], renewals.Page{Limit: pg.Limit, Cursor: pg.Cursor})
	if err != nil {
		return Response{}, err
	}
	out := holderRenewalPageJSON{Invoices: make([]holderRenewalJSON, 0, len(invs)), NextCursor: next}
	for _, inv := range invs {
		out.Invoices = append(out.Invoices, holderRenewalOut(inv))
	}
	return JSON(http.StatusOK, out), nil
}

// holderRenewalOut is an invoice as staff read it.
func holderRenewalOut(inv renewals.Invoice) holderRenewalJSON {
	x := holderRenewalJSON{renewalInvoiceJSON: renewalInvoiceOut(inv), Payments: paymentsOut(inv.Payments),
		Flag: optString(inv.Flag), LapseWaived: inv.LapseWaived, LapseChanges: make([]lapseChangeJSON, 0, len(inv.LapseChanges))}
	for _, c := range inv.LapseChanges {
		x.LapseChanges = append(x.LapseChanges, lapseChangeJSON{At: c.At.UTC(), By: c.By, Waived: c.Waived, Reason: c.Reason})
	}
	return x
}

// setLapse is staff reversing a renewal's lapse, or undoing that.
func (h renewalHandlers) setLapse(ctx context.Context, r *Request) (Response, error) {
	year, err := yearParam(r)
	if err != nil {
		return Response{}, err
	}
	var in struct {
		Waived *bool  `json:"waived"`
		Reason string `json:"reason"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	inv, err := h.svc.SetLapseWaived(ctx, r.Caller, r.Params["holderId"], year, in.Waived != nil && *in.Waived, in.Reason)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, holderRenewalOut(inv)), nil
}

func renewalOut(v renewals.View) renewalJSON {
	out := renewalJSON{Year: v.Invoice.Year, Complete: v.Complete, Steps: make([]renewalStepJSON, 0, len(v.Steps)),
		Invoice: renewalInvoiceOut(v.Invoice)}
	for _, s := range v.Steps {
		out.Steps = append(out.Steps, renewalStepJSON{Step: s.Name, Done: s.Done})
	}
	return out
}

func renewalInvoiceOut(inv renewals.Invoice) renewalInvoiceJSON {
	out := renewalInvoiceJSON{InvoiceID: inv.ID, Year: inv.Year, Credentials: inv.Credentials,
		Lines: make([]renewalLineJSON, 0, len(inv.Lines)), TotalCents: inv.TotalCents, Currency: inv.Currency,
		CECsRequired: inv.CECsRequired, DueOn: inv.DueOn, GraceUntil: inv.GraceUntil, Status: string(inv.Status), Lapsed: inv.Lapsed,
		IssuedAt: inv.IssuedAt.UTC()}
	if out.Credentials == nil {
		out.Credentials = []string{}
	}
	for _, l := range inv.Lines {
		out.Lines = append(out.Lines, renewalLineJSON{Credential: l.Code, Cents: l.Cents})
	}
	if !inv.PaidAt.IsZero() {
		t := inv.PaidAt.UTC()
		out.PaidAt = &t
	}
	return out
}

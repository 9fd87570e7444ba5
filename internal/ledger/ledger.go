// Package ledger is the association's payments ledger: every event the
// payment provider reported on every invoice (program application fees,
// filing fees, renewals with their reinstatement fees), as it was recorded
// on the invoice, for staff to read and the bookkeeper to reconcile. An
// entry is written in the same transaction as the payment it mirrors (the
// stores of the three invoices do it), so the ledger never misses or
// doubles a payment the invoices hold.
package ledger

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
)

// Kinds of invoice a payment is for.
const (
	ApplicationFee = "application_fee" // a program's application fee
	FilingFee      = "filing_fee"      // an attendance report's filing fee
	Renewal        = "renewal"         // a renewal's dues (and reinstatement fee)
)

// Reinstatement filters the renewal payments (and refunds) that hold a
// reinstatement fee.
const Reinstatement = "reinstatement"

// Kinds are the filters of the ledger, in the order the totals list them.
var Kinds = []string{ApplicationFee, FilingFee, Renewal, Reinstatement}

// Entry is one payment event recorded on an invoice.
type Entry struct {
	At          time.Time // when it was recorded
	EventID     string    // the payment provider's event
	Reference   string    // the provider's object (checkout session, payment intent)
	Status      checkout.PaymentKind
	AmountCents int64
	Currency    string
	Reason      string // of a mismatch or a quoted amount
	Kind        string // ApplicationFee, FilingFee or Renewal
	InvoiceID   string
	// ReinstatementCents is the part of AmountCents that is a renewal's
	// reinstatement fee: what the payment (or refund) holds beyond the
	// invoice's other lines.
	ReinstatementCents int64
	PayerID            string // the provider's or holder's ID
	PayerName          string
	// Untaken: a refund of money never taken as payment (a payment of
	// another amount, refunded before the invoice was paid).
	Untaken bool
}

// Of is the entry of payment p recorded on an invoice of kind.
func Of(p checkout.Payment, kind, invoiceID, payerID, payerName string) Entry {
	return Entry{At: p.At, EventID: p.EventID, Reference: p.Reference, Status: p.Kind, AmountCents: p.AmountCents,
		Currency: p.Currency, Reason: p.Reason, Kind: kind, InvoiceID: invoiceID, PayerID: payerID, PayerName: payerName}
}

// ReinstatementPart is the part of amount that pays a reinstatement fee of
// fee on an invoice of total: what is beyond the invoice's other lines
// (none of an earlier checkout's amount, paid before the fee was added).
func ReinstatementPart(amount, total, fee int64) int64 {
	return max(0, min(fee, amount-(total-fee)))
}

// Refund makes refund p, recorded after the payments prior, what the
// ledger keeps: the payment provider reports what was refunded in all on a
// charge, so the entry's amount is what this refund adds; and a refund
// before any payment was taken returns money never taken (untaken).
func Refund(p checkout.Payment, prior []checkout.Payment) (adjusted checkout.Payment, untaken bool) {
	var before int64
	taken := false
	for _, x := range prior {
		switch {
		case x.Kind == checkout.Refunded && x.Reference == p.Reference:
			before = max(before, x.AmountCents)
		case x.Kind == checkout.Succeeded:
			taken = true
		}
	}
	if before > 0 && p.AmountCents >= before {
		p.Reason = strings.TrimSpace(p.Reason + " " + fmt.Sprintf("(%s refunded in all on this charge)", checkout.Money(p.AmountCents, p.Currency)))
		p.AmountCents -= before
	}
	return p, !taken
}

// Page asks for one page of entries.
type Page struct {
	Limit  int
	Cursor string
}

// Store reads the ledger.
type Store interface {
	// Between lists one page of the entries recorded from from (inclusive)
	// to to (exclusive), oldest first; a cursor it did not give is a
	// fault.Invalid invalid_cursor.
	Between(ctx context.Context, from, to time.Time, pg Page) ([]Entry, string, error)
}

// MaxDays bounds a range: a quarter's entries at ten times the stated
// scale fit one download (docs/payments.md#the-ledger).
const MaxDays = 93

// Filter is what staff ask of the ledger: civil dates From to To inclusive
// in the association's time zone, and a kind ("" for all).
type Filter struct {
	From, To string // YYYY-MM-DD
	Kind     string
}

// Service reads the ledger for staff.
type Service struct {
	Store Store
	Loc   *time.Location // the association's time zone: dates and months are its
}

// span checks f and returns its instants.
func (s *Service) span(c identity.Caller, f Filter) (from, to time.Time, err error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return time.Time{}, time.Time{}, err
	}
	var d []fault.Detail
	day := func(field, v string) time.Time {
		t, err := time.ParseInLocation(time.DateOnly, v, s.Loc)
		if err != nil {
			d = append(d, fault.Detail{Field: field, Code: "invalid_date", Message: "must be a date YYYY-MM-DD"})
		}
		return t
	}
	from, to = day("from", f.From), day("to", f.To)
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		d = append(d, fault.Detail{Field: "kind", Code: "invalid_value", Message: "must be application_fee, filing_fee, renewal or reinstatement"})
	}
	if len(d) == 0 {
		switch {
		case to.Before(from):
			d = append(d, fault.Detail{Field: "to", Code: "before_from", Message: "must not be before the first date"})
		case civilDays(from, to) >= MaxDays:
			d = append(d, fault.Detail{Field: "to", Code: "too_long", Message: fmt.Sprintf("must make a range of at most %d days, both dates included", MaxDays)})
		}
	}
	if len(d) > 0 {
		return time.Time{}, time.Time{}, fault.New(fault.Invalid, "invalid_request", "the ledger's range has invalid fields", d...)
	}
	return from, to.AddDate(0, 0, 1), nil
}

// civilDays counts the calendar days from a to b, whatever the clocks did
// between (a summer time change is a 23-hour day).
func civilDays(a, b time.Time) int {
	d := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	return int(d(b).Sub(d(a)).Hours() / 24)
}

// keep reports whether e is of kind ("" for every kind).
func keep(e Entry, kind string) bool {
	switch kind {
	case "":
		return true
	case Reinstatement:
		return e.Kind == Renewal && e.ReinstatementCents > 0
	}
	return e.Kind == kind
}

// List is one page of the entries of f, oldest first, for staff.
// Errors: Unauthenticated; Forbidden unless staff; Invalid (a date, the
// kind, the range, the cursor).
func (s *Service) List(ctx context.Context, c identity.Caller, f Filter, pg Page) ([]Entry, string, error) {
	from, to, err := s.span(c, f)
	if err != nil {
		return nil, "", err
	}
	// A kind is kept from what is read: read on, asking no more than the
	// page still needs (so that the cursor never skips an entry), until it
	// is full, the range ends, or maxReads Queries found too few.
	limit := pg.Limit
	if limit <= 0 {
		limit = 50
	}
	var out []Entry
	for range maxReads {
		es, next, err := s.Store.Between(ctx, from, to, Page{Limit: limit - len(out), Cursor: pg.Cursor})
		if err != nil {
			return nil, "", err
		}
		for _, e := range es {
			if keep(e, f.Kind) {
				out = append(out, e)
			}
		}
		pg.Cursor = next
		if next == "" || len(out) == limit {
			break
		}
	}
	return out, pg.Cursor, nil
}

// maxReads bounds the reads of one page of a kind: a rare kind over a long
// range answers a short page, with the cursor to go on.
const maxReads = 20

// Report is every entry of f and its totals: what the bookkeeper
// downloads.
type Report struct {
	Entries []Entry
	Totals  []Total // by month, then kind (Kinds' order)
}

// Total is one kind's payments in one month (the association's).
type Total struct {
	Month     string // YYYY-MM
	Kind      string
	Currency  string
	Succeeded int64 // cents taken as payment
	Refunded  int64
	Net       int64 // Succeeded − Refunded
	// Mismatched: paid with another amount or currency, not taken, less
	// what of it was refunded: held, for staff to refund or settle. Failed
	// counts failed attempts.
	Mismatched int64
	Failed     int
}

// All reads every entry of f (at most MaxDays of them) and totals them
// per month and kind. A renewal that paid a reinstatement fee counts in
// renewal and, for that fee's part, in reinstatement.
// Errors: as List.
func (s *Service) All(ctx context.Context, c identity.Caller, f Filter) (Report, error) {
	from, to, err := s.span(c, f)
	if err != nil {
		return Report{}, err
	}
	var r Report
	pg := Page{Limit: 1000}
	for {
		es, next, err := s.Store.Between(ctx, from, to, pg)
		if err != nil {
			return Report{}, err
		}
		for _, e := range es {
			if keep(e, f.Kind) {
				r.Entries = append(r.Entries, e)
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	r.Totals = Totals(r.Entries, s.Loc)
	if f.Kind != "" { // only the kind asked for: a reinstatement's renewal row is not one
		r.Totals = slices.DeleteFunc(r.Totals, func(t Total) bool { return t.Kind != f.Kind })
	}
	return r, nil
}

// The fields of the revenue counters (docs/dashboard.md): what a payment
// event adds, as Totals counts it.
const (
	FieldTaken    = "taken"
	FieldRefunded = "refunded"
	FieldHeld     = "held"
	FieldFailed   = "failed"
)

// RevenueName is a revenue counter's attribute: month (YYYY-MM), kind,
// currency and field, space-separated.
func RevenueName(month, kind, currency, field string) string {
	return month + " " + kind + " " + currency + " " + field
}

// Count is what an entry adds to one kind's figures: a field and a number.
type Count struct {
	Kind, Field string
	N           int64
}

// Counts is what e adds to the figures, the one rule of Totals and of the
// dashboard's counters: to its kind, and for a renewal that holds a
// reinstatement fee, the fee's part to Reinstatement. Money taken, refunded,
// or held (another amount, less what of it was given back); a failure
// counts one.
func (e Entry) Counts() []Count {
	one := func(kind string, cents int64) []Count {
		switch {
		case e.Status == checkout.Succeeded:
			return []Count{{kind, FieldTaken, cents}}
		case e.Status == checkout.Refunded && e.Untaken: // held money given back
			return []Count{{kind, FieldHeld, -cents}}
		case e.Status == checkout.Refunded:
			return []Count{{kind, FieldRefunded, cents}}
		case e.Status == checkout.Mismatch:
			return []Count{{kind, FieldHeld, cents}}
		case e.Status == checkout.Failed:
			return []Count{{kind, FieldFailed, 1}}
		}
		return nil
	}
	out := one(e.Kind, e.AmountCents)
	if e.Kind == Renewal && e.ReinstatementCents > 0 {
		out = append(out, one(Reinstatement, e.ReinstatementCents)...)
	}
	return out
}

// Totals sums entries per month (in loc), kind and currency.
func Totals(entries []Entry, loc *time.Location) []Total {
	type key struct{ month, kind, currency string }
	sums := map[key]*Total{}
	for _, e := range entries {
		month := e.At.In(loc).Format("2006-01")
		for _, c := range e.Counts() {
			k := key{month, c.Kind, e.Currency}
			t := sums[k]
			if t == nil {
				t = &Total{Month: k.month, Kind: k.kind, Currency: k.currency}
				sums[k] = t
			}
			switch c.Field {
			case FieldTaken:
				t.Succeeded += c.N
			case FieldRefunded:
				t.Refunded += c.N
			case FieldHeld:
				t.Mismatched += c.N
			case FieldFailed:
				t.Failed += int(c.N)
			}
			t.Net = t.Succeeded - t.Refunded
		}
	}
	out := make([]Total, 0, len(sums))
	for _, t := range sums {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Total) int {
		if a.Month != b.Month {
			return cmp.Compare(a.Month, b.Month)
		}
		if a.Kind != b.Kind {
			return slices.Index(Kinds, a.Kind) - slices.Index(Kinds, b.Kind)
		}
		return cmp.Compare(a.Currency, b.Currency)
	})
	return out
}

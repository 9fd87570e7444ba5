package store

import (
	"fmt"
	"testing"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestRenewals_ByHolder: a holder's invoices, the latest year first, a page
// at a time, as created and as updated; nobody else's; a cursor of another
// holder's list refused.
func TestRenewals_ByHolder(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := NewRenewals(tbl)
		invoice := func(holder string, year int) renewals.Invoice {
			return renewals.Invoice{ID: renewals.InvoiceID(holder, year), HolderID: holder, Year: year, Currency: "USD",
				TotalCents: 12500, DueOn: fmt.Sprintf("%d-01-01", year), Status: renewals.Open}
		}
		for _, inv := range []renewals.Invoice{invoice("H-1", 2027), invoice("H-1", 2026), invoice("H-10", 2027), invoice("H-1", 2028)} {
			if err := repo.Create(ctx, inv); err != nil {
				t.Fatal(err)
			}
		}
		// An update keeps the invoice in the holder's list.
		if _, err := repo.Update(ctx, renewals.InvoiceID("H-1", 2027), func(inv *renewals.Invoice) ([]outbox.Message, error) {
			inv.Status, inv.Flag = renewals.Paid, "refunded"
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		// Several at once, the missing left out (the directory's lapse marks).
		many, err := repo.GetMany(ctx, []string{renewals.InvoiceID("H-1", 2027), renewals.InvoiceID("H-10", 2027), renewals.InvoiceID("H-9", 2027)})
		if err != nil || len(many) != 2 {
			t.Fatalf("GetMany: %+v, %v", many, err)
		}
		for _, inv := range many {
			if inv.HolderID != "H-1" && inv.HolderID != "H-10" || inv.Year != 2027 {
				t.Fatalf("GetMany read %+v", inv)
			}
		}
		years := func(invs []renewals.Invoice) (out []string) {
			for _, inv := range invs {
				out = append(out, fmt.Sprintf("%s/%d/%s%s", inv.HolderID, inv.Year, inv.Status, inv.Flag))
			}
			return out
		}
		all, next, err := repo.ByHolder(ctx, "H-1", renewals.Page{})
		if got := fmt.Sprint(years(all)); err != nil || next != "" || got != "[H-1/2028/open H-1/2027/paidrefunded H-1/2026/open]" {
			t.Fatalf("H-1's invoices %s, next %q, %v", got, next, err)
		}
		first, next, err := repo.ByHolder(ctx, "H-1", renewals.Page{Limit: 2})
		if got := fmt.Sprint(years(first)); err != nil || next == "" || got != "[H-1/2028/open H-1/2027/paidrefunded]" {
			t.Fatalf("first page %s, next %q, %v", got, next, err)
		}
		rest, _, err := repo.ByHolder(ctx, "H-1", renewals.Page{Limit: 2, Cursor: next})
		if got := fmt.Sprint(years(rest)); err != nil || got != "[H-1/2026/open]" {
			t.Fatalf("second page %s, %v", got, err)
		}
		if none, next, err := repo.ByHolder(ctx, "H-2", renewals.Page{}); err != nil || len(none) != 0 || next != "" {
			t.Fatalf("a holder without invoices: %v %q %v", years(none), next, err)
		}
		_, _, err = repo.ByHolder(ctx, "H-10", renewals.Page{Cursor: next})
		if fe, ok := fault.As(err); !ok || fe.Code != "invalid_cursor" {
			t.Fatalf("another holder's cursor: %v", err)
		}
	})
}

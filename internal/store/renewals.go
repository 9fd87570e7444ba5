package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/table"
)

// Renewals is the renewals.Store on the single table:
//
//	INVOICE#REN-<holder>-<year>  INVOICE   the renewal invoice (the whole domain value)
//	  GSI1  HOLDERINVOICES#<holder>  <year>   the holder's invoices, by year
//	DUE#renewal#REN-<holder>-<year>  DUE   its due marker while unpaid (see Reminders)
//	DUE#cecs#REN-<holder>-<year>     DUE   its CEC marker while the year's CECs are outstanding
//	RENEWALSWEEP#<year>              SWEEP when the daily job last went through every holder
//
// The invoice lives in its own partition, not the holder's, so that the
// holder's one-Query reads (transcript, submissions) never meet it; staff
// list a holder's invoices on GSI1.
type Renewals struct {
	t table.Table
	options
}

var _ renewals.Store = (*Renewals)(nil)

// NewRenewals returns the renewal invoice repository on t.
func NewRenewals(t table.Table, opts ...Option) *Renewals {
	return &Renewals{t: t, options: optionsOf(opts)}
}

type invoiceItem struct {
	PK      string `json:"PK"`
	SK      string `json:"SK"`
	GSI1PK  string `json:"GSI1PK"`
	GSI1SK  string `json:"GSI1SK"`
	Type    string `json:"type"`
	Status  string `json:"status"`
	Version int64  `json:"version"`
	// Invoice is the domain value as JSON: nothing queries inside it.
	Invoice string `json:"invoice"`
}

func invoiceToItem(inv renewals.Invoice) (table.Item, error) {
	b, err := json.Marshal(inv)
	if err != nil {
		return nil, fmt.Errorf("encode invoice %s: %w", inv.ID, err)
	}
	k := invoiceKey(inv.ID)
	gpk, gsk := holderInvoicesKeys(inv.HolderID, inv.Year)
	return table.Marshal(invoiceItem{PK: k.PK, SK: k.SK, GSI1PK: gpk, GSI1SK: gsk, Type: "invoice", Status: string(inv.Status),
		Version: inv.Version, Invoice: string(b)})
}

func invoiceFromItem(item table.Item) (renewals.Invoice, error) {
	var it invoiceItem
	if err := table.Unmarshal(item, &it); err != nil {
		return renewals.Invoice{}, fmt.Errorf("decode invoice item: %w", err)
	}
	var inv renewals.Invoice
	if err := json.Unmarshal([]byte(it.Invoice), &inv); err != nil {
		return renewals.Invoice{}, fmt.Errorf("decode invoice %s: %w", it.PK, err)
	}
	inv.Version = it.Version
	return inv, nil
}

// Create puts a new invoice unless one has its ID (renewals.ErrExists).
func (r *Renewals) Create(ctx context.Context, inv renewals.Invoice) error {
	inv.Version = 1
	item, err := invoiceToItem(inv)
	if err != nil {
		return err
	}
	due, err := dueRenewalOp(inv)
	if err != nil {
		return err
	}
	cecs, err := dueCECsOps(inv)
	if err != nil {
		return err
	}
	// The season's count of invoices issued, and its compliance counts,
	// in the invoice's own write.
	season := table.Add(seasonStatsKey(inv.Year), map[string]int64{seasonWeek(inv.IssuedAt, r.loc) + " invoiced": 1})
	ops := append([]table.Op{table.Put(item, table.IfNotExists()), due, season}, cecs...)
	if adds := complianceAdds(renewals.Invoice{}, inv); adds != nil {
		ops = append(ops, table.Add(complianceStatsKey(inv.Year), adds))
	}
	err = r.t.Write(ctx, ops...)
	if table.FailedOn(err, table.KeyOf(item)) {
		return renewals.ErrExists
	}
	if err != nil {
		return fmt.Errorf("write invoice %s: %w", inv.ID, err)
	}
	return nil
}

// Get reads an invoice, or renewals.ErrNotFound.
func (r *Renewals) Get(ctx context.Context, id string) (renewals.Invoice, error) {
	item, err := r.t.Get(ctx, invoiceKey(id))
	if errors.Is(err, table.ErrNotFound) {
		return renewals.Invoice{}, renewals.ErrNotFound
	}
	if err != nil {
		return renewals.Invoice{}, fmt.Errorf("read invoice %s: %w", id, err)
	}
	return invoiceFromItem(item)
}

// GetMany reads the invoices of ids that exist, with BatchGetItem.
func (r *Renewals) GetMany(ctx context.Context, ids []string) ([]renewals.Invoice, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]table.Key, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, invoiceKey(id))
	}
	items, err := r.t.BatchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("batch get invoices: %w", err)
	}
	out := make([]renewals.Invoice, 0, len(items))
	for _, item := range items {
		inv, err := invoiceFromItem(item)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// Update is the read-modify-write of an invoice under its version; fn's
// messages go into the outbox in the same transaction.
func (r *Renewals) Update(ctx context.Context, id string, fn func(inv *renewals.Invoice) ([]outbox.Message, error)) (renewals.Invoice, error) {
	var inv, unchanged renewals.Invoice
	err := table.UpdateVersioned(ctx, r.t, func() (table.Versioned, error) {
		before, err := r.Get(ctx, id)
		if err != nil {
			return table.Versioned{}, err
		}
		unchanged, inv = before, before
		inv.Payments = append([]renewals.Payment(nil), before.Payments...)
		msgs, err := fn(&inv)
		if err != nil {
			return table.Versioned{}, err
		}
		inv.ID, inv.HolderID, inv.Version = before.ID, before.HolderID, before.Version+1
		item, err := invoiceToItem(inv)
		if err != nil {
			return table.Versioned{}, err
		}
		ops, err := OutboxOps(msgs...)
		if err != nil {
			return table.Versioned{}, err
		}
		due, err := dueRenewalOp(inv)
		if err != nil {
			return table.Versioned{}, err
		}
		paid, err := ledgerOps(r.loc, before.Payments, inv.Payments, func(p checkout.Payment) ledger.Entry {
			e := ledger.Of(p, ledger.Renewal, inv.ID, inv.HolderID, inv.HolderName)
			var fee int64
			for _, l := range inv.Lines {
				if l.Code == renewals.LineReinstatement {
					fee += l.Cents
				}
			}
			if p.Kind == checkout.Succeeded || p.Kind == checkout.Refunded {
				e.ReinstatementCents = ledger.ReinstatementPart(p.AmountCents, inv.TotalCents, fee)
			}
			return e
		})
		if err != nil {
			return table.Versioned{}, err
		}
		with := append(append([]table.Op{due}, ops...), paid...)
		if before.Status != renewals.Paid && inv.Status == renewals.Paid { // paid once: the season counts it
			with = append(with, table.Add(seasonStatsKey(inv.Year), map[string]int64{seasonWeek(inv.PaidAt, r.loc) + " paid": 1}))
		}
		if adds := complianceAdds(before, inv); adds != nil { // the verdict moved: so do the counts
			with = append(with, table.Add(complianceStatsKey(inv.Year), adds))
		}
		return table.Versioned{Item: item, Version: before.Version, With: with}, nil
	})
	switch {
	case errors.Is(err, renewals.ErrNoChange):
		return unchanged, err
	case err != nil:
		return renewals.Invoice{}, err
	}
	return inv, nil
}

// ByHolder lists one page of a holder's invoices, the latest year first
// (GSI1: one Query).
func (r *Renewals) ByHolder(ctx context.Context, holderID string, pg renewals.Page) ([]renewals.Invoice, string, error) {
	q := table.Query{Index: table.IndexGSI1, PK: holderInvoicesPK(holderID), Descending: true, Cursor: pg.Cursor,
		Limit: pageLimit(pg.Limit, listPageDefault, listPageMax)}
	page, err := r.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query invoices of %s: %w", holderID, err))
	}
	return decodeList(ctx, "invoices of "+holderID, page.Items, invoiceFromItem), page.Cursor, nil
}

type sweepItem struct {
	PK   string `json:"PK"`
	SK   string `json:"SK"`
	Type string `json:"type"`
	At   string `json:"at"`
	TTL  int64  `json:"ttl"`
}

// LastSweep reads when year was last swept (zero: never).
func (r *Renewals) LastSweep(ctx context.Context, year int) (time.Time, error) {
	item, err := r.t.Get(ctx, sweepKey(year))
	if errors.Is(err, table.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read the sweep of %d: %w", year, err)
	}
	var it sweepItem
	if err := table.Unmarshal(item, &it); err != nil {
		return time.Time{}, fmt.Errorf("decode the sweep of %d: %w", year, err)
	}
	return parseTime(it.At), nil
}

// SweepDone records a complete sweep of year (kept for a year and more).
func (r *Renewals) SweepDone(ctx context.Context, year int, at time.Time) error {
	k := sweepKey(year)
	item, err := table.Marshal(sweepItem{PK: k.PK, SK: k.SK, Type: "renewalSweep", At: formatTime(at), TTL: at.Add(400 * 24 * time.Hour).Unix()})
	if err != nil {
		return err
	}
	return r.t.Write(ctx, table.Put(item, table.Condition{}))
}

// complianceAdds is what an invoice's CEC verdict moving from before's to
// after's adds to its year's compliance counts: its old verdict's names
// less one, its new one's plus one; nil when it did not move (or neither
// was judged).
func complianceAdds(before, after renewals.Invoice) map[string]int64 {
	names := func(inv renewals.Invoice) []string {
		if !inv.CECsJudged {
			return nil
		}
		if len(inv.CECsShort) == 0 {
			return []string{"met"}
		}
		out := []string{"short"}
		for _, rule := range inv.CECsShort {
			out = append(out, "short "+rule)
		}
		return out
	}
	adds := map[string]int64{}
	for _, n := range names(before) {
		adds[n]--
	}
	for _, n := range names(after) {
		adds[n]++
	}
	for n, v := range adds {
		if v == 0 {
			delete(adds, n)
		}
	}
	if len(adds) == 0 {
		return nil
	}
	return adds
}

package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/table"
)

// The payments ledger (docs/data-model.md): an entry per payment event
// recorded on an invoice, put in the transaction that records it, under
// its month (UTC): LEDGER#<yyyy-mm> / <at, fixed width>#<invoice>#<event>.
// A range of dates is one Query per month it touches.

type ledgerItem struct {
	PK                 string `json:"PK"`
	SK                 string `json:"SK"`
	Type               string `json:"type"`
	At                 string `json:"at"`
	EventID            string `json:"eventId"`
	Reference          string `json:"reference,omitempty"`
	Status             string `json:"status"`
	AmountCents        int64  `json:"amountCents"`
	Currency           string `json:"currency"`
	Reason             string `json:"reason,omitempty"`
	Kind               string `json:"kind"`
	InvoiceID          string `json:"invoiceId"`
	ReinstatementCents int64  `json:"reinstatementCents,omitempty"`
	PayerID            string `json:"payerId"`
	PayerName          string `json:"payerName,omitempty"`
	Untaken            bool   `json:"untaken,omitempty"`
}

// ledgerOps puts the ledger entries of the payments after appended to
// before (payments are only ever appended), each made by entry from the
// payment (a refund first made what it adds: ledger.Refund).
func ledgerOps(loc *time.Location, before, after []checkout.Payment, entry func(checkout.Payment) ledger.Entry) ([]table.Op, error) {
	var ops []table.Op
	revenue := map[table.Key]map[string]int64{} // the office's figures, one Add per counter item
	for i := min(len(before), len(after)); i < len(after); i++ {
		p, untaken := after[i], false
		if p.EventID == "" {
			return nil, fmt.Errorf("ledger: a payment without its event (%s %s): the ledger and the issues are keyed by it", p.Kind, p.Reference)
		}
		if p.Kind == checkout.Refunded {
			p, untaken = ledger.Refund(p, after[:i])
		}
		e := entry(p)
		if e.Untaken = untaken; untaken {
			e.ReinstatementCents = 0 // given back, never taken: no fee in it
		}
		at := e.At.UTC()
		k := ledgerKey(at, e.InvoiceID, e.EventID)
		item, err := table.Marshal(ledgerItem{PK: k.PK, SK: k.SK,
			Type: "ledger", At: formatTime(at), EventID: e.EventID, Reference: e.Reference, Status: string(e.Status), AmountCents: e.AmountCents,
			Currency: e.Currency, Reason: e.Reason, Kind: e.Kind, InvoiceID: e.InvoiceID, ReinstatementCents: e.ReinstatementCents,
			PayerID: e.PayerID, PayerName: e.PayerName, Untaken: e.Untaken})
		if err != nil {
			return nil, err
		}
		ops = append(ops, table.Put(item, table.Condition{}))
		for k, adds := range revenueAdds(e, loc) {
			if revenue[k] == nil {
				revenue[k] = map[string]int64{}
			}
			for name, n := range adds {
				revenue[k][name] += n
			}
		}
		if why, ok := ledger.IssueOf(e); ok { // and in staff's queue
			issue, err := issueToItem(ledger.Issue{Entry: e, Why: why, Version: 1})
			if err != nil {
				return nil, err
			}
			ops = append(ops, table.Put(issue, table.Condition{}))
		}
	}
	for k, adds := range revenue {
		ops = append(ops, table.Add(k, adds))
	}
	return ops, nil
}

// revenueAdds is what entry e adds to the revenue counters of its year
// (loc's): per month, kind and currency, as ledger.Totals counts them.
func revenueAdds(e ledger.Entry, loc *time.Location) map[table.Key]map[string]int64 {
	at := e.At.In(loc)
	add := map[string]int64{}
	for _, c := range e.Counts() {
		add[ledger.RevenueName(at.Format("2006-01"), c.Kind, e.Currency, c.Field)] += c.N
	}
	return map[table.Key]map[string]int64{revenueStatsKey(at.Year()): add}
}

// Ledger reads the payments ledger.
type Ledger struct{ t table.Table }

// NewLedger is the ledger in t.
func NewLedger(t table.Table) *Ledger { return &Ledger{t: t} }

var _ ledger.Store = (*Ledger)(nil)

// Between lists one page of the entries from from to to (exclusive),
// oldest first: a Query per month of the range, from the cursor's month
// on. The cursor is "<yyyy-mm>:<the month's Query cursor>" in base64url.
func (l *Ledger) Between(ctx context.Context, from, to time.Time, pg ledger.Page) ([]ledger.Entry, string, error) {
	from, to = from.UTC(), to.UTC()
	month := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	cursor := ""
	if pg.Cursor != "" {
		raw, _ := base64.RawURLEncoding.DecodeString(pg.Cursor)
		m, c, ok := strings.Cut(string(raw), ":")
		at, err := time.Parse("2006-01", m)
		if !ok || err != nil || at.Before(month) || !at.Before(to) {
			return nil, "", table.CursorFault(table.ErrBadCursor)
		}
		month, cursor = at, c
	}
	limit := pageLimit(pg.Limit, listPageDefault, 1000)
	var out []ledger.Entry
	for ; month.Before(to); month, cursor = month.AddDate(0, 1, 0), "" {
		for {
			page, err := l.t.Query(ctx, table.Query{PK: ledgerPK(month), Op: table.SKBetween,
				Value: from.Format(ledgerAt), Value2: to.Add(-time.Nanosecond).Format(ledgerAt) + "$", Limit: limit - len(out), Cursor: cursor})
			if err != nil {
				return nil, "", table.CursorFault(fmt.Errorf("query the ledger of %s: %w", month.Format("2006-01"), err))
			}
			for _, item := range page.Items {
				var it ledgerItem
				if err := table.Unmarshal(item, &it); err != nil {
					return nil, "", fmt.Errorf("decode ledger entry: %w", err)
				}
				at, err := time.Parse(time.RFC3339Nano, it.At)
				if err != nil {
					return nil, "", fmt.Errorf("ledger entry %s: %w", it.SK, err)
				}
				out = append(out, ledger.Entry{At: at, EventID: it.EventID, Reference: it.Reference, Status: checkout.PaymentKind(it.Status),
					AmountCents: it.AmountCents, Currency: it.Currency, Reason: it.Reason, Kind: it.Kind, InvoiceID: it.InvoiceID,
					ReinstatementCents: it.ReinstatementCents, PayerID: it.PayerID, PayerName: it.PayerName, Untaken: it.Untaken})
			}
			cursor = page.Cursor
			if len(out) == limit {
				if cursor != "" {
					return out, ledgerCursor(month, cursor), nil
				}
				if next := month.AddDate(0, 1, 0); next.Before(to) {
					return out, ledgerCursor(next, ""), nil
				}
				return out, "", nil
			}
			if cursor == "" {
				break
			}
		}
	}
	return out, "", nil
}

func ledgerCursor(month time.Time, cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(month.Format("2006-01") + ":" + cursor))
}

// Payment issues (docs/payments.md#refunds-and-mismatches): one item per
// issue, PAYISSUE#<event>/ISSUE, in GSI1 under PAYISSUES#open or
// PAYISSUES#resolved by when it was recorded: the queue is one Query.

type issueNoteItem struct {
	At       string `json:"at"`
	By       string `json:"by"`
	Text     string `json:"text"`
	Resolved bool   `json:"resolved"`
}

type issueItem struct {
	ledgerItem
	GSI1PK     string          `json:"GSI1PK"`
	GSI1SK     string          `json:"GSI1SK"`
	Why        string          `json:"why"`
	Notes      []issueNoteItem `json:"notes,omitempty"`
	Resolved   bool            `json:"resolved"`
	ResolvedAt string          `json:"resolvedAt,omitempty"`
	ResolvedBy string          `json:"resolvedBy,omitempty"`
	Version    int64           `json:"version"`
}

func issueToItem(is ledger.Issue) (table.Item, error) {
	at := is.At.UTC()
	k := issueKey(is.ID())
	it := issueItem{ledgerItem: ledgerItem{PK: k.PK, SK: k.SK, Type: "payment-issue", At: formatTime(at), EventID: is.EventID,
		Reference: is.Reference, Status: string(is.Status), AmountCents: is.AmountCents, Currency: is.Currency, Reason: is.Reason, Kind: is.Kind,
		InvoiceID: is.InvoiceID, ReinstatementCents: is.ReinstatementCents, PayerID: is.PayerID, PayerName: is.PayerName},
		GSI1PK: issuesPK(is.Resolved), GSI1SK: at.Format(ledgerAt) + "#" + is.ID(), Why: is.Why, Resolved: is.Resolved,
		ResolvedAt: formatTime(is.ResolvedAt), ResolvedBy: is.ResolvedBy, Version: is.Version}
	for _, n := range is.Notes {
		it.Notes = append(it.Notes, issueNoteItem{At: formatTime(n.At), By: n.By, Text: n.Text, Resolved: n.Resolved})
	}
	return table.Marshal(it)
}

func issueFromItem(item table.Item) (ledger.Issue, error) {
	var it issueItem
	if err := table.Unmarshal(item, &it); err != nil {
		return ledger.Issue{}, err
	}
	is := ledger.Issue{Entry: ledger.Entry{At: parseTime(it.At), EventID: it.EventID, Reference: it.Reference, Status: checkout.PaymentKind(it.Status),
		AmountCents: it.AmountCents, Currency: it.Currency, Reason: it.Reason, Kind: it.Kind, InvoiceID: it.InvoiceID,
		ReinstatementCents: it.ReinstatementCents, PayerID: it.PayerID, PayerName: it.PayerName},
		Why: it.Why, Resolved: it.Resolved, ResolvedAt: parseTime(it.ResolvedAt), ResolvedBy: it.ResolvedBy, Version: it.Version}
	for _, n := range it.Notes {
		is.Notes = append(is.Notes, ledger.Note{At: parseTime(n.At), By: n.By, Text: n.Text, Resolved: n.Resolved})
	}
	return is, nil
}

var _ ledger.Issues = (*Ledger)(nil)

// Queue lists one page of the open or resolved issues, oldest first: one
// Query of GSI1.
func (l *Ledger) Queue(ctx context.Context, resolved bool, pg ledger.Page) ([]ledger.Issue, string, error) {
	page, err := l.t.Query(ctx, table.Query{Index: table.IndexGSI1, PK: issuesPK(resolved), Limit: pageLimit(pg.Limit, listPageDefault, listPageMax), Cursor: pg.Cursor})
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query payment issues: %w", err))
	}
	out := make([]ledger.Issue, 0, len(page.Items))
	for _, item := range page.Items {
		is, err := issueFromItem(item)
		if err != nil {
			return nil, "", fmt.Errorf("decode payment issue: %w", err)
		}
		out = append(out, is)
	}
	return out, page.Cursor, nil
}

// UpdateIssue is the read-modify-write of issue id under its version.
func (l *Ledger) UpdateIssue(ctx context.Context, id string, fn func(*ledger.Issue) error) (ledger.Issue, error) {
	var is ledger.Issue
	err := table.UpdateVersioned(ctx, l.t, func() (table.Versioned, error) {
		item, err := l.t.Get(ctx, issueKey(id))
		if errors.Is(err, table.ErrNotFound) {
			return table.Versioned{}, ledger.ErrIssueNotFound
		}
		if err != nil {
			return table.Versioned{}, err
		}
		before, err := issueFromItem(item)
		if err != nil {
			return table.Versioned{}, err
		}
		is = before
		is.Notes = append([]ledger.Note(nil), before.Notes...)
		if err := fn(&is); err != nil {
			return table.Versioned{}, err
		}
		is.EventID, is.Version = before.EventID, before.Version+1
		next, err := issueToItem(is)
		if err != nil {
			return table.Versioned{}, err
		}
		return table.Versioned{Item: next, Version: before.Version}, nil
	})
	if err != nil {
		return ledger.Issue{}, err
	}
	return is, nil
}

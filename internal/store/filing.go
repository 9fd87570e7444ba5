package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/table"
)

// Filing fees, on the attendance repository:
//
//	UPLOAD#<id>          HELD#<holder>  an accepted row's credit held until the filing fee is paid
//	UPLOAD#<id>          FILINGFEE      the upload's filing fee invoice (the whole domain value)
//	  GSI1  FILINGFEES   <issued>#<upload>   while unpaid: staff's list
//	  GSI2  PROVIDERFILING#<provider>  <issued>#<upload>   while unpaid: the provider's list
//	DUE#filing#<upload>  DUE            its due marker while unpaid (see Reminders)

// heldCreditItem is a held credit: everything the transcript credit will
// say; on GSI2 under its holder, so that their status can say it waits.
type heldCreditItem struct {
	creditItem
	GSI2PK   string `json:"GSI2PK"`
	GSI2SK   string `json:"GSI2SK"`
	HolderID string `json:"holderId"`
	Line     int    `json:"line"`
}

func heldOp(c attendance.Credit) (table.Op, error) {
	hours, err := c.Hours.MarshalText()
	if err != nil {
		return table.Op{}, err
	}
	k := heldKey(c.UploadID, c.HolderID)
	item, err := table.Marshal(heldCreditItem{creditItem: creditItem{PK: k.PK, SK: k.SK, Type: "held-credit", Source: "program",
		ProgramID: c.ProgramID, ProviderID: c.ProviderID, ProviderName: c.ProviderName, Title: c.Title,
		Completed: c.Completed.String(), Hours: string(hours), Association: true, Compliance: c.Compliance, Format: c.Format, UploadID: c.UploadID},
		GSI2PK: gsiHolderHeld + c.HolderID, GSI2SK: c.Completed.String() + "#" + c.ProgramID, HolderID: c.HolderID, Line: c.Line})
	if err != nil {
		return table.Op{}, err
	}
	return table.Put(item, table.Condition{}), nil
}

// heldCreditFromItem is a held credit read back.
func heldCreditFromItem(item table.Item) (attendance.Credit, error) {
	var it heldCreditItem
	if err := table.Unmarshal(item, &it); err != nil {
		return attendance.Credit{}, err
	}
	on, err := roster.ParseDate(it.Completed)
	if err != nil {
		return attendance.Credit{}, fmt.Errorf("held credit of %s in %s: %w", it.HolderID, it.UploadID, err)
	}
	var hours cec.Hours
	if err := hours.UnmarshalText([]byte(it.Hours)); err != nil {
		return attendance.Credit{}, fmt.Errorf("held credit of %s in %s: %w", it.HolderID, it.UploadID, err)
	}
	return attendance.Credit{ProgramID: it.ProgramID, HolderID: it.HolderID, UploadID: it.UploadID, Line: it.Line,
		Completed: on, Title: it.Title, ProviderID: it.ProviderID, ProviderName: it.ProviderName, Hours: hours,
		Compliance: it.Compliance, Format: it.Format, Held: true}, nil
}

// Held reads up to limit of an upload's held credits (one Query); more is
// whether the Query stopped before the end (at limit, or at DynamoDB's
// 1 MB page).
func (a *Attendance) Held(ctx context.Context, uploadID string, limit int) ([]attendance.Credit, bool, error) {
	page, err := a.t.Query(ctx, table.Query{PK: pkUpload + uploadID, Op: table.SKBeginsWith, Value: skHeld, Limit: limit})
	if err != nil {
		return nil, false, fmt.Errorf("query held credits of %s: %w", uploadID, err)
	}
	out := make([]attendance.Credit, 0, len(page.Items))
	for _, item := range page.Items {
		c, err := heldCreditFromItem(item)
		if err != nil {
			return nil, false, err
		}
		out = append(out, c)
	}
	return out, page.Cursor != "", nil
}

// Release writes each held credit to the transcript, its attendance record
// as credited and the deletion of its held item (which must exist) in
// transactions of up to 32, with what they add to
// the CECs credited by month and the message that judges their holders'
// renewals again; a credit whose held item is gone was
// released by another delivery and is left out of a second try.
func (a *Attendance) Release(ctx context.Context, credits []attendance.Credit) error {
	credits = slices.Clone(credits)
	for i := range credits {
		credits[i].Held = false
	}
	for start := 0; start < len(credits); {
		end := a.fill(credits, start, 3)
		group := credits[start:end]
		start = end
		for len(group) > 0 {
			ops := make([]table.Op, 0, 3*len(group)+1)
			for _, c := range group {
				pair, err := creditOps(c)
				if err != nil {
					return err
				}
				pair[0].Cond = table.Condition{} // the record exists: it is rewritten, credited
				ops = append(ops, append(pair, table.Delete(heldKey(c.UploadID, c.HolderID), table.IfExists()))...)
			}
			rejudge, err := rejudgeOps(slices.Values(group))
			if err != nil {
				return err
			}
			ops = append(append(ops, a.creditedOps(1, slices.Values(group))...), rejudge...)
			err = table.RetryContended(ctx, func() (bool, error) {
				err := a.t.Write(ctx, ops...)
				return errors.Is(err, table.ErrConflict), err
			})
			switch {
			case err == nil:
				group = nil
			case table.IsConditionFailed(err):
				// Another delivery released some of them: keep the ones
				// still held (one BatchGet), rather than one failed
				// transaction per released credit.
				rest, rerr := a.stillHeld(ctx, group)
				if rerr != nil {
					return rerr
				}
				if len(rest) == len(group) {
					return fmt.Errorf("release credits: %w", err)
				}
				group = rest
			default:
				return fmt.Errorf("release credits: %w", err)
			}
		}
	}
	return nil
}

// stillHeld is the credits of group whose held item is still there.
func (a *Attendance) stillHeld(ctx context.Context, group []attendance.Credit) ([]attendance.Credit, error) {
	keys := make([]table.Key, 0, len(group))
	for _, c := range group {
		keys = append(keys, heldKey(c.UploadID, c.HolderID))
	}
	items, err := a.t.BatchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("batch get held credits: %w", err)
	}
	there := map[table.Key]bool{}
	for _, it := range items {
		there[table.KeyOf(it)] = true
	}
	rest := make([]attendance.Credit, 0, len(group))
	for _, c := range group {
		if there[heldKey(c.UploadID, c.HolderID)] {
			rest = append(rest, c)
		}
	}
	return rest, nil
}

type filingItem struct {
	PK      string `json:"PK"`
	SK      string `json:"SK"`
	GSI1PK  string `json:"GSI1PK,omitempty"`
	GSI1SK  string `json:"GSI1SK,omitempty"`
	GSI2PK  string `json:"GSI2PK,omitempty"`
	GSI2SK  string `json:"GSI2SK,omitempty"`
	Type    string `json:"type"`
	Status  string `json:"status"`
	Version int64  `json:"version"`
	// Invoice is the domain value as JSON: nothing queries inside it.
	Invoice string `json:"invoice"`
}

func filingToItem(inv attendance.FilingInvoice) (table.Item, error) {
	b, err := json.Marshal(inv)
	if err != nil {
		return nil, fmt.Errorf("encode filing fee %s: %w", inv.ID, err)
	}
	k := filingFeeKey(inv.UploadID)
	it := filingItem{PK: k.PK, SK: k.SK, Type: "filing-fee", Status: string(inv.Status), Version: inv.Version, Invoice: string(b)}
	if inv.Status == attendance.FilingOpen {
		it.GSI1PK, it.GSI1SK = gsiOpenFilingFees, openFilingFeesSK(inv.IssuedAt, inv.UploadID)
		it.GSI2PK, it.GSI2SK = gsiProviderFiling+inv.ProviderID, openFilingFeesSK(inv.IssuedAt, inv.UploadID)
	}
	return table.Marshal(it)
}

func filingFromItem(item table.Item) (attendance.FilingInvoice, error) {
	var it filingItem
	if err := table.Unmarshal(item, &it); err != nil {
		return attendance.FilingInvoice{}, fmt.Errorf("decode filing fee item: %w", err)
	}
	var inv attendance.FilingInvoice
	if err := json.Unmarshal([]byte(it.Invoice), &inv); err != nil {
		return attendance.FilingInvoice{}, fmt.Errorf("decode filing fee %s: %w", it.PK, err)
	}
	inv.Version = it.Version
	return inv, nil
}

// dueFilingOp keeps the invoice's due marker in step with it: put while
// unpaid, deleted once paid.
func dueFilingOp(inv attendance.FilingInvoice) (table.Op, error) {
	if inv.Status != attendance.FilingOpen {
		return table.Delete(dueFilingKey(inv.UploadID), table.Condition{}), nil
	}
	return dueMarker(dueFiling, dueItem{Date: inv.IssuedOn, ID: inv.UploadID, Invoice: inv.ID, OwnerID: inv.ProviderID, Program: inv.ProgramID,
		Email: inv.ProviderEmail, Name: inv.ProgramTitle, Amount: checkout.Money(inv.AmountCents, inv.Currency)})
}

// filingCreateOps are the writes of a new invoice: the invoice (once) and
// its due marker.
func filingCreateOps(inv attendance.FilingInvoice) ([]table.Op, error) {
	inv.Version = 1
	item, err := filingToItem(inv)
	if err != nil {
		return nil, err
	}
	due, err := dueFilingOp(inv)
	if err != nil {
		return nil, err
	}
	return []table.Op{table.Put(item, table.IfNotExists()), due}, nil
}

// FilingInvoice reads an upload's filing fee invoice.
func (a *Attendance) FilingInvoice(ctx context.Context, uploadID string) (attendance.FilingInvoice, error) {
	item, err := a.t.Get(ctx, filingFeeKey(uploadID))
	if errors.Is(err, table.ErrNotFound) {
		return attendance.FilingInvoice{}, attendance.ErrNotFound
	}
	if err != nil {
		return attendance.FilingInvoice{}, fmt.Errorf("read filing fee of %s: %w", uploadID, err)
	}
	return filingFromItem(item)
}

// UpdateFilingInvoice is the read-modify-write of an invoice under its
// version, with its due marker and fn's messages in the same transaction.
func (a *Attendance) UpdateFilingInvoice(ctx context.Context, uploadID string, fn func(*attendance.FilingInvoice) ([]outbox.Message, error)) (attendance.FilingInvoice, error) {
	var inv, unchanged attendance.FilingInvoice
	err := table.UpdateVersioned(ctx, a.t, func() (table.Versioned, error) {
		before, err := a.FilingInvoice(ctx, uploadID)
		if err != nil {
			return table.Versioned{}, err
		}
		unchanged, inv = before, before
		inv.Payments = append([]checkout.Payment(nil), before.Payments...)
		msgs, err := fn(&inv)
		if err != nil {
			return table.Versioned{}, err
		}
		inv.ID, inv.UploadID, inv.Version = before.ID, before.UploadID, before.Version+1
		item, err := filingToItem(inv)
		if err != nil {
			return table.Versioned{}, err
		}
		ops, err := OutboxOps(msgs...)
		if err != nil {
			return table.Versioned{}, err
		}
		due, err := dueFilingOp(inv)
		if err != nil {
			return table.Versioned{}, err
		}
		paid, err := ledgerOps(a.loc, before.Payments, inv.Payments, func(p checkout.Payment) ledger.Entry {
			return ledger.Of(p, ledger.FilingFee, inv.ID, inv.ProviderID, inv.ProviderName)
		})
		if err != nil {
			return table.Versioned{}, err
		}
		return table.Versioned{Item: item, Version: before.Version, With: append(append([]table.Op{due}, ops...), paid...)}, nil
	})
	switch {
	case errors.Is(err, attendance.ErrNoChange):
		return unchanged, err
	case err != nil:
		return attendance.FilingInvoice{}, err
	}
	return inv, nil
}

// OpenFilingInvoices lists the unpaid invoices, oldest first (GSI1: one Query).
func (a *Attendance) OpenFilingInvoices(ctx context.Context, pg attendance.Page) ([]attendance.FilingInvoice, string, error) {
	q := table.Query{Index: table.IndexGSI1, PK: gsiOpenFilingFees, Cursor: pg.Cursor, Limit: pageLimit(pg.Limit, listPageDefault, listPageMax)}
	page, err := a.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query open filing fees: %w", err))
	}
	return decodeList(ctx, "open filing fees", page.Items, filingFromItem), page.Cursor, nil
}

// ProviderOpenFilingInvoices lists a provider's unpaid invoices, oldest
// first (GSI2: one Query).
func (a *Attendance) ProviderOpenFilingInvoices(ctx context.Context, providerID string, pg attendance.Page) ([]attendance.FilingInvoice, string, error) {
	q := table.Query{Index: table.IndexGSI2, PK: gsiProviderFiling + providerID, Cursor: pg.Cursor, Limit: pageLimit(pg.Limit, listPageDefault, listPageMax)}
	page, err := a.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query open filing fees of %s: %w", providerID, err))
	}
	return decodeList(ctx, "open filing fees of "+providerID, page.Items, filingFromItem), page.Cursor, nil
}

// filingInvoices reads the invoices of these uploads that exist, by upload
// (BatchGetItem).
func (a *Attendance) filingInvoices(ctx context.Context, uploadIDs []string) (map[string]attendance.FilingInvoice, error) {
	keys := make([]table.Key, 0, len(uploadIDs))
	for _, id := range uploadIDs {
		keys = append(keys, filingFeeKey(id))
	}
	items, err := a.batchKeys(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("batch get filing fees: %w", err)
	}
	out := make(map[string]attendance.FilingInvoice, len(items))
	for _, item := range items {
		inv, err := filingFromItem(item)
		if err != nil {
			return nil, err
		}
		out[inv.UploadID] = inv
	}
	return out, nil
}

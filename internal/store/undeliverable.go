package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// Undeliverable is the undeliverable.Store on the table:
//
//	UNDELIVERABLE#<email>  UNDELIVERABLE  GSI1 UNDELIVERABLES / <at>#<email>
//
// The mail sender reads the marks of a mail's recipients by key (one
// BatchGet); staff's list is the index, newest first. Marks are rare (a
// few a week at the association's scale), so that one index partition
// takes all of them.
type Undeliverable struct{ t table.Table }

var _ undeliverable.Store = (*Undeliverable)(nil)

// NewUndeliverable returns the store on t.
func NewUndeliverable(t table.Table) *Undeliverable { return &Undeliverable{t: t} }

type undeliverableItem struct {
	PK         string `json:"PK"`
	SK         string `json:"SK"`
	GSI1PK     string `json:"GSI1PK"`
	GSI1SK     string `json:"GSI1SK"`
	Type       string `json:"type"`
	Email      string `json:"email"`
	Reason     string `json:"reason"`
	At         string `json:"at"`
	FeedbackID string `json:"feedbackId,omitempty"`
}

// Mark puts a's mark unless the address has one.
func (u *Undeliverable) Mark(ctx context.Context, a undeliverable.Address) (bool, error) {
	k := undeliverableKey(a.Email)
	item, err := table.Marshal(undeliverableItem{PK: k.PK, SK: k.SK, GSI1PK: gsiUndeliverable, GSI1SK: keyTime(a.At) + "#" + a.Email,
		Type: "undeliverable", Email: a.Email, Reason: string(a.Reason), At: formatTime(a.At), FeedbackID: a.FeedbackID})
	if err != nil {
		return false, err
	}
	err = u.t.Write(ctx, table.Put(item, table.IfNotExists()))
	if table.IsConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark an address undeliverable: %w", err)
	}
	return true, nil
}

// Find reads the marks of emails in one BatchGet.
func (u *Undeliverable) Find(ctx context.Context, emails []string) ([]undeliverable.Address, error) {
	keys := make([]table.Key, len(emails))
	for i, e := range emails {
		keys[i] = undeliverableKey(e)
	}
	items, err := u.t.BatchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("read undeliverable addresses: %w", err)
	}
	out := make([]undeliverable.Address, 0, len(items))
	for _, item := range items {
		a, err := undeliverableFromItem(item)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// List reads a page of the index, newest first.
func (u *Undeliverable) List(ctx context.Context, p undeliverable.Page) ([]undeliverable.Address, string, error) {
	page, err := u.t.Query(ctx, table.Query{Index: table.IndexGSI1, PK: gsiUndeliverable, Descending: true,
		Limit: pageLimit(p.Limit, listPageDefault, listPageMax), Cursor: p.Cursor})
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query undeliverable addresses: %w", err))
	}
	return decodeList(ctx, "undeliverable addresses", page.Items, undeliverableFromItem), page.Cursor, nil
}

// Clear deletes email's mark, if it has one.
func (u *Undeliverable) Clear(ctx context.Context, email string) (bool, error) {
	err := u.t.Write(ctx, table.Delete(undeliverableKey(email), table.IfExists()))
	if table.IsConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("clear an undeliverable address: %w", err)
	}
	return true, nil
}

func undeliverableFromItem(item table.Item) (undeliverable.Address, error) {
	var it undeliverableItem
	if err := table.Unmarshal(item, &it); err != nil {
		return undeliverable.Address{}, err
	}
	if it.Email == "" {
		return undeliverable.Address{}, errors.New("undeliverable address without an address")
	}
	return undeliverable.Address{Email: it.Email, Reason: undeliverable.Reason(it.Reason), At: parseTime(it.At),
		FeedbackID: it.FeedbackID}, nil
}

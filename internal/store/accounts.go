package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/names"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/table"
)

// Accounts is the accounts.Store on the single table. Key layout (see
// docs/data-model.md):
//
//	HOLDER#<id>          PROFILE               the holder
//	  GSI1  DIR#<first two runes of last>  <last>\x01<first>\x01<id>   the directory, while listed
//	  GSI2  RENEWABLE#<n>  <id>   holders with credentials (sparse; n = shard of the id)
//	HOLDER#<id>          EVENT#<at>#<rand>     its audit history
//	SUB#<sub>            HOLDER | PROVIDER     identity → account (one of each per identity)
//	HOLDEREMAIL#<email>  HOLDEREMAIL           email → holder (one holder per email)
//	PROVIDER#<id>        PROFILE               the provider
//
// The directory keys hold the names as names.Fold has them. Every write of
// a holder recomputes them, and leaves them out while the holder is
// unlisted, which takes the holder out of the sparse index. The partition is
// the first two runes of the last name, so that searches, which need two at
// least, spread over many partitions; each search is one Query of one.
type Accounts struct{ t table.Table }

var _ accounts.Store = (*Accounts)(nil)

// NewAccounts returns the accounts repository on t.
func NewAccounts(t table.Table) *Accounts { return &Accounts{t: t} }

// Directory keys: see Accounts. The separator U+0001 sorts below every
// character a name may hold (validation refuses control characters), so that
// "Lima" comes before "Lima Barreto" and each name part sorts as a whole.
const (
	directorySep       = "\x01"
	directoryShard     = 2   // runes of the folded last name in the partition key
	directoryPartRunes = 100 // at most, per name in the sort key: well inside its 1 KiB
)

// directoryPart is a name as the directory keys hold it: folded, and cut to
// directoryPartRunes (NFKD can lengthen a name several times over).
func directoryPart(name string) string {
	f := names.Fold(name)
	if r := []rune(f); len(r) > directoryPartRunes {
		f = string(r[:directoryPartRunes])
	}
	return f
}

// directoryPK is the partition of a folded last name (or search prefix).
func directoryPK(folded string) string {
	r := []rune(folded)
	return gsiDirectory + string(r[:min(len(r), directoryShard)])
}

// staffDirectoryPK is the partition of staff's search by name: as the
// directory's, for every holder.
func staffDirectoryPK(folded string) string {
	r := []rune(folded)
	return gsiStaffDirectory + string(r[:min(len(r), directoryShard)])
}

// holderFindItem is a holder's entry in staff's search by name: every
// holder, listed in the directory or not, with what a directory entry
// shows. It is written with the holder, in the same transaction.
type holderFindItem struct {
	PK          string   `json:"PK"`
	SK          string   `json:"SK"`
	GSI1PK      string   `json:"GSI1PK,omitempty"` // absent without a last name: out of the index
	GSI1SK      string   `json:"GSI1SK,omitempty"`
	Type        string   `json:"type"`
	ID          string   `json:"holderId"`
	FirstName   string   `json:"firstName"`
	LastName    string   `json:"lastName"`
	Membership  string   `json:"membership"`
	Credentials []string `json:"credentials"`
}

// holderFindPut is the put of h's search entry.
func holderFindPut(h accounts.Holder) (table.Op, error) {
	k := holderFindKey(h.ID)
	it := holderFindItem{PK: k.PK, SK: k.SK, Type: "holder-find", ID: h.ID, FirstName: h.FirstName, LastName: h.LastName,
		Membership: string(h.Membership), Credentials: h.DirectoryEntry().Credentials}
	if last := directoryPart(h.LastName); last != "" {
		it.GSI1PK, it.GSI1SK = staffDirectoryPK(last), last+directorySep+directoryPart(h.FirstName)+directorySep+h.ID
	}
	item, err := table.Marshal(it)
	if err != nil {
		return table.Op{}, fmt.Errorf("marshal holder search entry: %w", err)
	}
	return table.Put(item, table.Condition{}), nil
}

// directoryKeys are h's GSI1 keys, both "" while h is not in the directory.
func directoryKeys(h accounts.Holder) (pk, sk string) {
	last := directoryPart(h.LastName)
	if h.Unlisted || last == "" {
		return "", ""
	}
	return directoryPK(last), last + directorySep + directoryPart(h.FirstName) + directorySep + h.ID
}

type addressItem struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"country"`
}

type credentialItem struct {
	Code     string `json:"code"`
	EarnedOn string `json:"earnedOn"`
}

type holderItem struct {
	PK                 string           `json:"PK"`
	SK                 string           `json:"SK"`
	GSI1PK             string           `json:"GSI1PK,omitempty"` // absent while unlisted: out of the index
	GSI1SK             string           `json:"GSI1SK,omitempty"`
	GSI2PK             string           `json:"GSI2PK,omitempty"` // absent without credentials: out of the renewable index
	GSI2SK             string           `json:"GSI2SK,omitempty"`
	Type               string           `json:"type"`
	ID                 string           `json:"holderId"`
	Sub                string           `json:"sub"`
	MemberNumber       string           `json:"memberNumber,omitempty"`
	ImportedBy         string           `json:"importedBy,omitempty"`
	FirstName          string           `json:"firstName"`
	LastName           string           `json:"lastName"`
	Email              string           `json:"email"`
	Membership         string           `json:"membership"`
	Phone              string           `json:"phone,omitempty"`
	Address            *addressItem     `json:"address,omitempty"`
	Credentials        []credentialItem `json:"credentials"`
	Unlisted           bool             `json:"unlisted,omitempty"`
	ContactConfirmedAt string           `json:"contactConfirmedAt,omitempty"`
	CreatedAt          string           `json:"createdAt"`
	UpdatedAt          string           `json:"updatedAt"`
	Version            int64            `json:"version"`
}

// linkItem points an identity or an email at an account.
type linkItem struct {
	PK   string `json:"PK"`
	SK   string `json:"SK"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

type providerItem struct {
	PK          string      `json:"PK"`
	SK          string      `json:"SK"`
	Type        string      `json:"type"`
	ID          string      `json:"providerId"`
	Sub         string      `json:"sub"`
	Name        string      `json:"name"`
	ContactName string      `json:"contactName"`
	Email       string      `json:"email"`
	Phone       string      `json:"phone"`
	Address     addressItem `json:"address"`
	CreatedAt   string      `json:"createdAt"`
	UpdatedAt   string      `json:"updatedAt"`
	Version     int64       `json:"version"`
}

type eventItem struct {
	PK     string `json:"PK"`
	SK     string `json:"SK"`
	Type   string `json:"type"`
	At     string `json:"at"`
	By     string `json:"by"`
	Action string `json:"action"`
	Detail string `json:"detail"`
	// What the holder held before and after a credentials.set.
	Before *heldItem `json:"before,omitempty"`
	After  *heldItem `json:"after,omitempty"`
}

type heldItem struct {
	Membership  string           `json:"membership"`
	Credentials []credentialItem `json:"credentials"`
}

func heldToItem(x *accounts.Held) *heldItem {
	if x == nil {
		return nil
	}
	it := &heldItem{Membership: string(x.Membership), Credentials: []credentialItem{}}
	for _, c := range x.Credentials {
		it.Credentials = append(it.Credentials, credentialItem(c))
	}
	return it
}

func heldFromItem(it *heldItem) *accounts.Held {
	if it == nil {
		return nil
	}
	x := &accounts.Held{Membership: accounts.Membership(it.Membership), Credentials: []accounts.Credential{}}
	for _, c := range it.Credentials {
		x.Credentials = append(x.Credentials, accounts.Credential(c))
	}
	return x
}

func toAddressItem(a accounts.Address) addressItem { return addressItem(a) }

func holderToItem(h accounts.Holder) holderItem {
	k := holderKey(h.ID)
	gpk, gsk := directoryKeys(h)
	it := holderItem{PK: k.PK, SK: k.SK, GSI1PK: gpk, GSI1SK: gsk, Type: "holder", ID: h.ID, Sub: h.Sub, MemberNumber: h.MemberNumber, ImportedBy: h.ImportedBy,
		FirstName: h.FirstName, LastName: h.LastName, Email: h.Email, Membership: string(h.Membership),
		Phone: h.Contact.Phone, Credentials: []credentialItem{}, Unlisted: h.Unlisted,
		ContactConfirmedAt: formatTime(h.ContactConfirmedAt), CreatedAt: formatTime(h.CreatedAt),
		UpdatedAt: formatTime(h.UpdatedAt), Version: h.Version}
	if h.Contact.Address != nil {
		a := toAddressItem(*h.Contact.Address)
		it.Address = &a
	}
	for _, c := range h.Credentials {
		it.Credentials = append(it.Credentials, credentialItem(c))
	}
	if len(h.Credentials) > 0 {
		it.GSI2PK, it.GSI2SK = renewablePK(RenewableShard(h.ID)), h.ID
	}
	return it
}

// RenewableShards is how many partitions of GSI2 hold the holders with
// credentials: enough to spread the writes of a busy day, few enough that
// the daily renewal job reads them all with a handful of Queries.
const RenewableShards = 4

// RenewableShard is the shard of a holder ID: its FNV-1a hash modulo
// RenewableShards.
func RenewableShard(id string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % RenewableShards)
}

// Renewable reads one page of the holders with credentials of one shard
// (GSI2, a sparse index: one Query, never a Scan).
func (a *Accounts) Renewable(ctx context.Context, shard int, cursor string, limit int) ([]accounts.Holder, string, error) {
	pg, err := a.t.Query(ctx, table.Query{Index: table.IndexGSI2, PK: renewablePK(shard), Cursor: cursor, Limit: limit})
	if err != nil {
		return nil, "", fmt.Errorf("query renewable holders of shard %d: %w", shard, err)
	}
	out := make([]accounts.Holder, 0, len(pg.Items))
	for _, item := range pg.Items {
		var it holderItem
		if err := table.Unmarshal(item, &it); err != nil {
			return nil, "", fmt.Errorf("decode holder: %w", err)
		}
		out = append(out, holderFromItem(it))
	}
	return out, pg.Cursor, nil
}

func holderFromItem(it holderItem) accounts.Holder {
	h := accounts.Holder{ID: it.ID, Sub: it.Sub, MemberNumber: it.MemberNumber, ImportedBy: it.ImportedBy, FirstName: it.FirstName, LastName: it.LastName, Email: it.Email,
		Membership: accounts.Membership(it.Membership), Contact: accounts.Contact{Phone: it.Phone},
		Unlisted: it.Unlisted, ContactConfirmedAt: parseTime(it.ContactConfirmedAt), CreatedAt: parseTime(it.CreatedAt),
		UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version, Credentials: []accounts.Credential{}}
	if it.Address != nil {
		a := accounts.Address(*it.Address)
		h.Contact.Address = &a
	}
	for _, c := range it.Credentials {
		h.Credentials = append(h.Credentials, accounts.Credential(c))
	}
	return h
}

func providerToItem(p accounts.Provider) providerItem {
	k := providerKey(p.ID)
	return providerItem{PK: k.PK, SK: k.SK, Type: "provider", ID: p.ID, Sub: p.Sub, Name: p.Name,
		ContactName: p.ContactName, Email: p.Email, Phone: p.Phone, Address: toAddressItem(p.Address),
		CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt), Version: p.Version}
}

func providerFromItem(it providerItem) accounts.Provider {
	return accounts.Provider{ID: it.ID, Sub: it.Sub, Name: it.Name, ContactName: it.ContactName, Email: it.Email,
		Phone: it.Phone, Address: accounts.Address(it.Address), CreatedAt: parseTime(it.CreatedAt),
		UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version}
}

func linkOp(k table.Key, kind, id string) (table.Op, error) {
	item, err := table.Marshal(linkItem{PK: k.PK, SK: k.SK, Type: kind, ID: id})
	if err != nil {
		return table.Op{}, err
	}
	return table.Put(item, table.IfNotExists()), nil
}

// CreateHolder writes the holder, its identity and email links and msgs in
// one transaction.
func (a *Accounts) CreateHolder(ctx context.Context, h accounts.Holder, msgs ...outbox.Message) error {
	item, err := table.Marshal(holderToItem(h))
	if err != nil {
		return fmt.Errorf("marshal holder: %w", err)
	}
	sub, err := linkOp(subKey(h.Sub, skHolder), "sub-link", h.ID)
	if err != nil {
		return err
	}
	email, err := linkOp(holderEmailKey(h.Email), "email-link", h.ID)
	if err != nil {
		return err
	}
	find, err := holderFindPut(h)
	if err != nil {
		return err
	}
	ops := []table.Op{table.Put(item, table.IfNotExists()), sub, email, find}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return err
	}
	err = a.t.Write(ctx, append(ops, out...)...)
	switch {
	case table.FailedOn(err, subKey(h.Sub, skHolder)):
		return accounts.ErrSubTaken
	case table.FailedOn(err, holderEmailKey(h.Email)):
		return accounts.ErrEmailTaken
	}
	return err
}

func (a *Accounts) link(ctx context.Context, k table.Key) (string, error) {
	item, err := a.t.Get(ctx, k)
	if errors.Is(err, table.ErrNotFound) {
		return "", accounts.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	var l linkItem
	if err := table.Unmarshal(item, &l); err != nil {
		return "", fmt.Errorf("unmarshal link %s: %w", k, err)
	}
	return l.ID, nil
}

// Holder reads one holder.
func (a *Accounts) Holder(ctx context.Context, id string) (accounts.Holder, error) {
	h, _, err := a.holder(ctx, id)
	return h, err
}

func (a *Accounts) holder(ctx context.Context, id string) (accounts.Holder, holderItem, error) {
	item, err := a.t.Get(ctx, holderKey(id))
	if errors.Is(err, table.ErrNotFound) {
		return accounts.Holder{}, holderItem{}, accounts.ErrNotFound
	}
	if err != nil {
		return accounts.Holder{}, holderItem{}, fmt.Errorf("get holder %s: %w", id, err)
	}
	var it holderItem
	if err := table.Unmarshal(item, &it); err != nil {
		return accounts.Holder{}, holderItem{}, fmt.Errorf("unmarshal holder %s: %w", id, err)
	}
	return holderFromItem(it), it, nil
}

// HolderIDBySub reads the identity link only.
func (a *Accounts) HolderIDBySub(ctx context.Context, sub string) (string, error) {
	return a.link(ctx, subKey(sub, skHolder))
}

// HolderBySub follows the identity link to the holder.
func (a *Accounts) HolderBySub(ctx context.Context, sub string) (accounts.Holder, error) {
	id, err := a.link(ctx, subKey(sub, skHolder))
	if err != nil {
		return accounts.Holder{}, err
	}
	return a.Holder(ctx, id)
}

// HolderByMemberNumber follows the member number's link (one GetItem) to
// the holder.
func (a *Accounts) HolderByMemberNumber(ctx context.Context, number string) (accounts.Holder, error) {
	id, err := a.link(ctx, memberNumberKey(number))
	if err != nil {
		return accounts.Holder{}, err
	}
	return a.Holder(ctx, id)
}

// HolderByEmail follows the email link (one GetItem) to the holder.
func (a *Accounts) HolderByEmail(ctx context.Context, email string) (accounts.Holder, error) {
	id, err := a.link(ctx, holderEmailKey(email))
	if err != nil {
		return accounts.Holder{}, err
	}
	return a.Holder(ctx, id)
}

// UpdateHolder is the read-modify-write of a holder under its version
// (UpdateVersioned); fn's event and messages (outbox entries) are written in
// the same transaction. An email another holder has is
// accounts.ErrEmailTaken. fn may give a holder nobody owns (an imported
// one) its owner: the identity's link is written too, and
// accounts.ErrSubTaken when the identity has a holder already.
func (a *Accounts) UpdateHolder(ctx context.Context, id string, fn func(h *accounts.Holder) (accounts.Event, []outbox.Message, error)) (accounts.Holder, error) {
	var h accounts.Holder
	var emailLink table.Key // the new email's link, when the email changes
	var claimed table.Key   // the identity's link, when fn claims the holder
	err := table.UpdateVersioned(ctx, a.t, func() (table.Versioned, error) {
		before, _, err := a.holder(ctx, id)
		if err != nil {
			return table.Versioned{}, err
		}
		h = before
		ev, msgs, err := fn(&h)
		if err != nil {
			return table.Versioned{}, err
		}
		claimed = table.Key{}
		if before.Sub != "" || h.Sub == "" {
			h.Sub = before.Sub // the owner never changes, once there is one
		}
		h.ID, h.MemberNumber, h.ImportedBy, h.CreatedAt, h.Version = before.ID, before.MemberNumber, before.ImportedBy, before.CreatedAt, before.Version+1
		item, err := table.Marshal(holderToItem(h))
		if err != nil {
			return table.Versioned{}, fmt.Errorf("marshal holder: %w", err)
		}
		var with []table.Op
		if h.Sub != before.Sub {
			claimed = subKey(h.Sub, skHolder)
			link, err := linkOp(claimed, "sub-link", h.ID)
			if err != nil {
				return table.Versioned{}, err
			}
			with = append(with, link)
		}
		emailLink = table.Key{}
		if accounts.EmailKey(h.Email) != accounts.EmailKey(before.Email) {
			emailLink = holderEmailKey(h.Email)
			link, err := linkOp(emailLink, "email-link", h.ID)
			if err != nil {
				return table.Versioned{}, err
			}
			with = append(with, link, table.Delete(holderEmailKey(before.Email), table.Condition{}))
		}
		if ev.Action != "" {
			ek := eventKey(id, ev.At)
			e, err := table.Marshal(eventItem{PK: ek.PK, SK: ek.SK, Type: "event", At: formatTime(ev.At), By: ev.By,
				Action: ev.Action, Detail: ev.Detail, Before: heldToItem(ev.Before), After: heldToItem(ev.After)})
			if err != nil {
				return table.Versioned{}, fmt.Errorf("marshal event: %w", err)
			}
			with = append(with, table.Put(e, table.IfNotExists()))
		}
		find, err := holderFindPut(h)
		if err != nil {
			return table.Versioned{}, err
		}
		with = append(with, find)
		out, err := OutboxOps(msgs...)
		if err != nil {
			return table.Versioned{}, err
		}
		return table.Versioned{Item: item, Version: before.Version, With: append(with, out...)}, nil
	})
	switch {
	case err == nil:
		return h, nil
	case emailLink != (table.Key{}) && table.FailedOn(err, emailLink):
		return accounts.Holder{}, accounts.ErrEmailTaken
	case claimed != (table.Key{}) && table.FailedOn(err, claimed):
		return accounts.Holder{}, accounts.ErrSubTaken
	}
	return accounts.Holder{}, err
}

// Directory reads one page of the listed holders whose folded last name
// starts with prefix (GSI1): one Query of the prefix's partition.
func (a *Accounts) Directory(ctx context.Context, prefix string, pg accounts.Page) ([]accounts.DirectoryEntry, string, error) {
	page, err := a.searchNames(ctx, directoryPK, prefix, pg)
	if err != nil {
		return nil, "", err
	}
	holders := decodeList(ctx, "directory", page.Items, func(item table.Item) (accounts.Holder, error) {
		var it holderItem
		err := table.Unmarshal(item, &it)
		return holderFromItem(it), err
	})
	out := make([]accounts.DirectoryEntry, 0, len(holders))
	for _, h := range holders {
		if !h.Unlisted {
			out = append(out, h.DirectoryEntry())
		}
	}
	return out, page.Cursor, nil
}

// searchNames is one page of a name index (GSI1) by folded last-name
// prefix, in the partition partition(prefix) names: the directory's, or
// staff's of every holder.
func (a *Accounts) searchNames(ctx context.Context, partition func(string) string, prefix string, pg accounts.Page) (table.Page, error) {
	prefix = directoryPart(prefix)
	if n := len([]rune(prefix)); n < directoryShard {
		return table.Page{}, fmt.Errorf("search names for %q: a prefix needs %d runes, not %d", prefix, directoryShard, n)
	}
	q := table.Query{Index: table.IndexGSI1, PK: partition(prefix), Op: table.SKBeginsWith, Value: prefix, Cursor: pg.Cursor}
	q.Limit = pageLimit(pg.Limit, accounts.DirectoryPageDefault, accounts.DirectoryPageMax)
	// A cursor of another search in the same partition would be taken as a
	// position by both backends; refuse it as one of another list.
	if q.Cursor != "" {
		if pos, err := table.DecodeCursor(q.Cursor); err == nil && !strings.HasPrefix(pos[table.AttrGSI1SK], prefix) {
			return table.Page{}, table.CursorFault(table.BadCursor("cursor belongs to another search"))
		}
	}
	page, err := a.t.Query(ctx, q)
	if err != nil {
		return table.Page{}, table.CursorFault(fmt.Errorf("query names %s: %w", q.PK, err))
	}
	return page, nil
}

// StaffDirectory reads one page of every holder, listed in the directory or
// not, whose folded last name starts with prefix (GSI1, staff's search):
// one Query of the prefix's partition. Holders written before the search
// entries existed enter it with their next write.
func (a *Accounts) StaffDirectory(ctx context.Context, prefix string, pg accounts.Page) ([]accounts.DirectoryEntry, string, error) {
	page, err := a.searchNames(ctx, staffDirectoryPK, prefix, pg)
	if err != nil {
		return nil, "", err
	}
	out := decodeList(ctx, "staff directory", page.Items, func(item table.Item) (accounts.DirectoryEntry, error) {
		var it holderFindItem
		err := table.Unmarshal(item, &it)
		creds := it.Credentials
		if creds == nil {
			creds = []string{}
		}
		return accounts.DirectoryEntry{HolderID: it.ID, FirstName: it.FirstName, LastName: it.LastName,
			Credentials: creds, Membership: accounts.Membership(it.Membership)}, err
	})
	return out, page.Cursor, nil
}

// Events reads a holder's history in order.
func (a *Accounts) Events(ctx context.Context, holderID string) ([]accounts.Event, error) {
	var out []accounts.Event
	q := table.Query{PK: holderKey(holderID).PK, Op: table.SKBeginsWith, Value: skEvent}
	for {
		page, err := a.t.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("query events of %s: %w", holderID, err)
		}
		for _, item := range page.Items {
			var it eventItem
			if err := table.Unmarshal(item, &it); err != nil {
				return nil, fmt.Errorf("unmarshal event: %w", err)
			}
			out = append(out, accounts.Event{At: parseTime(it.At), By: it.By, Action: it.Action, Detail: it.Detail,
				Before: heldFromItem(it.Before), After: heldFromItem(it.After)})
		}
		if page.Cursor == "" {
			// The sort key's time is RFC 3339 with its trailing zeros cut,
			// which sorts "…:00.5Z" before "…:00Z": order by the time itself.
			slices.SortStableFunc(out, func(a, b accounts.Event) int { return a.At.Compare(b.At) })
			return out, nil
		}
		q.Cursor = page.Cursor
	}
}

// CreateProvider writes the provider, its identity link and msgs at once.
func (a *Accounts) CreateProvider(ctx context.Context, p accounts.Provider, msgs ...outbox.Message) error {
	item, err := table.Marshal(providerToItem(p))
	if err != nil {
		return fmt.Errorf("marshal provider: %w", err)
	}
	sub, err := linkOp(subKey(p.Sub, skProvider), "sub-link", p.ID)
	if err != nil {
		return err
	}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return err
	}
	err = a.t.Write(ctx, append([]table.Op{table.Put(item, table.IfNotExists()), sub}, out...)...)
	if table.FailedOn(err, subKey(p.Sub, skProvider)) {
		return accounts.ErrSubTaken
	}
	return err
}

// ProviderIDBySub reads the identity link only.
func (a *Accounts) ProviderIDBySub(ctx context.Context, sub string) (string, error) {
	return a.link(ctx, subKey(sub, skProvider))
}

// ProviderBySub follows the identity link to the provider.
func (a *Accounts) ProviderBySub(ctx context.Context, sub string) (accounts.Provider, error) {
	id, err := a.link(ctx, subKey(sub, skProvider))
	if err != nil {
		return accounts.Provider{}, err
	}
	item, err := a.t.Get(ctx, providerKey(id))
	if errors.Is(err, table.ErrNotFound) {
		return accounts.Provider{}, accounts.ErrNotFound
	}
	if err != nil {
		return accounts.Provider{}, fmt.Errorf("get provider %s: %w", id, err)
	}
	var it providerItem
	if err := table.Unmarshal(item, &it); err != nil {
		return accounts.Provider{}, fmt.Errorf("unmarshal provider %s: %w", id, err)
	}
	return providerFromItem(it), nil
}

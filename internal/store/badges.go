package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/table"
)

// Badges is the badges.Store on the table:
//
//	HOLDER#<holderId>  BADGE#<kind>#<key>   the record of a credential issued
//	BADGECOUNT         COUNTER              how many were ever issued
//	BADGELIST#<n>      REVOKED#<index>      a revoked entry of status list n
//
// A record is written once, in the transaction that takes the next place
// from the counter and checks that the award stands (the credit, or the
// paid invoice), so that a credential is never issued for a credit being
// withdrawn: the withdrawal checks the record in its own transaction
// (Attendance.Withdraw). A status list is read by one Query of its
// partition, which holds its revoked entries only.
type Badges struct{ t table.Table }

var _ badges.Store = (*Badges)(nil)

// NewBadges returns the credentials repository on t.
func NewBadges(t table.Table) *Badges { return &Badges{t: t} }

const (
	typeBadge        = "badge"
	typeBadgeCounter = "badge counter"
	typeRevoked      = "revoked status entry"
)

type badgeItem struct {
	PK       string `json:"PK"`
	SK       string `json:"SK"`
	Type     string `json:"type"`
	HolderID string `json:"holderId"`
	Kind     string `json:"kind"`
	Key      string `json:"key"`
	ID       string `json:"credentialId"`
	List     int    `json:"list"`
	Index    int    `json:"index"`
	IssuedAt string `json:"issuedAt"`
	// Always written: the writes that replace or revoke a record are
	// conditioned on them (a staff revocation is never undone by a race).
	Revoked   bool   `json:"revoked"`
	ByStaff   bool   `json:"byStaff"`
	RevokedAt string `json:"revokedAt,omitempty"`
	Reason    string `json:"reason,omitempty"`
	RevokedBy string `json:"revokedBy,omitempty"`
}

type badgeCounterItem struct {
	PK   string `json:"PK"`
	SK   string `json:"SK"`
	Type string `json:"type"`
	Next int64  `json:"next"`
}

type revokedItem struct {
	PK        string `json:"PK"`
	SK        string `json:"SK"`
	Type      string `json:"type"`
	Index     int    `json:"index"`
	ID        string `json:"credentialId"`
	HolderID  string `json:"holderId"`
	Kind      string `json:"kind"`
	Key       string `json:"key"`
	RevokedAt string `json:"revokedAt"`
	Reason    string `json:"reason"`
}

func badgeAsItem(iss badges.Issue) (table.Item, error) {
	k := badgeKey(iss.HolderID, iss.Kind, iss.Key)
	return table.Marshal(badgeItem{PK: k.PK, SK: k.SK, Type: typeBadge, HolderID: iss.HolderID, Kind: string(iss.Kind), Key: iss.Key,
		ID: iss.ID, List: iss.List, Index: iss.Index, IssuedAt: formatTime(iss.IssuedAt), Revoked: iss.Revoked, ByStaff: iss.ByStaff,
		RevokedAt: formatTime(iss.RevokedAt), Reason: iss.Reason, RevokedBy: iss.RevokedBy})
}

func badgeFromItem(item table.Item) (badges.Issue, error) {
	var it badgeItem
	if err := table.Unmarshal(item, &it); err != nil {
		return badges.Issue{}, err
	}
	return badges.Issue{HolderID: it.HolderID, Kind: badges.Kind(it.Kind), Key: it.Key, ID: it.ID, List: it.List, Index: it.Index,
		IssuedAt: parseTime(it.IssuedAt), Revoked: it.Revoked, ByStaff: it.ByStaff, RevokedAt: parseTime(it.RevokedAt),
		Reason: it.Reason, RevokedBy: it.RevokedBy}, nil
}

// Issued reads the record of a holder's credential (one GetItem).
func (b *Badges) Issued(ctx context.Context, holderID string, kind badges.Kind, key string) (badges.Issue, error) {
	item, err := b.t.Get(ctx, badgeKey(holderID, kind, key))
	if errors.Is(err, table.ErrNotFound) {
		return badges.Issue{}, badges.ErrNotIssued
	}
	if err != nil {
		return badges.Issue{}, err
	}
	return badgeFromItem(item)
}

// standing is the condition that the record of badge id still stands as
// read: revoked or not, and by staff or not.
func standing(id string, revoked, byStaff bool) table.Condition {
	return table.Condition{Exists: table.MustExist, Equal: map[string]types.AttributeValue{
		"credentialId": table.S(id), "revoked": table.Bool(revoked), "byStaff": table.Bool(byStaff)}}
}

// lostRace reports whether err is a write that lost to another on the
// badge or its status entry: read again and retry.
func lostRace(err error, iss badges.Issue) bool {
	return table.FailedOn(err, badgeKey(iss.HolderID, iss.Kind, iss.Key)) || table.FailedOn(err, revokedKey(iss.List, iss.Index)) ||
		errors.Is(err, table.ErrConflict)
}

// earnedCheck is the condition that award kind/key of the holder stands:
// the program's credit on the holder's record, or the renewal's invoice
// paid.
func earnedCheck(holderID string, kind badges.Kind, key string, on time.Time) (table.Op, error) {
	switch kind {
	case badges.Program:
		return table.Check(creditKey(holderID, roster.DateOf(on), key), table.IfExists()), nil
	case badges.Renewal:
		year, err := strconv.Atoi(key)
		if err != nil {
			return table.Op{}, fmt.Errorf("renewal year %q: %w", key, err)
		}
		return table.Check(invoiceKey(renewals.InvoiceID(holderID, year)), table.IfEqual("status", table.S(string(renewals.Paid)))), nil
	}
	return table.Op{}, fmt.Errorf("credential kind %q", kind)
}

// Record issues the award's credential in the next place of the status
// lists: the counter, the check that the award stands and the record in
// one transaction (a lost race reads again and retries).
func (b *Badges) Record(ctx context.Context, holderID string, kind badges.Kind, key string, on time.Time, id string, at time.Time) (badges.Issue, error) {
	ck := badgeKey(holderID, kind, key)
	earned, err := earnedCheck(holderID, kind, key, on)
	if err != nil {
		return badges.Issue{}, err
	}
	var out badges.Issue
	err = table.RetryContended(ctx, func() (bool, error) {
		cond := table.IfNotExists()
		prev, err := b.Issued(ctx, holderID, kind, key)
		switch {
		case err == nil && (!prev.Revoked || prev.ByStaff):
			out = prev // issued meanwhile, or revoked for good
			return false, nil
		case err == nil:
			cond = standing(prev.ID, true, false) // withdrawn, and earned again; not if staff revoke it meanwhile
		case !errors.Is(err, badges.ErrNotIssued):
			return false, err
		}
		n, counterCond, err := b.count(ctx)
		if err != nil {
			return false, err
		}
		list, index := badges.Place(n)
		if list > badges.MaxLists {
			return false, fmt.Errorf("status lists full: %d credentials issued", n)
		}
		iss := badges.Issue{HolderID: holderID, Kind: kind, Key: key, ID: id, List: list, Index: index, IssuedAt: at}
		rec, err := badgeAsItem(iss)
		if err != nil {
			return false, err
		}
		counter, err := table.Marshal(badgeCounterItem{PK: badgeCounterKey().PK, SK: badgeCounterKey().SK, Type: typeBadgeCounter, Next: n + 1})
		if err != nil {
			return false, err
		}
		err = b.t.Write(ctx, table.Put(counter, counterCond), earned, table.Put(rec, cond))
		switch {
		case err == nil:
			out = iss
			return false, nil
		case table.FailedOn(err, earned.Key):
			return false, badges.ErrNotEarned
		case table.FailedOn(err, badgeCounterKey()), table.FailedOn(err, ck), errors.Is(err, table.ErrConflict):
			return true, nil
		}
		return false, fmt.Errorf("record credential %s: %w", ck, err)
	})
	return out, err
}

// count reads the counter: the place of the next credential, and the
// condition that it is still that when written.
func (b *Badges) count(ctx context.Context) (int64, table.Condition, error) {
	item, err := b.t.Get(ctx, badgeCounterKey())
	if errors.Is(err, table.ErrNotFound) {
		return 0, table.IfNotExists(), nil
	}
	if err != nil {
		return 0, table.Condition{}, err
	}
	var it badgeCounterItem
	if err := table.Unmarshal(item, &it); err != nil {
		return 0, table.Condition{}, err
	}
	return it.Next, table.IfEqual("next", table.N(it.Next)), nil
}

// revokeOps are the writes that revoke iss: its record, under its ID and
// standing as read, and its entry of its status list, with the holder's
// history event. A record its credit's withdrawal revoked already keeps
// its revocation's time, and its entry is rewritten with the new reason
// (staff's decision making it theirs).
func revokeOps(iss badges.Issue, reason, by string, byStaff bool, at time.Time) (badges.Issue, []table.Op, error) {
	already := iss.Revoked
	entryCond := table.IfNotExists()
	if already {
		entryCond = table.IfEqual("credentialId", table.S(iss.ID))
	} else {
		iss.RevokedAt = at
	}
	iss.Revoked, iss.ByStaff, iss.Reason, iss.RevokedBy = true, byStaff, reason, by
	rec, err := badgeAsItem(iss)
	if err != nil {
		return badges.Issue{}, nil, err
	}
	rk := revokedKey(iss.List, iss.Index)
	entry, err := table.Marshal(revokedItem{PK: rk.PK, SK: rk.SK, Type: typeRevoked, Index: iss.Index, ID: iss.ID, HolderID: iss.HolderID,
		Kind: string(iss.Kind), Key: iss.Key, RevokedAt: formatTime(iss.RevokedAt), Reason: reason})
	if err != nil {
		return badges.Issue{}, nil, err
	}
	ev, err := revokedEvent(iss, by, at)
	if err != nil {
		return badges.Issue{}, nil, err
	}
	return iss, []table.Op{table.Put(rec, standing(iss.ID, already, false)), table.Put(entry, entryCond),
		table.Put(ev, table.IfNotExists())}, nil
}

// revokedEvent is the holder's history event of iss's revocation.
func revokedEvent(iss badges.Issue, by string, at time.Time) (table.Item, error) {
	ek := eventKey(iss.HolderID, at)
	who := "a correction of the provider's attendance report"
	if iss.ByStaff {
		who = "the association's office"
	}
	return table.Marshal(eventItem{PK: ek.PK, SK: ek.SK, Type: "event", At: formatTime(at), By: by, Action: "badge.revoked",
		Detail: fmt.Sprintf("the %s badge %s (%s), status list %d entry %d, revoked by %s: %s", iss.Kind, iss.ID, iss.Key, iss.List, iss.Index, who, iss.Reason)})
}

// Revoke revokes a badge by staff's decision. One its credit's withdrawal
// revoked already is marked staff's too, with their reason: then a new
// credit issues no badge either.
func (b *Badges) Revoke(ctx context.Context, holderID string, kind badges.Kind, key string, reason, by string, at time.Time) (badges.Issue, error) {
	var out badges.Issue
	err := table.RetryContended(ctx, func() (bool, error) {
		iss, err := b.Issued(ctx, holderID, kind, key)
		if err != nil {
			return false, err
		}
		if iss.Revoked && iss.ByStaff {
			out = iss
			return false, nil
		}
		iss, ops, err := revokeOps(iss, reason, by, true, at)
		if err != nil {
			return false, err
		}
		err = b.t.Write(ctx, ops...)
		if lostRace(err, iss) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("revoke badge %s: %w", iss.ID, err)
		}
		out = iss
		return false, nil
	})
	return out, err
}

// WithdrawnReason is what a badge whose credit a provider's correction
// withdrew says to whoever checks it. Not the provider's own words: those
// are for the holder and staff, and the check is public.
const WithdrawnReason = "The provider corrected its report of attendance, and the credit for this program was withdrawn."

// withdrawOps are the writes a withdrawn credit makes to its badge: none,
// with a check that none is issued meanwhile, when none was; its
// revocation when one stands. lost says whether a failed write lost a race
// on the badge (read again and retry).
func withdrawOps(ctx context.Context, t table.Table, holderID, programID, by string, at time.Time) (ops []table.Op, lost func(error) bool, err error) {
	ck := badgeKey(holderID, badges.Program, programID)
	iss, err := (&Badges{t: t}).Issued(ctx, holderID, badges.Program, programID)
	onKey := func(err error) bool { return table.FailedOn(err, ck) || errors.Is(err, table.ErrConflict) }
	switch {
	case errors.Is(err, badges.ErrNotIssued):
		return []table.Op{table.Check(ck, table.IfNotExists())}, onKey, nil
	case err != nil:
		return nil, nil, err
	case iss.Revoked:
		return []table.Op{table.Check(ck, table.IfEqual("credentialId", table.S(iss.ID)))}, onKey, nil
	}
	revoked, ops, err := revokeOps(iss, WithdrawnReason, by, false, at)
	return ops, func(err error) bool { return lostRace(err, revoked) }, err
}

// Lists is how many status lists badges have places in: the list of the
// last badge issued (one GetItem of the counter).
func (b *Badges) Lists(ctx context.Context) (int, error) {
	next, _, err := b.count(ctx)
	if err != nil || next == 0 {
		return 0, err
	}
	list, _ := badges.Place(next - 1)
	return list, nil
}

// RevokedIn lists the revoked entries of status list n: Queries of its
// partition, a thousand entries a page.
func (b *Badges) RevokedIn(ctx context.Context, n int) ([]int, error) {
	var out []int
	q := table.Query{PK: badgeListPK(n), Op: table.SKBeginsWith, Value: skRevoked, Limit: 1000}
	for {
		page, err := b.t.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("query status list %d: %w", n, err)
		}
		for _, item := range page.Items {
			var it revokedItem
			if err := table.Unmarshal(item, &it); err != nil {
				return nil, err
			}
			out = append(out, it.Index)
		}
		if page.Cursor == "" {
			return out, nil
		}
		q.Cursor = page.Cursor
	}
}

// Entry reads a revoked entry (one GetItem); found is false for an entry
// not revoked.
func (b *Badges) Entry(ctx context.Context, n, index int) (badges.Issue, bool, error) {
	item, err := b.t.Get(ctx, revokedKey(n, index))
	if errors.Is(err, table.ErrNotFound) {
		return badges.Issue{}, false, nil
	}
	if err != nil {
		return badges.Issue{}, false, err
	}
	var it revokedItem
	if err := table.Unmarshal(item, &it); err != nil {
		return badges.Issue{}, false, err
	}
	return badges.Issue{HolderID: it.HolderID, Kind: badges.Kind(it.Kind), Key: it.Key, ID: it.ID, List: n, Index: it.Index,
		Revoked: true, RevokedAt: parseTime(it.RevokedAt), Reason: it.Reason}, true, nil
}

// HolderIssues lists a holder's credentials, newest first: a Query of the
// credential records in the holder's partition (a few a year).
func (b *Badges) HolderIssues(ctx context.Context, holderID string) ([]badges.Issue, error) {
	var out []badges.Issue
	q := table.Query{PK: pkHolder + holderID, Op: table.SKBeginsWith, Value: skCredential, Limit: listPageMax}
	for {
		page, err := b.t.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("query credentials of %s: %w", holderID, err)
		}
		for _, item := range page.Items {
			iss, err := badgeFromItem(item)
			if err != nil {
				return nil, err
			}
			out = append(out, iss)
		}
		if page.Cursor == "" {
			break
		}
		q.Cursor = page.Cursor
	}
	slices.SortFunc(out, func(a, b badges.Issue) int {
		return cmp.Or(b.IssuedAt.Compare(a.IssuedAt), strings.Compare(a.Key, b.Key))
	})
	return out, nil
}

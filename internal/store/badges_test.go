package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestBadges_Repository, on both backends: a badge is recorded once per
// award, only while the award stands, each in its own place of the status
// lists; a roster correction that withdraws the credit revokes it in the
// same write, a new credit issues a new one, and staff's revocation stays.
func TestBadges_Repository(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, att, accts := store.NewBadges(tbl), store.NewAttendance(tbl), store.NewAccounts(tbl)
		mar := roster.Date{Year: 2026, Month: time.March, Day: 1}
		on := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for _, p := range []string{"PRG-A", "PRG-B"} {
			cr := attendance.Credit{ProgramID: p, HolderID: "H-1", UploadID: "U-" + p, Line: 2, Completed: mar, Title: "T",
				ProviderID: "P-1", ProviderName: "Acme", Hours: cec.Of(3), Credited: t0}
			if refused, err := att.Credit(ctx, []attendance.Credit{cr}); err != nil || len(refused) != 0 {
				t.Fatalf("credit: %v, %v", refused, err)
			}
		}

		if n, err := repo.Lists(ctx); err != nil || n != 0 {
			t.Fatalf("lists opened before any badge: %d, %v", n, err)
		}
		if _, err := repo.Record(ctx, "H-1", badges.Program, "PRG-NONE", on, "urn:uuid:x", t0); !errors.Is(err, badges.ErrNotEarned) {
			t.Fatalf("a program not credited: %v, want ErrNotEarned", err)
		}
		if _, err := repo.Record(ctx, "H-1", badges.Program, "PRG-A", on.AddDate(0, 0, 1), "urn:uuid:x", t0); !errors.Is(err, badges.ErrNotEarned) {
			t.Fatalf("the credit of another day: %v, want ErrNotEarned", err)
		}
		a, err := repo.Record(ctx, "H-1", badges.Program, "PRG-A", on, "urn:uuid:a", t0)
		if err != nil {
			t.Fatal(err)
		}
		list, index := badges.Place(0)
		if a.ID != "urn:uuid:a" || a.List != list || a.Index != index || !a.IssuedAt.Equal(t0) {
			t.Fatalf("first badge %+v, want list %d index %d", a, list, index)
		}
		again, err := repo.Record(ctx, "H-1", badges.Program, "PRG-A", on, "urn:uuid:other", t0.Add(time.Hour))
		if err != nil || again.ID != a.ID || again.Index != a.Index {
			t.Fatalf("a second request for the same award: %+v, %v, want the first record", again, err)
		}
		b, err := repo.Record(ctx, "H-1", badges.Program, "PRG-B", on, "urn:uuid:b", t0)
		if _, wantIndex := badges.Place(1); err != nil || b.Index != wantIndex || b.Index == a.Index {
			t.Fatalf("second badge %+v, %v, want index %d", b, err, wantIndex)
		}
		if got, err := repo.Issued(ctx, "H-1", badges.Program, "PRG-A"); err != nil || got.ID != a.ID {
			t.Fatalf("Issued: %+v, %v", got, err)
		}
		if _, err := repo.Issued(ctx, "H-2", badges.Program, "PRG-A"); !errors.Is(err, badges.ErrNotIssued) {
			t.Fatalf("another holder's: %v", err)
		}

		// A roster correction withdraws PRG-A's credit: its badge is revoked.
		msg, _ := outbox.New("mail", map[string]string{"id": "correction:C-1"})
		corr := attendance.Correction{ID: "C-1", ProgramID: "PRG-A", UploadID: "U-PRG-A", Action: attendance.CorrectionRemove, HolderID: "H-1",
			Completed: mar, Hours: cec.Of(3), Reason: "was not there", By: "sub-p", At: t0.Add(time.Minute)}
		if err := att.Withdraw(ctx, corr, msg); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Issued(ctx, "H-1", badges.Program, "PRG-A")
		if err != nil || !got.Revoked || got.ByStaff || got.Reason != store.WithdrawnReason || strings.Contains(got.Reason, "was not there") {
			t.Fatalf("badge after the withdrawal: %+v, %v", got, err)
		}
		if n, err := repo.Lists(ctx); err != nil || n != 1 {
			t.Fatalf("lists opened: %d, %v", n, err)
		}
		revoked, err := repo.RevokedIn(ctx, 1)
		if err != nil || !slices.Equal(revoked, []int{a.Index}) {
			t.Fatalf("status list 1 revoked %v, %v; want [%d]", revoked, err, a.Index)
		}
		e, found, err := repo.Entry(ctx, 1, a.Index)
		if err != nil || !found || e.ID != a.ID || !e.RevokedAt.Equal(corr.At) {
			t.Fatalf("entry %d: %+v %v %v", a.Index, e, found, err)
		}
		if _, found, _ := repo.Entry(ctx, 1, b.Index); found {
			t.Fatal("PRG-B's entry is revoked")
		}
		events, _ := accts.Events(ctx, "H-1")
		if !slices.ContainsFunc(events, func(e accounts.Event) bool { return e.Action == "badge.revoked" && strings.Contains(e.Detail, "PRG-A") }) {
			t.Errorf("no history event of the revocation in %+v", events)
		}
		if _, err := repo.Record(ctx, "H-1", badges.Program, "PRG-A", on, "urn:uuid:late", t0); !errors.Is(err, badges.ErrNotEarned) {
			t.Fatalf("a badge for the withdrawn credit: %v", err)
		}

		// Credited again: a new badge, in a new place; the old stays revoked.
		added := attendance.Credit{ProgramID: "PRG-A", HolderID: "H-1", UploadID: "U-PRG-A", Completed: mar, Title: "T", ProviderID: "P-1",
			ProviderName: "Acme", Hours: cec.Of(3), Credited: t0}
		add := corr
		add.ID, add.Action, add.At = "C-2", attendance.CorrectionAdd, t0.Add(2*time.Minute)
		if err := att.AddCredit(ctx, added, add); err != nil {
			t.Fatal(err)
		}
		a2, err := repo.Record(ctx, "H-1", badges.Program, "PRG-A", on, "urn:uuid:a2", t0.Add(3*time.Minute))
		if err != nil || a2.ID != "urn:uuid:a2" || a2.Revoked || a2.Index == a.Index {
			t.Fatalf("badge after the credit came back: %+v, %v", a2, err)
		}
		if _, found, _ := repo.Entry(ctx, 1, a.Index); !found {
			t.Fatal("the first badge is no longer revoked")
		}

		// Staff revoke it: it stays revoked, and no download issues another.
		s, err := repo.Revoke(ctx, "H-1", badges.Program, "PRG-A", "issued in error", "sub-staff", t0.Add(4*time.Minute))
		if err != nil || !s.Revoked || !s.ByStaff || s.RevokedBy != "sub-staff" {
			t.Fatalf("staff revocation: %+v, %v", s, err)
		}
		if r, err := repo.Record(ctx, "H-1", badges.Program, "PRG-A", on, "urn:uuid:a3", t0.Add(5*time.Minute)); err != nil || r.ID != a2.ID || !r.Revoked {
			t.Fatalf("Record after staff revoked: %+v, %v, want the revoked record", r, err)
		}
		if twice, err := repo.Revoke(ctx, "H-1", badges.Program, "PRG-A", "again", "sub-staff", t0.Add(6*time.Minute)); err != nil || twice.Reason != "issued in error" {
			t.Fatalf("revoking twice: %+v, %v", twice, err)
		}
		if _, err := repo.Revoke(ctx, "H-1", badges.Program, "PRG-NONE", "x", "s", t0); !errors.Is(err, badges.ErrNotIssued) {
			t.Fatalf("revoking what was not issued: %v", err)
		}
		if revoked, _ := repo.RevokedIn(ctx, 1); len(revoked) != 2 {
			t.Fatalf("revoked entries %v, want 2", revoked)
		}
		all, err := repo.HolderIssues(ctx, "H-1")
		if err != nil || len(all) != 2 || all[0].Key != "PRG-A" || all[0].ID != a2.ID {
			t.Fatalf("the holder's badges: %+v, %v", all, err)
		}

		// A renewal's badge needs its invoice paid.
		inv := renewals.Invoice{ID: renewals.InvoiceID("H-1", 2027), HolderID: "H-1", HolderName: "Ana Lima", Year: 2027, Credentials: []string{"CAM"},
			TotalCents: 100, Currency: "usd", Status: renewals.Open, IssuedAt: t0, DueOn: "2027-01-01", GraceUntil: "2027-03-31", CreatedAt: t0, UpdatedAt: t0, Version: 1}
		if err := store.NewRenewals(tbl).Create(ctx, inv); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.Record(ctx, "H-1", badges.Renewal, "2027", t0, "urn:uuid:r", t0); !errors.Is(err, badges.ErrNotEarned) {
			t.Fatalf("an unpaid renewal: %v", err)
		}
		if _, err := store.NewRenewals(tbl).Update(ctx, inv.ID, func(i *renewals.Invoice) ([]outbox.Message, error) {
			i.Status, i.PaidAt = renewals.Paid, t0
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		if r, err := repo.Record(ctx, "H-1", badges.Renewal, "2027", t0, "urn:uuid:r", t0); err != nil || r.Kind != badges.Renewal || r.Key != "2027" {
			t.Fatalf("a paid renewal: %+v, %v", r, err)
		}
	})
}

// hooked runs fn once, just before the first write that passes through it:
// another writer getting in between a read and its write.
type hooked struct {
	table.Table
	once sync.Once
	fn   func()
}

func (h *hooked) Write(ctx context.Context, ops ...table.Op) error {
	h.once.Do(h.fn)
	return h.Table.Write(ctx, ops...)
}

// TestBadges_Races, on both backends: staff's revocation landing between
// another write's read and its write is never undone, and that write
// neither fails nor overrides it.
func TestBadges_Races(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, att := store.NewBadges(tbl), store.NewAttendance(tbl)
		mar := roster.Date{Year: 2026, Month: time.March, Day: 1}
		on := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		credit := attendance.Credit{ProgramID: "PRG-R", HolderID: "H-1", UploadID: "U-R", Line: 2, Completed: mar, Title: "T",
			ProviderID: "P-1", ProviderName: "Acme", Hours: cec.Of(3), Credited: t0}
		if _, err := att.Credit(ctx, []attendance.Credit{credit}); err != nil {
			t.Fatal(err)
		}
		corr := attendance.Correction{ID: "C-1", ProgramID: "PRG-R", UploadID: "U-R", Action: attendance.CorrectionRemove, HolderID: "H-1",
			Completed: mar, Hours: cec.Of(3), Reason: "r", By: "sub-p", At: t0.Add(time.Minute)}
		staffRevokes := func() {
			if _, err := repo.Revoke(ctx, "H-1", badges.Program, "PRG-R", "issued in error", "sub-staff", t0.Add(2*time.Minute)); err != nil {
				t.Errorf("staff's revocation: %v", err)
			}
		}

		// A withdrawal whose read saw the badge standing; staff revoke it first.
		if _, err := repo.Record(ctx, "H-1", badges.Program, "PRG-R", on, "urn:uuid:r1", t0); err != nil {
			t.Fatal(err)
		}
		if err := store.NewAttendance(&hooked{Table: tbl, fn: staffRevokes}).Withdraw(ctx, corr); err != nil {
			t.Fatalf("the withdrawal that lost the race to staff: %v", err)
		}
		got, err := repo.Issued(ctx, "H-1", badges.Program, "PRG-R")
		if err != nil || !got.Revoked || !got.ByStaff || got.Reason != "issued in error" {
			t.Fatalf("after both: %+v, %v", got, err)
		}

		// Credited again; a download whose read saw the badge withdrawn (not
		// by staff) races staff marking it theirs: no new badge comes of it.
		add := corr
		add.ID, add.Action = "C-2", attendance.CorrectionAdd
		if err := att.AddCredit(ctx, credit, add); err != nil {
			t.Fatal(err)
		}
		// Back to withdrawn-not-by-staff: the state the race starts from.
		if err := reviseBadge(ctx, tbl, func(it map[string]any) { it["byStaff"] = false; it["reason"] = store.WithdrawnReason }); err != nil {
			t.Fatal(err)
		}
		r, err := store.NewBadges(&hooked{Table: tbl, fn: staffRevokes}).Record(ctx, "H-1", badges.Program, "PRG-R", on, "urn:uuid:r2", t0.Add(3*time.Minute))
		if err != nil || r.ID != "urn:uuid:r1" || !r.Revoked || !r.ByStaff {
			t.Fatalf("the download that lost the race to staff: %+v, %v (want the staff-revoked r1)", r, err)
		}
	})
}

// reviseBadge rewrites H-1's PRG-R badge record with change applied.
func reviseBadge(ctx context.Context, tbl table.Table, change func(map[string]any)) error {
	k := table.Key{PK: "HOLDER#H-1", SK: "BADGE#program#PRG-R"}
	item, err := tbl.Get(ctx, k)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := table.Unmarshal(item, &m); err != nil {
		return err
	}
	change(m)
	out, err := table.Marshal(m)
	if err != nil {
		return err
	}
	return tbl.Write(ctx, table.Put(out, table.IfExists()))
}

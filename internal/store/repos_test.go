package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

var t0 = time.Date(2026, 3, 1, 14, 30, 0, 0, time.UTC)

func holderFixture(id, sub, email string) accounts.Holder {
	return accounts.Holder{ID: id, Sub: sub, FirstName: "Ana", LastName: "Lima", Email: email, Membership: accounts.Guest,
		Contact:     accounts.Contact{Phone: "+1 703 555 0100", Address: &accounts.Address{Line1: "1 Main St", City: "Arlington", Country: "US"}},
		Credentials: []accounts.Credential{}, ContactConfirmedAt: t0, CreatedAt: t0, UpdatedAt: t0, Version: 1}
}

func TestAccounts_Holders(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, box := store.NewAccounts(tbl), store.NewOutbox(tbl)
		h := holderFixture("H-1", "sub-1", "Ana@Example.com")
		msg, _ := outbox.New(notify.Queue, map[string]string{"id": "welcome:H-1"})
		msg.CreatedAt = t0
		if err := repo.CreateHolder(ctx, h, msg); err != nil {
			t.Fatal(err)
		}
		got, err := repo.HolderBySub(ctx, "sub-1")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, h) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, h)
		}
		pending, err := box.Pending(ctx, t0.Add(time.Second), 10)
		if err != nil || len(pending) != 1 || pending[0].ID != msg.ID || pending[0].Body != msg.Body {
			t.Fatalf("outbox after create: %+v, %v", pending, err)
		}

		t.Run("SameIdentity", func(t *testing.T) {
			err := repo.CreateHolder(ctx, holderFixture("H-2", "sub-1", "new@example.com"))
			if !errors.Is(err, accounts.ErrSubTaken) {
				t.Fatalf("got %v, want ErrSubTaken", err)
			}
			// Nothing of the refused write remains: the email is still free.
			if err := repo.CreateHolder(ctx, holderFixture("H-3", "sub-3", "new@example.com")); err != nil {
				t.Fatalf("email of a refused create is not free: %v", err)
			}
		})
		t.Run("SameEmailAnyCase", func(t *testing.T) {
			err := repo.CreateHolder(ctx, holderFixture("H-4", "sub-4", "ana@EXAMPLE.com"))
			if !errors.Is(err, accounts.ErrEmailTaken) {
				t.Fatalf("got %v, want ErrEmailTaken", err)
			}
			if _, err := repo.HolderBySub(ctx, "sub-4"); !errors.Is(err, accounts.ErrNotFound) {
				t.Fatalf("refused holder was linked: %v", err)
			}
		})
		t.Run("ByEmail", func(t *testing.T) {
			for _, email := range []string{"Ana@Example.com", "ana@example.COM"} {
				if got, err := repo.HolderByEmail(ctx, email); err != nil || got.ID != "H-1" {
					t.Fatalf("%s: %+v, %v", email, got, err)
				}
			}
			if _, err := repo.HolderByEmail(ctx, "nobody@example.com"); !errors.Is(err, accounts.ErrNotFound) {
				t.Fatalf("unknown email: %v", err)
			}
		})
		t.Run("NotFound", func(t *testing.T) {
			if _, err := repo.Holder(ctx, "H-none"); !errors.Is(err, accounts.ErrNotFound) {
				t.Fatalf("got %v", err)
			}
			_, err := repo.UpdateHolder(ctx, "H-none", func(*accounts.Holder) (accounts.Event, []outbox.Message, error) { return accounts.Event{}, nil, nil })
			if !errors.Is(err, accounts.ErrNotFound) {
				t.Fatalf("update of a missing holder: %v", err)
			}
		})
		t.Run("UpdateMovesEmailAndKeepsHistory", func(t *testing.T) {
			up, err := repo.UpdateHolder(ctx, "H-1", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.Email = "ana.lima@example.com"
				return accounts.Event{At: t0.Add(time.Minute), By: "sub-1", Action: "contact.update", Detail: "x"}, nil, nil
			})
			if err != nil || up.Version != 2 || up.Email != "ana.lima@example.com" {
				t.Fatalf("update: %+v, %v", up, err)
			}
			// The old email is free, the new one taken.
			if err := repo.CreateHolder(ctx, holderFixture("H-5", "sub-5", "ana@example.com")); err != nil {
				t.Fatalf("old email still taken: %v", err)
			}
			if err := repo.CreateHolder(ctx, holderFixture("H-6", "sub-6", "ANA.LIMA@example.com")); !errors.Is(err, accounts.ErrEmailTaken) {
				t.Fatalf("new email not taken: %v", err)
			}
			// Moving onto a taken email changes nothing.
			_, err = repo.UpdateHolder(ctx, "H-1", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.Email, h.FirstName = "new@example.com", "Changed"
				return accounts.Event{At: t0.Add(2 * time.Minute), By: "sub-1", Action: "contact.update"}, nil, nil
			})
			if !errors.Is(err, accounts.ErrEmailTaken) {
				t.Fatalf("got %v, want ErrEmailTaken", err)
			}
			h, _ := repo.Holder(ctx, "H-1")
			events, err := repo.Events(ctx, "H-1")
			if h.FirstName != "Ana" || h.Version != 2 || err != nil || len(events) != 1 || events[0].Action != "contact.update" {
				t.Fatalf("after refused update: %+v, events %+v, %v", h, events, err)
			}
		})
		t.Run("UpdateWritesMessagesWithTheChange", func(t *testing.T) {
			pendingIDs := func() map[string]bool {
				t.Helper()
				msgs, err := box.Pending(ctx, time.Now().Add(time.Hour), 100)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]bool{}
				for _, m := range msgs {
					out[m.ID] = true
				}
				return out
			}
			kept, _ := outbox.New("renewals", map[string]string{"holderId": "H-1"})
			up, err := repo.UpdateHolder(ctx, "H-1", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.Membership = accounts.Member
				return accounts.Event{At: t0, By: "staff", Action: "credentials.set"}, []outbox.Message{kept}, nil
			})
			if err != nil || up.Membership != accounts.Member || !pendingIDs()[kept.ID] {
				t.Fatalf("update with a message: %+v, %v; pending %v", up, err, pendingIDs())
			}
			// Neither a refused write nor fn's error leaves its message.
			refused, _ := outbox.New("renewals", map[string]string{"holderId": "H-1"})
			_, err = repo.UpdateHolder(ctx, "H-1", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.Email = "new@example.com" // another holder's
				return accounts.Event{}, []outbox.Message{refused}, nil
			})
			if !errors.Is(err, accounts.ErrEmailTaken) {
				t.Fatalf("got %v, want ErrEmailTaken", err)
			}
			failed, _ := outbox.New("renewals", map[string]string{"holderId": "H-1"})
			boom := errors.New("boom")
			_, err = repo.UpdateHolder(ctx, "H-1", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.Membership = accounts.Guest
				return accounts.Event{}, []outbox.Message{failed}, boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v, want fn's error", err)
			}
			if p := pendingIDs(); p[refused.ID] || p[failed.ID] {
				t.Fatalf("the outbox holds the message of a write that did not happen: %v", p)
			}
		})
		t.Run("HistoryKeepsWhatWasHeld", func(t *testing.T) {
			cam := accounts.Credential{Code: "CAM", EarnedOn: "2019-05-01"}
			ev := accounts.Event{At: t0.Add(time.Hour), By: "staff", Action: "credentials.set", Detail: "guest → member, CAM 2019-05-01",
				Before: &accounts.Held{Membership: accounts.Guest, Credentials: []accounts.Credential{}},
				After:  &accounts.Held{Membership: accounts.Member, Credentials: []accounts.Credential{cam}}}
			if _, err := repo.UpdateHolder(ctx, "H-1", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.Membership, h.Credentials = accounts.Member, []accounts.Credential{cam}
				return ev, nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			events, err := repo.Events(ctx, "H-1")
			if err != nil || len(events) == 0 || !reflect.DeepEqual(events[len(events)-1], ev) {
				t.Fatalf("history %+v, %v; want it to end with %+v", events, err, ev)
			}
			// The earlier events, written without, hold no before and after.
			for _, e := range events[:len(events)-1] {
				if e.Before != nil || e.After != nil {
					t.Fatalf("an event written without what was held has it: %+v", e)
				}
			}
		})
		t.Run("HistoryInTimeOrder", func(t *testing.T) {
			// Keys cut trailing zeros: 14:00:01.5 sorts before 14:00:01.
			if err := repo.CreateHolder(ctx, holderFixture("H-8", "sub-8", "h8@example.com")); err != nil {
				t.Fatal(err)
			}
			for _, at := range []time.Time{t0.Add(1500 * time.Millisecond), t0.Add(time.Second)} {
				if _, err := repo.UpdateHolder(ctx, "H-8", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
					return accounts.Event{At: at, By: "sub-8", Action: "contact.update"}, nil, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			events, err := repo.Events(ctx, "H-8")
			if err != nil || len(events) != 2 || !events[0].At.Equal(t0.Add(time.Second)) {
				t.Fatalf("history %+v, %v; want the earlier first", events, err)
			}
		})
		t.Run("ConcurrentUpdatesAllApply", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := repo.UpdateHolder(ctx, "H-3", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
						h.Credentials = append(h.Credentials, accounts.Credential{Code: fmt.Sprintf("C%d", i), EarnedOn: "2020-01-01"})
						return accounts.Event{At: t0, By: "staff", Action: "credentials.set", Detail: fmt.Sprint(i)}, nil, nil
					})
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			ok := 0
			for err := range errs {
				if err == nil {
					ok++
				}
			}
			h, _ := repo.Holder(ctx, "H-3")
			events, _ := repo.Events(ctx, "H-3")
			// Every successful update is in the holder and in its history, once.
			if len(h.Credentials) != ok || len(events) != ok || h.Version != int64(1+ok) || ok < 4 {
				t.Fatalf("%d updates succeeded, holder has %d credentials, %d events, version %d", ok, len(h.Credentials), len(events), h.Version)
			}
		})
	})
}

func TestAccounts_Providers(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewAccounts(tbl)
		p := accounts.Provider{ID: "P-1", Sub: "sub-p", Name: "Acme", ContactName: "Dee", Email: "d@acme.example",
			Phone: "+1 202 555 0142", Address: accounts.Address{Line1: "9 K St", City: "Washington", Country: "US"},
			CreatedAt: t0, UpdatedAt: t0, Version: 1}
		if _, err := repo.ProviderBySub(ctx, "sub-p"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("before create: %v", err)
		}
		if err := repo.CreateProvider(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := repo.ProviderBySub(ctx, "sub-p")
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("round trip: %+v, %v", got, err)
		}
		p2 := p
		p2.ID = "P-2"
		if err := repo.CreateProvider(ctx, p2); !errors.Is(err, accounts.ErrSubTaken) {
			t.Fatalf("second provider for one identity: %v", err)
		}
		// A holder and a provider may share an identity.
		if err := repo.CreateHolder(ctx, holderFixture("H-1", "sub-p", "dee@example.com")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOutbox_PendingAndDone(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		box := store.NewOutbox(tbl)
		var msgs []outbox.Message
		for i := range 20 {
			m, _ := outbox.New("mail", i)
			m.CreatedAt = t0.Add(time.Duration(i) * time.Second)
			msgs = append(msgs, m)
		}
		ops, err := store.OutboxOps(msgs...)
		if err != nil {
			t.Fatal(err)
		}
		testkit.MustWrite(t, tbl, ops...)
		got, err := box.Pending(ctx, t0.Add(10*time.Second), 100)
		if err != nil || len(got) != 10 {
			t.Fatalf("pending before t0+10s: %d, %v", len(got), err)
		}
		for _, m := range got {
			if !m.CreatedAt.Before(t0.Add(10 * time.Second)) {
				t.Fatalf("entry %v is not older than the cutoff", m.CreatedAt)
			}
		}
		if got, _ := box.Pending(ctx, t0.Add(time.Hour), 7); len(got) != 7 {
			t.Fatalf("limit 7 gave %d", len(got))
		}
		if err := box.Done(ctx, append(msgs[:15], msgs[0])...); err != nil {
			t.Fatal(err)
		}
		left, _ := box.Pending(ctx, t0.Add(time.Hour), 100)
		if len(left) != 5 {
			t.Fatalf("%d left after 15 done, want 5", len(left))
		}
	})
}

func TestMailLedger_Claim(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, clock *testkit.Clock) {
		ctx := t.Context()
		l := store.NewMailLedger(tbl)
		lease := 2 * time.Minute
		claim := func(id string, now time.Time, want notify.ClaimResult) {
			t.Helper()
			got, err := l.Claim(ctx, id, now, lease)
			if err != nil || got != want {
				t.Fatalf("Claim(%s, %v) = %v, %v; want %v", id, now, got, err, want)
			}
		}
		now := clock.Now()
		claim("a", now, notify.Claimed)
		claim("a", now.Add(time.Minute), notify.HeldElsewhere)
		claim("a", now.Add(3*time.Minute), notify.Claimed) // the first holder died: taken over
		if err := l.Sent(ctx, "a", "ses-1", now.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		claim("a", now.Add(time.Hour), notify.AlreadySent)
		if err := l.Release(ctx, "a"); err != nil { // releasing a sent job keeps it sent
			t.Fatal(err)
		}
		claim("a", now.Add(time.Hour), notify.AlreadySent)

		claim("b", now, notify.Claimed)
		if err := l.Release(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		claim("b", now, notify.Claimed)

		// Concurrent deliveries of one job: exactly one may send.
		var wg sync.WaitGroup
		results := make(chan notify.ClaimResult, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := l.Claim(ctx, "c", now, lease)
				if err != nil {
					t.Error(err)
				}
				results <- r
			}()
		}
		wg.Wait()
		close(results)
		claimed := 0
		for r := range results {
			if r == notify.Claimed {
				claimed++
			}
		}
		if claimed != 1 {
			t.Fatalf("%d concurrent deliveries claimed the job, want 1", claimed)
		}
	})
}

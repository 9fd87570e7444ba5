package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestEmailPrefs_RoundTrip: an account's choices read back as written, a
// holder's apart from a provider's of the same ID; none until it chooses;
// an edit that changes nothing writes nothing; a change that lands between
// an update's read and its write is read again, and both stand.
func TestEmailPrefs_RoundTrip(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		s := store.NewEmailPrefs(tbl)
		holder, provider := emailprefs.Account{Audience: emailprefs.Holder, ID: "X-1"}, emailprefs.Account{Audience: emailprefs.Provider, ID: "X-1"}
		if p, err := s.Prefs(ctx, holder); err != nil || len(p.Off) != 0 || !p.UpdatedAt.IsZero() {
			t.Fatalf("before any choice: %+v, %v", p, err)
		}
		at := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
		set := func(a emailprefs.Account, off []string, via string, at time.Time) emailprefs.Prefs {
			t.Helper()
			p, err := s.Update(ctx, a, func(p *emailprefs.Prefs) bool {
				p.Off, p.Via, p.UpdatedAt = off, via, at
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		set(holder, []string{"cecs_outstanding", "renewal_due"}, emailprefs.ViaLink, at)
		got, err := s.Prefs(ctx, holder)
		if err != nil || !slices.Equal(got.Off, []string{"cecs_outstanding", "renewal_due"}) || !got.UpdatedAt.Equal(at) || got.Via != emailprefs.ViaLink {
			t.Fatalf("read back %+v, %v", got, err)
		}
		if p, err := s.Prefs(ctx, provider); err != nil || len(p.Off) != 0 {
			t.Fatalf("the provider of the same ID: %+v, %v", p, err)
		}
		// An edit that declines writes nothing, and answers what stands.
		if p, err := s.Update(ctx, holder, func(*emailprefs.Prefs) bool { return false }); err != nil || len(p.Off) != 2 {
			t.Fatalf("an edit of nothing: %+v, %v", p, err)
		}
		// Another change lands while this one is being made: this one reads
		// again and is made over it, and both stand.
		meanwhile := true
		p, err := s.Update(ctx, holder, func(p *emailprefs.Prefs) bool {
			if meanwhile {
				meanwhile = false
				set(holder, append(slices.Clone(p.Off), "audit_documents"), emailprefs.ViaLink, at.Add(time.Minute))
			}
			if !slices.Contains(p.Off, "renewal_grace_ending") {
				p.Off = append(p.Off, "renewal_grace_ending")
			}
			return true
		})
		if err != nil || !slices.Equal(p.Off, []string{"cecs_outstanding", "renewal_due", "audit_documents", "renewal_grace_ending"}) {
			t.Fatalf("two changes at once: %+v, %v", p, err)
		}
		if got, _ := s.Prefs(ctx, holder); !slices.Equal(got.Off, p.Off) {
			t.Fatalf("stored %v, answered %v", got.Off, p.Off)
		}
		// Everything back on: an empty list, not the old one.
		set(holder, nil, emailprefs.ViaAccount, at.Add(time.Hour))
		if p, err := s.Prefs(ctx, holder); err != nil || len(p.Off) != 0 || p.Via != emailprefs.ViaAccount {
			t.Fatalf("all on again: %+v, %v", p, err)
		}
		if _, err := s.Prefs(ctx, emailprefs.Account{Audience: "staff", ID: "S-1"}); err == nil {
			t.Fatal("a staff account's choices were read")
		}
	})
}

package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestEmailPrefs_RoundTrip: an account's choices read back as written, a
// holder's apart from a provider's of the same ID; none until it chooses.
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
		want := emailprefs.Prefs{Off: []string{"cecs_outstanding", "renewal_due"}, UpdatedAt: at, Via: emailprefs.ViaLink}
		if err := s.SetPrefs(ctx, holder, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Prefs(ctx, holder)
		if err != nil || !slices.Equal(got.Off, want.Off) || !got.UpdatedAt.Equal(at) || got.Via != emailprefs.ViaLink || got.Version != 1 {
			t.Fatalf("read back %+v, %v; want %+v, version 1", got, err, want)
		}
		// A write over a version no longer stored changes nothing.
		for _, stale := range []int64{0, 2} {
			if err := s.SetPrefs(ctx, holder, emailprefs.Prefs{Version: stale, Via: emailprefs.ViaAccount}); !errors.Is(err, emailprefs.ErrChanged) {
				t.Fatalf("a write over version %d: %v", stale, err)
			}
		}
		if p, err := s.Prefs(ctx, provider); err != nil || len(p.Off) != 0 {
			t.Fatalf("the provider of the same ID: %+v, %v", p, err)
		}
		// Everything back on: an empty list, not the old one.
		if err := s.SetPrefs(ctx, holder, emailprefs.Prefs{UpdatedAt: at.Add(time.Hour), Via: emailprefs.ViaAccount, Version: 1}); err != nil {
			t.Fatal(err)
		}
		if p, err := s.Prefs(ctx, holder); err != nil || len(p.Off) != 0 || p.Via != emailprefs.ViaAccount || p.Version != 2 {
			t.Fatalf("all on again: %+v, %v", p, err)
		}
		if _, err := s.Prefs(ctx, emailprefs.Account{Audience: "staff", ID: "S-1"}); err == nil {
			t.Fatal("a staff account's choices were read")
		}
	})
}

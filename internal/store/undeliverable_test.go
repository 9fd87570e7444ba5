package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// The marks round-trip, the first stands, Find reads only marked
// addresses, the list is newest first, and a cleared address is mailed
// again, on both backends.
func TestUndeliverable_RoundTrip(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		u := store.NewUndeliverable(tbl)
		at := time.Date(2026, 12, 3, 14, 5, 45, 123000000, time.UTC)
		ana := undeliverable.Address{Email: "ana@example.com", Reason: undeliverable.NoMailbox, At: at, FeedbackID: "fb-1"}
		bo := undeliverable.Address{Email: "bo@example.com", Reason: undeliverable.Complaint, At: at.Add(time.Hour), FeedbackID: "fb-2"}
		for _, a := range []undeliverable.Address{ana, bo} {
			if added, err := u.Mark(ctx, a); !added || err != nil {
				t.Fatalf("Mark(%s) = %v, %v", a.Email, added, err)
			}
		}
		later := ana
		later.Reason, later.At = undeliverable.Complaint, at.Add(48*time.Hour)
		if added, err := u.Mark(ctx, later); added || err != nil {
			t.Fatalf("a second Mark of ana = %v, %v; want false (the first stands)", added, err)
		}
		got, err := u.Find(ctx, []string{"ana@example.com", "cy@example.com"})
		if err != nil || !reflect.DeepEqual(got, []undeliverable.Address{ana}) {
			t.Fatalf("Find = %+v, %v; want ana's first mark", got, err)
		}
		list, next, err := u.List(ctx, undeliverable.Page{})
		if err != nil || next != "" || !reflect.DeepEqual(list, []undeliverable.Address{bo, ana}) {
			t.Fatalf("List = %+v, %q, %v; want bo, ana", list, next, err)
		}
		if cleared, err := u.Clear(ctx, "ana@example.com"); !cleared || err != nil {
			t.Fatalf("Clear = %v, %v", cleared, err)
		}
		if cleared, err := u.Clear(ctx, "ana@example.com"); cleared || err != nil {
			t.Fatalf("a second Clear = %v, %v; want false", cleared, err)
		}
		if got, err := u.Find(ctx, []string{"ana@example.com"}); err != nil || len(got) != 0 {
			t.Fatalf("Find after Clear = %+v, %v", got, err)
		}
		// Marked again by the next bounce, as new.
		if added, err := u.Mark(ctx, later); !added || err != nil {
			t.Fatalf("Mark after Clear = %v, %v", added, err)
		}
	})
}

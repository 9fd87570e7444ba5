package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestHolderImports_CreateHolders: each holder is created with its links
// only if its email and member number are free; a taken one is refused by
// itself, across the 25-holder transaction boundary, and the links read
// back the holders.
func TestHolderImports_CreateHolders(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewHolderImports(tbl)
		mk := func(i int, email string) accounts.Holder {
			return accounts.Holder{ID: fmt.Sprintf("H-IMP%07d", i), FirstName: "Ana", LastName: fmt.Sprintf("Lima%d", i), Email: email,
				MemberNumber: fmt.Sprintf("M-%d", i), Membership: accounts.Member, ImportedBy: fmt.Sprintf("IMP-1:%d", i+2),
				Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2019-05-01"}}, CreatedAt: t0, UpdatedAt: t0, Version: 1}
		}
		var first []accounts.Holder
		for i := range 30 {
			first = append(first, mk(i, fmt.Sprintf("h%d@example.com", i)))
		}
		if refused, err := repo.CreateHolders(ctx, first); err != nil || len(refused) != 0 {
			t.Fatalf("first: refused %v, %v", refused, err)
		}
		// Again with new IDs: 3 take a used email, 2 a used member number,
		// on both sides of the boundary; the rest are new.
		var again []accounts.Holder
		for i := range 30 {
			h := mk(100+i, fmt.Sprintf("new%d@example.com", i))
			switch i {
			case 1, 24, 25:
				h.Email = fmt.Sprintf("H%d@Example.com", i)
			case 7, 29:
				h.MemberNumber = fmt.Sprintf("m-%d", i)
			}
			again = append(again, h)
		}
		refused, err := repo.CreateHolders(ctx, again)
		slices.Sort(refused)
		if err != nil || !slices.Equal(refused, []int{1, 7, 24, 25, 29}) {
			t.Fatalf("again: refused %v, %v", refused, err)
		}
		links, err := repo.Links(ctx, []string{"h3@example.com", "new0@example.com", "nobody@example.com"}, []string{"M-5", "M-100"})
		if err != nil {
			t.Fatal(err)
		}
		if links.ByEmail["h3@example.com"].ID != first[3].ID || links.ByEmail["new0@example.com"].ID != again[0].ID ||
			links.ByNumber["M-5"].ID != first[5].ID || links.ByNumber["M-100"].ID != again[0].ID || len(links.ByEmail) != 2 {
			t.Fatalf("links %+v", links)
		}
		got := links.ByNumber["M-5"]
		if got.Sub != "" || got.ImportedBy != "IMP-1:7" || len(got.Credentials) != 1 {
			t.Fatalf("holder read back %+v", got)
		}
		if h, err := store.NewAccounts(tbl).HolderByMemberNumber(ctx, "m-5"); err != nil || h.ID != first[5].ID {
			t.Fatalf("by member number: %+v %v", h, err)
		}
	})
}

package store_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/names"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// directoryFixture is the population of the directory tests: names with
// accents and case, shared last names, a last name with a space, and
// others in other partitions.
var directoryFixture = []struct{ id, first, last string }{
	{"H-01", "José", "Müller"},
	{"H-02", "Ana", "MULLER"},
	{"H-03", "Zoë", "Müllerová"},
	{"H-04", "Ana", "Mulder"},
	{"H-05", "Bob", "Smith"},
	{"H-06", "ana", "Muller"},
	{"H-07", "Ana", "Muller Barros"},
	{"H-08", "Łukasz", "Łoś"},
	{"H-09", "Mo", "Mo"},
	{"H-10", "Ann", "  Mu   ller  "}, // as a form might send it; folds to "mu ller"
}

func createDirectory(t *testing.T, repo *store.Accounts) {
	t.Helper()
	for i, f := range directoryFixture {
		h := holderFixture(f.id, "sub-"+f.id, fmt.Sprintf("h%d@example.com", i))
		h.FirstName, h.LastName = f.first, f.last
		if f.id == "H-01" {
			h.Membership = accounts.Member
			h.Credentials = []accounts.Credential{{Code: "CAM", EarnedOn: "2019-05-01"}, {Code: "CAPS", EarnedOn: "2020-01-01"}}
		}
		if err := repo.CreateHolder(t.Context(), h); err != nil {
			t.Fatal(err)
		}
	}
}

// searchAll reads every page of a search and returns the IDs in order.
func searchAll(t *testing.T, repo *store.Accounts, prefix string, limit int) []string {
	t.Helper()
	ids := []string{}
	pg := accounts.Page{Limit: limit}
	for range 100 {
		entries, next, err := repo.Directory(t.Context(), prefix, pg)
		if err != nil {
			t.Fatalf("Directory(%q, %+v): %v", prefix, pg, err)
		}
		if limit > 0 && len(entries) > limit {
			t.Fatalf("Directory(%q) gave %d entries on a page of %d", prefix, len(entries), limit)
		}
		for _, e := range entries {
			ids = append(ids, e.HolderID)
		}
		if next == "" {
			return ids
		}
		pg.Cursor = next
	}
	t.Fatalf("Directory(%q) never ended", prefix)
	return nil
}

func setUnlisted(t *testing.T, repo *store.Accounts, id string, unlisted bool) {
	t.Helper()
	_, err := repo.UpdateHolder(t.Context(), id, func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
		h.Unlisted = unlisted
		return accounts.Event{}, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAccounts_Directory(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewAccounts(tbl)
		createDirectory(t, repo)

		t.Run("PrefixIgnoresCaseAndAccents", func(t *testing.T) {
			// By folded last name, then first name, then ID: "muller" before
			// "muller barros" before "mullerova".
			muller := []string{"H-02", "H-06", "H-01", "H-07", "H-03"}
			for q, want := range map[string][]string{
				"mul":     append([]string{"H-04"}, muller...), // Mulder first
				"mull":    muller,
				"müller":  muller,
				"mullerö": {"H-03"},
				"mulled":  {},
			} {
				if got := searchAll(t, repo, names.Fold(q), 0); !reflect.DeepEqual(got, want) {
					t.Fatalf("%q: got %v, want %v", q, got, want)
				}
			}
		})
		t.Run("FoldsThePrefixItself", func(t *testing.T) {
			// The service folds; the store folds again, to the same.
			for _, q := range []string{"  MÜL  ", "Mül", "mu\u0308l"} {
				if got, want := searchAll(t, repo, q, 0), searchAll(t, repo, "mul", 0); !reflect.DeepEqual(got, want) {
					t.Fatalf("%q: got %v, want %v", q, got, want)
				}
			}
		})
		t.Run("SpacesInsideTheName", func(t *testing.T) {
			if got := searchAll(t, repo, "muller  barros", 0); !reflect.DeepEqual(got, []string{"H-07"}) {
				t.Fatalf("got %v", got)
			}
			if got := searchAll(t, repo, "mu ll", 0); !reflect.DeepEqual(got, []string{"H-10"}) {
				t.Fatalf("got %v", got)
			}
		})
		t.Run("Pages", func(t *testing.T) {
			all := searchAll(t, repo, "mu", 0)
			want := []string{"H-10", "H-04", "H-02", "H-06", "H-01", "H-07", "H-03"}
			if !reflect.DeepEqual(all, want) {
				t.Fatalf("all: got %v, want %v", all, want)
			}
			for _, limit := range []int{1, 2, 3, 7} {
				if got := searchAll(t, repo, "mu", limit); !reflect.DeepEqual(got, want) {
					t.Fatalf("limit %d: got %v, want %v", limit, got, want)
				}
			}
		})
		t.Run("Partitions", func(t *testing.T) {
			if got := searchAll(t, repo, "sm", 0); !reflect.DeepEqual(got, []string{"H-05"}) {
				t.Fatalf("sm: got %v", got)
			}
			if got := searchAll(t, repo, "ŁO", 0); !reflect.DeepEqual(got, []string{"H-08"}) {
				t.Fatalf("ło: got %v", got)
			}
			if got := searchAll(t, repo, "lo", 0); len(got) != 0 { // Ł is not L with an accent
				t.Fatalf("lo: got %v", got)
			}
			if got := searchAll(t, repo, "mo", 0); !reflect.DeepEqual(got, []string{"H-09"}) {
				t.Fatalf("mo: got %v", got)
			}
			if got := searchAll(t, repo, "xy", 0); len(got) != 0 {
				t.Fatalf("xy: got %v", got)
			}
			for id, want := range map[string][2]string{
				"H-05": {"DIR#sm", "smith\x01bob\x01H-05"},
				"H-01": {"DIR#mu", "muller\x01jose\x01H-01"},
				"H-08": {"DIR#ło", "łos\x01łukasz\x01H-08"},
				"H-10": {"DIR#mu", "mu ller\x01ann\x01H-10"},
			} {
				item := testkit.MustGet(t, tbl, table.Key{PK: "HOLDER#" + id, SK: "PROFILE"})
				if got := [2]string{attrS(item, table.AttrGSI1PK), attrS(item, table.AttrGSI1SK)}; got != want {
					t.Fatalf("directory keys of %s: %q, want %q", id, got, want)
				}
			}
		})
		t.Run("EntryHasOnlyDirectoryFields", func(t *testing.T) {
			entries, _, err := repo.Directory(ctx, "muller", accounts.Page{Limit: 3})
			if err != nil || len(entries) != 3 {
				t.Fatalf("got %+v, %v", entries, err)
			}
			want := accounts.DirectoryEntry{HolderID: "H-01", FirstName: "José", LastName: "Müller",
				Credentials: []string{"CAM", "CAPS"}, Membership: accounts.Member}
			if !reflect.DeepEqual(entries[2], want) {
				t.Fatalf("got %+v, want %+v", entries[2], want)
			}
			if e := entries[0]; e.Credentials == nil || len(e.Credentials) != 0 || e.Membership != accounts.Guest {
				t.Fatalf("a guest without credentials: %+v", e)
			}
		})
		t.Run("OptOutAndBackIn", func(t *testing.T) {
			setUnlisted(t, repo, "H-06", true)
			if got := searchAll(t, repo, "muller", 0); !reflect.DeepEqual(got, []string{"H-02", "H-01", "H-07", "H-03"}) {
				t.Fatalf("after opting out: %v", got)
			}
			item := testkit.MustGet(t, tbl, table.Key{PK: "HOLDER#H-06", SK: "PROFILE"})
			if _, ok := item[table.AttrGSI1PK]; ok {
				t.Fatalf("an unlisted holder keeps its directory keys: %v", item)
			}
			if _, ok := item[table.AttrGSI1SK]; ok {
				t.Fatalf("an unlisted holder keeps its directory keys: %v", item)
			}
			h, err := repo.Holder(ctx, "H-06")
			if err != nil || !h.Unlisted {
				t.Fatalf("holder after opting out: %+v, %v", h, err)
			}
			// Other writes keep it out.
			if _, err := repo.UpdateHolder(ctx, "H-06", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.Contact.Phone = "+1 202 555 0199"
				return accounts.Event{}, nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := searchAll(t, repo, "muller", 0); len(got) != 4 {
				t.Fatalf("an unrelated write relisted the holder: %v", got)
			}
			setUnlisted(t, repo, "H-06", false)
			if got := searchAll(t, repo, "muller", 0); !reflect.DeepEqual(got, []string{"H-02", "H-06", "H-01", "H-07", "H-03"}) {
				t.Fatalf("after opting back in: %v", got)
			}
		})
		t.Run("CreatedUnlisted", func(t *testing.T) {
			h := holderFixture("H-20", "sub-20", "h20@example.com")
			h.LastName, h.Unlisted = "Smithers", true
			if err := repo.CreateHolder(ctx, h); err != nil {
				t.Fatal(err)
			}
			if got := searchAll(t, repo, "smi", 0); !reflect.DeepEqual(got, []string{"H-05"}) {
				t.Fatalf("got %v", got)
			}
			if got, err := repo.Holder(ctx, "H-20"); err != nil || !reflect.DeepEqual(got, h) {
				t.Fatalf("round trip: %+v, %v", got, err)
			}
		})
		t.Run("RenameMovesPartition", func(t *testing.T) {
			h := holderFixture("H-21", "sub-21", "h21@example.com")
			h.LastName = "Nakamura"
			if err := repo.CreateHolder(ctx, h); err != nil {
				t.Fatal(err)
			}
			if _, err := repo.UpdateHolder(ctx, "H-21", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
				h.LastName = "Okafor"
				return accounts.Event{}, nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := searchAll(t, repo, "na", 0); len(got) != 0 {
				t.Fatalf("old name still found: %v", got)
			}
			if got := searchAll(t, repo, "oka", 0); !reflect.DeepEqual(got, []string{"H-21"}) {
				t.Fatalf("new name: %v", got)
			}
		})
		t.Run("CursorOfAnotherSearch", func(t *testing.T) {
			_, next, err := repo.Directory(ctx, "mu", accounts.Page{Limit: 1})
			if err != nil || next == "" {
				t.Fatalf("first page: %q, %v", next, err)
			}
			for _, q := range []string{"sm", "mulle"} {
				_, _, err := repo.Directory(ctx, q, accounts.Page{Limit: 1, Cursor: next})
				if f, ok := fault.As(err); !ok || f.Code != "invalid_cursor" {
					t.Fatalf("%q with a cursor of \"mu\": %v", q, err)
				}
			}
			_, _, err = repo.Directory(ctx, "mu", accounts.Page{Cursor: "not-a-cursor"})
			if f, ok := fault.As(err); !ok || f.Code != "invalid_cursor" {
				t.Fatalf("malformed cursor: %v", err)
			}
		})
		t.Run("PrefixTooShort", func(t *testing.T) {
			for _, q := range []string{"", "m", " M ", "\u0301"} {
				if _, _, err := repo.Directory(ctx, q, accounts.Page{}); err == nil {
					t.Fatalf("%q: no error", q)
				}
			}
		})
	})
}

func attrS(item table.Item, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// TestAccounts_StaffDirectory: staff's search by name holds every holder,
// listed or not, in the directory's order, and follows a renamed or
// re-listed holder in the same write as the holder.
func TestAccounts_StaffDirectory(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewAccounts(tbl)
		for i, p := range []struct {
			id, first, last string
			unlisted        bool
		}{{"H-1", "Ana", "Okafor", false}, {"H-2", "Ben", "Okafor", true}, {"H-3", "Cy", "Okoro", false}} {
			h := accounts.Holder{ID: p.id, Sub: fmt.Sprintf("sub-%d", i), FirstName: p.first, LastName: p.last,
				Email: fmt.Sprintf("h%d@example.org", i), Membership: accounts.Guest, Unlisted: p.unlisted,
				Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2020-01-01"}}}
			if err := repo.CreateHolder(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(es []accounts.DirectoryEntry) []string {
			out := []string{}
			for _, e := range es {
				out = append(out, e.HolderID)
			}
			return out
		}
		staff, _, err := repo.StaffDirectory(ctx, "oka", accounts.Page{})
		if err != nil || !reflect.DeepEqual(ids(staff), []string{"H-1", "H-2"}) || !reflect.DeepEqual(staff[1].Credentials, []string{"CAM"}) {
			t.Fatalf("staff's search: %+v, %v", staff, err)
		}
		listed, _, err := repo.Directory(ctx, "oka", accounts.Page{})
		if err != nil || !reflect.DeepEqual(ids(listed), []string{"H-1"}) {
			t.Fatalf("the directory: %+v, %v", listed, err)
		}
		// Renamed: found under the new name only.
		if _, err := repo.UpdateHolder(ctx, "H-2", func(h *accounts.Holder) (accounts.Event, []outbox.Message, error) {
			h.LastName = "Okoro"
			return accounts.Event{}, nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		for prefix, want := range map[string][]string{"oka": {"H-1"}, "oko": {"H-2", "H-3"}} {
			got, _, err := repo.StaffDirectory(ctx, prefix, accounts.Page{})
			if err != nil || !reflect.DeepEqual(ids(got), want) {
				t.Fatalf("%s after the rename: %v, %v", prefix, ids(got), err)
			}
		}
	})
}

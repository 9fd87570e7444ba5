package accounts_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
)

var (
	beta      = identity.Caller{Sub: "sub-beta", Roles: []string{identity.RoleProvider, identity.RoleHolder}}
	nobody    = identity.Caller{Sub: "sub-nobody"} // signed in, no role
	anonymous = identity.Caller{}
)

// person signs in a holder and creates their account named first last.
func (e *env) person(t *testing.T, n int, first, last string) accounts.Holder {
	t.Helper()
	c := identity.Caller{Sub: fmt.Sprintf("sub-%d", n), Roles: []string{identity.RoleHolder}}
	return e.createHolder(t, c, accounts.NewHolder{FirstName: first, LastName: last, Email: fmt.Sprintf("p%d@example.org", n)})
}

func (e *env) setListed(t *testing.T, h accounts.Holder, listed bool) accounts.Holder {
	t.Helper()
	c := identity.Caller{Sub: h.Sub, Roles: []string{identity.RoleHolder}}
	got, err := e.at(t1).UpdateContact(t.Context(), c, accounts.ContactUpdate{ListedInDirectory: &listed})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func entryIDs(entries []accounts.DirectoryEntry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.HolderID)
	}
	return out
}

func TestService_Directory(t *testing.T) {
	e := newEnv(t)
	muller := e.person(t, 1, "José", "Müller")
	mulder := e.person(t, 2, "Ana", "Mulder")
	smith := e.person(t, 3, "Bob", "Smith")
	svc := e.at(t1)
	ctx := t.Context()

	t.Run("ByName", func(t *testing.T) {
		for _, q := range []string{"Mül", "  MUL ", "mu"} {
			got, next, err := svc.Directory(ctx, acme, q, accounts.Page{})
			if err != nil || next != "" || !reflect.DeepEqual(entryIDs(got), []string{mulder.ID, muller.ID}) {
				t.Fatalf("%q: %v, %q, %v", q, entryIDs(got), next, err)
			}
		}
		got, _, err := svc.Directory(ctx, staff, "MULLER", accounts.Page{})
		want := accounts.DirectoryEntry{HolderID: muller.ID, FirstName: "José", LastName: "Müller",
			Credentials: []string{}, Membership: accounts.Guest}
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Fatalf("got %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("ByID", func(t *testing.T) {
		for _, q := range []string{smith.ID, strings.ToLower(smith.ID), " " + smith.ID + " "} {
			got, next, err := svc.Directory(ctx, beta, q, accounts.Page{})
			if err != nil || next != "" || !reflect.DeepEqual(entryIDs(got), []string{smith.ID}) {
				t.Fatalf("%q: %v, %q, %v", q, entryIDs(got), next, err)
			}
		}
	})
	t.Run("UnknownIDIsNoMatch", func(t *testing.T) {
		got, next, err := svc.Directory(ctx, acme, "H-0000000000", accounts.Page{})
		if err != nil || next != "" || got == nil || len(got) != 0 {
			t.Fatalf("got %v, %q, %v; want an empty list", got, next, err)
		}
	})
	t.Run("NoMatchIsEmpty", func(t *testing.T) {
		got, next, err := svc.Directory(ctx, acme, "Zz", accounts.Page{})
		if err != nil || next != "" || got == nil || len(got) != 0 {
			t.Fatalf("got %v, %q, %v; want an empty list", got, next, err)
		}
	})
	t.Run("OptedOutHolderIsAbsent", func(t *testing.T) {
		e := newEnv(t)
		h := e.person(t, 1, "Zoë", "Adams")
		svc := e.at(t1)
		if got := e.setListed(t, h, false); !got.Unlisted {
			t.Fatalf("after opting out: %+v", got)
		}
		for _, q := range []string{"Adams", h.ID} {
			got, _, err := svc.Directory(ctx, acme, q, accounts.Page{})
			if err != nil || len(got) != 0 {
				t.Fatalf("%q: an opted-out holder was found: %v, %v", q, got, err)
			}
		}
		// Updating the contact without the field keeps the choice.
		c := identity.Caller{Sub: h.Sub, Roles: []string{identity.RoleHolder}}
		if got, err := svc.UpdateContact(ctx, c, accounts.ContactUpdate{Phone: "+1 703 555 0111"}); err != nil || !got.Unlisted {
			t.Fatalf("an update without listedInDirectory relisted the holder: %+v, %v", got, err)
		}
		if got := e.setListed(t, h, true); got.Unlisted {
			t.Fatalf("after opting back in: %+v", got)
		}
		for _, q := range []string{"ad", h.ID} {
			got, _, err := svc.Directory(ctx, staff, q, accounts.Page{})
			if err != nil || !reflect.DeepEqual(entryIDs(got), []string{h.ID}) {
				t.Fatalf("%q after opting back in: %v, %v", q, entryIDs(got), err)
			}
		}
		// The history says so (the three updates share one instant, so their
		// order in it is arbitrary).
		var details []string
		for _, ev := range e.events(t, h.ID) {
			details = append(details, ev.Detail)
		}
		slices.Sort(details)
		want := []string{"contact information updated by the holder",
			"contact information updated by the holder; listed in the directory",
			"contact information updated by the holder; taken out of the directory"}
		if !reflect.DeepEqual(details, want) {
			t.Fatalf("history: %q", details)
		}
	})
	t.Run("StaffFindAnyoneByIDOrEmail", func(t *testing.T) {
		e := newEnv(t)
		h := e.setListed(t, e.person(t, 7, "Ben", "Okafor"), false)
		svc := e.at(t1)
		for _, tc := range []struct {
			who  identity.Caller
			q    string
			want []string
		}{
			{staff, h.ID, []string{h.ID}},             // unlisted, but staff keep everyone's records
			{staff, "P7@Example.org", []string{h.ID}}, // the account's email, as EmailKey compares it
			{staff, " p7@example.org ", []string{h.ID}},
			{staff, "nobody@example.org", []string{}},
			{staff, "Okaf", []string{h.ID}},      // and by name
			{acme, "Okaf", []string{}},           // providers search the listed only
			{acme, h.ID, []string{}},             // providers see the directory only
			{acme, "p7@example.org", []string{}}, // and search it by name, never by email
		} {
			got, next, err := svc.Directory(ctx, tc.who, tc.q, accounts.Page{})
			if err != nil || next != "" || !reflect.DeepEqual(entryIDs(got), tc.want) {
				t.Errorf("%s searching %q: %v, %q, %v; want %v", tc.who.Sub, tc.q, entryIDs(got), next, err, tc.want)
			}
		}
	})
	t.Run("Pages", func(t *testing.T) {
		e := newEnv(t)
		var want []string
		for i := range 25 {
			want = append(want, e.person(t, i, fmt.Sprintf("Ana %02d", i), "Costa").ID)
		}
		svc := e.at(t1)
		var got []string
		pg := accounts.Page{}
		for pages := 0; ; pages++ {
			entries, next, err := svc.Directory(ctx, acme, "costa", pg)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) > accounts.DirectoryPageDefault {
				t.Fatalf("page of %d entries, default is %d", len(entries), accounts.DirectoryPageDefault)
			}
			got = append(got, entryIDs(entries)...)
			if next == "" {
				break
			}
			pg.Cursor = next
		}
		if !reflect.DeepEqual(got, want) { // first names sort as created
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("Roles", func(t *testing.T) {
		for name, tc := range map[string]struct {
			c    identity.Caller
			kind fault.Kind
			code string
		}{
			"Anonymous": {anonymous, fault.Unauthenticated, "unauthenticated"},
			"Holder":    {ana, fault.Forbidden, "forbidden"},
			"NoRole":    {nobody, fault.Forbidden, "forbidden"},
		} {
			t.Run(name, func(t *testing.T) {
				_, _, err := svc.Directory(ctx, tc.c, "mu", accounts.Page{})
				wantFault(t, err, tc.kind, tc.code)
				_, _, err = svc.Directory(ctx, tc.c, smith.ID, accounts.Page{})
				wantFault(t, err, tc.kind, tc.code)
			})
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for name, tc := range map[string]struct {
			q    string
			pg   accounts.Page
			want []fault.Detail
		}{
			"Missing":          {"", accounts.Page{}, []fault.Detail{d("q", "required")}},
			"Blank":            {"   ", accounts.Page{}, []fault.Detail{d("q", "required")}},
			"OneLetter":        {"M", accounts.Page{}, []fault.Detail{d("q", "too_short")}},
			"OneLetterSpaced":  {"  ü  ", accounts.Page{}, []fault.Detail{d("q", "too_short")}},
			"OnlyAMark":        {"\u0301\u0301", accounts.Page{}, []fault.Detail{d("q", "too_short")}},
			"TooLong":          {strings.Repeat("a", 101), accounts.Page{}, []fault.Detail{d("q", "too_long")}},
			"ControlCharacter": {"mu\x00ller", accounts.Page{}, []fault.Detail{d("q", "control_characters")}},
			"LimitTooLarge":    {"mu", accounts.Page{Limit: 101}, []fault.Detail{d("limit", "out_of_range")}},
			"LimitNegative":    {"mu", accounts.Page{Limit: -1}, []fault.Detail{d("limit", "out_of_range")}},
			"Both":             {"M", accounts.Page{Limit: 101}, []fault.Detail{d("q", "too_short"), d("limit", "out_of_range")}},
			"IDAndBadLimit":    {smith.ID, accounts.Page{Limit: 500}, []fault.Detail{d("limit", "out_of_range")}},
		} {
			t.Run(name, func(t *testing.T) {
				_, _, err := svc.Directory(ctx, acme, tc.q, tc.pg)
				fe := wantFault(t, err, fault.Invalid, "invalid_request")
				wantDetails(t, fe.Details, tc.want...)
			})
		}
	})
	t.Run("CursorOfAnotherList", func(t *testing.T) {
		_, next, err := svc.Directory(ctx, acme, "mu", accounts.Page{Limit: 1})
		if err != nil || next == "" {
			t.Fatalf("first page: %q, %v", next, err)
		}
		_, _, err = svc.Directory(ctx, acme, "sm", accounts.Page{Cursor: next})
		wantFault(t, err, fault.Invalid, "invalid_cursor")
		_, _, err = svc.Directory(ctx, acme, smith.ID, accounts.Page{Cursor: next})
		wantFault(t, err, fault.Invalid, "invalid_cursor")
	})
}

// failingStore fails every directory read, to show that a store failure is
// an internal error, not a caller's mistake.
type failingStore struct{ accounts.Store }

func (failingStore) Directory(context.Context, string, accounts.Page) ([]accounts.DirectoryEntry, string, error) {
	return nil, "", fmt.Errorf("table unavailable")
}

func (failingStore) Holder(context.Context, string) (accounts.Holder, error) {
	return accounts.Holder{}, fmt.Errorf("table unavailable")
}

func TestService_Directory_StoreFailure(t *testing.T) {
	e := newEnv(t)
	svc := accounts.NewService(failingStore{e.repo}, e.policy, nil, nil, e.relay)
	for _, q := range []string{"mu", "H-0000000000"} {
		_, _, err := svc.Directory(t.Context(), acme, q, accounts.Page{})
		if _, coded := fault.As(err); err == nil || coded {
			t.Fatalf("%q: got %v, want an internal error", q, err)
		}
	}
}

func TestService_ListedByDefault(t *testing.T) {
	e := newEnv(t)
	h := e.person(t, 1, "Ana", "Lima")
	if h.Unlisted {
		t.Fatalf("a new holder is unlisted: %+v", h)
	}
	got, _, err := e.at(t1).Directory(t.Context(), acme, "lima", accounts.Page{})
	if err != nil || !reflect.DeepEqual(entryIDs(got), []string{h.ID}) {
		t.Fatalf("got %v, %v", entryIDs(got), err)
	}
}

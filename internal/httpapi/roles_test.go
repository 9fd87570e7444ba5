package httpapi

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cecportal/cecportal/internal/identity"
)

// fakeRoles answers HasRole from a set of "sub role" and counts the questions.
type fakeRoles struct {
	has   map[string]bool
	asked int
	err   error
}

func (f *fakeRoles) HasRole(_ context.Context, sub, role string) (bool, error) {
	f.asked++
	return f.has[sub+" "+role], f.err
}

// TestDerivedRoles: a caller whose token lacks the holder or provider role
// a route needs gets it from their own records; staff is never derived;
// a role found is remembered, one not found is asked again.
func TestDerivedRoles(t *testing.T) {
	ctx := context.Background()
	source := &fakeRoles{has: map[string]bool{"ana holder": true, "acme provider": true, "both holder": true, "both provider": true}}
	d := &derivedRoles{source: source}
	for _, tc := range []struct {
		name   string
		access Access
		caller identity.Caller
		want   []string
		asked  int // questions this case adds
	}{
		{"HolderFromAccount", Roles(identity.RoleHolder), identity.Caller{Sub: "ana"}, []string{"holder"}, 1},
		{"RememberedOnceFound", Roles(identity.RoleHolder), identity.Caller{Sub: "ana"}, []string{"holder"}, 0},
		{"NoAccountNoRole", Roles(identity.RoleHolder), identity.Caller{Sub: "new"}, nil, 1},
		{"AskedAgainWhileAbsent", Roles(identity.RoleHolder), identity.Caller{Sub: "new"}, nil, 1},
		{"ProviderForADirectoryRoute", Roles(identity.RoleProvider, identity.RoleStaff), identity.Caller{Sub: "acme"}, []string{"provider"}, 1},
		{"StaffNeverDerived", Roles(identity.RoleStaff), identity.Caller{Sub: "ana"}, nil, 0},
		{"TokenRoleEnough", Roles(identity.RoleHolder), identity.Caller{Sub: "x", Roles: []string{"holder"}}, []string{"holder"}, 0},
		{"BothOnlyTheNeededOne", Roles(identity.RoleProvider), identity.Caller{Sub: "both"}, []string{"provider"}, 1},
		{"BothTheOther", Roles(identity.RoleHolder), identity.Caller{Sub: "both", Roles: []string{"staff"}}, []string{"staff", "holder"}, 1},
		{"Anonymous", Roles(identity.RoleHolder), identity.Caller{}, nil, 0},
		{"SignedInRoute", SignedIn, identity.Caller{Sub: "ana2"}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := source.asked
			c := tc.caller
			if err := d.add(ctx, tc.access, &c); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Roles, tc.want) || source.asked-before != tc.asked {
				t.Fatalf("roles %v after %d questions, want %v after %d", c.Roles, source.asked-before, tc.want, tc.asked)
			}
		})
	}
	t.Run("NilAddsNothing", func(t *testing.T) {
		var none *derivedRoles
		c := identity.Caller{Sub: "ana"}
		if err := none.add(ctx, Roles(identity.RoleHolder), &c); err != nil || c.Roles != nil {
			t.Fatalf("%v %v", c.Roles, err)
		}
	})
	t.Run("SourceFails", func(t *testing.T) {
		failing := &derivedRoles{source: &fakeRoles{err: errors.New("table down")}}
		c := identity.Caller{Sub: "ana"}
		if err := failing.add(ctx, Roles(identity.RoleHolder), &c); err == nil {
			t.Fatal("a failed read gave no error")
		}
	})
	t.Run("Bounded", func(t *testing.T) {
		many := &fakeRoles{has: map[string]bool{}}
		b := &derivedRoles{source: many}
		for i := range maxCached + 5 {
			sub := string(rune('a'+i%26)) + string(rune(i))
			many.has[sub+" holder"] = true
			c := identity.Caller{Sub: sub}
			if err := b.add(ctx, Roles(identity.RoleHolder), &c); err != nil {
				t.Fatal(err)
			}
		}
		if len(b.known) > maxCached {
			t.Fatalf("%d entries kept, at most %d", len(b.known), maxCached)
		}
	})
}

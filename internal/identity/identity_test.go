package identity

import (
	"testing"

	"github.com/cecportal/cecportal/internal/fault"
)

func TestCaller_RequireRole(t *testing.T) {
	for _, tc := range []struct {
		name   string
		caller Caller
		kind   fault.Kind // 0: allowed
	}{
		{"Anonymous", Caller{}, fault.Unauthenticated},
		{"OtherRole", Caller{Sub: "s", Roles: []string{RoleProvider}}, fault.Forbidden},
		{"Staff", Caller{Sub: "s", Roles: []string{RoleHolder, RoleStaff}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.caller.RequireRole(RoleStaff)
			if tc.kind == 0 && err != nil || tc.kind != 0 && !fault.Is(err, tc.kind) {
				t.Fatalf("RequireRole(staff) = %v, want kind %d", err, tc.kind)
			}
		})
	}
}

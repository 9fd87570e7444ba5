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

func TestValidGroupName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"staff", true},
		{"Staff", true}, // well formed; not our staff, since roles compare exactly
		{"admins", true},
		{"us-east-1_AbC123_Google", true},
		{"cec.staff-2", true},
		{"a", true},
		{string(make([]byte, MaxGroupNameLen)), false}, // NULs
		{"", false},
		{" staff", false},
		{"staff ", false},
		{"staff\n", false},
		{"holder staff", false},
		{"holder,staff", false},
		{`"staff"`, false},
		{"[staff]", false},
		{"sta\x00ff", false},
		{"sta\\ff", false},
		{"stäff", false},
		{"staff\u200b", false}, // zero-width space
	} {
		if got := ValidGroupName(tc.name); got != tc.ok {
			t.Errorf("ValidGroupName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
	long := make([]byte, MaxGroupNameLen+1)
	for i := range long {
		long[i] = 's'
	}
	if !ValidGroupName(string(long[:MaxGroupNameLen])) || ValidGroupName(string(long)) {
		t.Errorf("length limit is not %d", MaxGroupNameLen)
	}
}

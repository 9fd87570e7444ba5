// Package identity is who is calling: the subject and roles taken from the
// caller's verified JWT. Domain services receive a Caller and decide from it;
// they never see a token.
package identity

import (
	"slices"

	"github.com/cecportal/cecportal/internal/fault"
)

// Roles a caller can hold (Cognito groups in AWS; /dev/token locally).
const (
	RoleHolder   = "holder"
	RoleProvider = "provider"
	RoleStaff    = "staff"
)

// Caller is a verified identity. The zero Caller is anonymous.
type Caller struct {
	Sub   string   // the identity provider's stable subject
	Email string   // as the identity provider asserts it; may be empty
	Roles []string // e.g. RoleHolder
}

// Anonymous reports whether no identity was verified.
func (c Caller) Anonymous() bool { return c.Sub == "" }

// Has reports whether the caller holds role.
func (c Caller) Has(role string) bool { return slices.Contains(c.Roles, role) }

// ErrSignIn is what a service answers an anonymous caller.
var ErrSignIn = fault.New(fault.Unauthenticated, "unauthenticated", "sign in first")

// RequireRole refuses an anonymous caller (401) and one without role (403).
func (c Caller) RequireRole(role string) error {
	switch {
	case c.Anonymous():
		return ErrSignIn
	case !c.Has(role):
		return fault.New(fault.Forbidden, "forbidden", "only "+role+" may do this")
	}
	return nil
}

// Package identity is who is calling: the subject and roles taken from the
// caller's verified JWT. Domain services receive a Caller and decide from it;
// they never see a token.
package identity

import "slices"

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

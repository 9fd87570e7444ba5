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
	Sub   string // the identity provider's stable subject
	Email string // as the identity provider asserts it; may be empty
	// EmailVerified: the identity provider says its person proved they
	// read Email (Cognito's email_verified), not only typed it.
	EmailVerified bool
	Roles         []string // e.g. RoleHolder
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

// MaxGroupNameLen is Cognito's limit on a group name.
const MaxGroupNameLen = 128

// ValidGroupName reports whether s is a plain group name: 1 to
// MaxGroupNameLen characters, each an ASCII letter or digit, '_', '-' or
// '.'. Cognito allows more in a group name (any letter, mark, symbol,
// number or punctuation, but never whitespace or a control character), yet
// our roles are holder, provider and staff, and Cognito's own groups for
// federated sign-in look like us-east-1_AbC123_Google. Keeping to this set
// means a name never holds the separators of the forms a role claim takes
// on its way to a Lambda (space, comma, quote, bracket), so no name can be
// read as two, or as another. A name outside the set is refused wherever a
// role claim is read; well-formed names that are not our roles (admins)
// are simply not roles.
func ValidGroupName(s string) bool {
	if s == "" || len(s) > MaxGroupNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

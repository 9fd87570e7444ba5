package httpapi

import (
	"strings"

	"github.com/cecportal/cecportal/internal/fault"
)

// Route binds one operation of the OpenAPI document to its handler.
type Route struct {
	Method string      // upper case, e.g. "GET"
	Path   string      // the template exactly as in openapi.yaml, e.g. "/holders/{holderId}/credentials"
	Access Access      // who may call it; must agree with the operation's security
	Handle HandlerFunc // the handler
	// Precheck, when set, runs the service's own checks of the fields of a
	// request that the contract refused (writing nothing), so that a person
	// hears of every problem at once, missing and malformed together, not
	// in two rounds. It reads the body as best it can.
	Precheck func(r *Request) []fault.Detail
	// MaxBodyBytes, when set, bounds this route's body instead of the
	// API's Options.MaxBodyBytes: an upload of a spreadsheet on an API of
	// forms.
	MaxBodyBytes int64
	// Verbatim marks a body that is another party's signed document, read
	// byte for byte by the handler (the payment provider's events): its
	// strings are theirs, not text people typed, so the free-text rule
	// (freetext.Hidden) is not applied to them.
	Verbatim bool
}

// accessKind starts at 1 so that a Route whose Access was forgotten is an
// error in New instead of silently public.
type accessKind int

const (
	accessPublic accessKind = iota + 1
	accessSignedIn
	accessRoles
)

// Access says who may call a route. API Gateway has already verified the
// token in AWS; Access is the authorisation the authorizer cannot express.
type Access struct {
	kind  accessKind
	roles []string
}

var (
	// Public routes take no token (`security: []` in the document).
	Public = Access{kind: accessPublic}
	// SignedIn routes take any verified identity, whatever its roles.
	SignedIn = Access{kind: accessSignedIn}
)

// Roles admits a caller holding any one of roles.
func Roles(roles ...string) Access {
	return Access{kind: accessRoles, roles: append([]string(nil), roles...)}
}

func (a Access) String() string {
	switch a.kind {
	case accessPublic:
		return "public"
	case accessSignedIn:
		return "signed-in"
	case accessRoles:
		return "roles(" + strings.Join(a.roles, ",") + ")"
	}
	return "unset"
}

// IsPublic reports whether a admits callers without a token.
func (a Access) IsPublic() bool { return a.kind == accessPublic }

// RoleList returns the roles a admits, or nil when it is Public or SignedIn.
func (a Access) RoleList() []string {
	if a.kind != accessRoles {
		return nil
	}
	return append([]string(nil), a.roles...)
}

// RouteAccess returns the Access of the route served under key (a route key
// of RouteKeys, e.g. "GET /holders/me"), so that tests can compare it with
// the operation's security in the OpenAPI document.
func (a *API) RouteAccess(key string) (Access, bool) {
	rt, ok := a.byKey[key]
	if !ok {
		return Access{}, false
	}
	return rt.Access, true
}

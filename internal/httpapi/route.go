package httpapi

import (
	"fmt"
	"strings"
)

// Route binds one operation of the OpenAPI document to its handler.
type Route struct {
	Method string      // upper case, e.g. "GET"
	Path   string      // the template exactly as in openapi.yaml, e.g. "/holders/{holderId}/credentials"
	Access Access      // who may call it; must agree with the operation's security
	Handle HandlerFunc // the handler
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

// segment is one piece of a path template: a literal, or a parameter that
// matches exactly one non-empty path segment, as in API Gateway.
type segment struct {
	literal string
	param   string // set for "{name}"
}

func parseTemplate(path string) ([]segment, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path %q does not start with /", path)
	}
	var segs []segment
	for _, s := range strings.Split(path[1:], "/") {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			name := s[1 : len(s)-1]
			if name == "" || strings.ContainsAny(name, "{}+") {
				return nil, fmt.Errorf("path %q: unsupported parameter %q (only whole-segment {name})", path, s)
			}
			segs = append(segs, segment{param: name})
			continue
		}
		if strings.ContainsAny(s, "{}") {
			return nil, fmt.Errorf("path %q: parameters must span a whole segment, not %q", path, s)
		}
		segs = append(segs, segment{literal: s})
	}
	return segs, nil
}

// match reports whether path fits the template, returning its parameters and
// a rank: one bit per segment, set where a literal matched, so that
// "/holders/me" outranks "/holders/{holderId}" as API Gateway prefers.
func match(segs []segment, path string) (params map[string]string, rank []bool, ok bool) {
	if !strings.HasPrefix(path, "/") {
		return nil, nil, false
	}
	parts := strings.Split(path[1:], "/")
	if len(parts) != len(segs) {
		return nil, nil, false
	}
	rank = make([]bool, len(segs))
	for i, s := range segs {
		switch {
		case s.param != "":
			if parts[i] == "" {
				return nil, nil, false
			}
			if params == nil {
				params = make(map[string]string, len(segs))
			}
			params[s.param] = parts[i]
		case s.literal == parts[i]:
			rank[i] = true
		default:
			return nil, nil, false
		}
	}
	return params, rank, true
}

// outranks compares two ranks of the same length: the first literal where the
// other has a parameter wins.
func outranks(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i]
		}
	}
	return false
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

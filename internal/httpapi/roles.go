package httpapi

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/cecportal/cecportal/internal/identity"
)

// derivedRoles adds to a caller the self-service role (holder, provider) a
// route needs and their token lacks, when their own records give it: a
// person who signed up through the hosted UI carries no group, and creates
// their holder account or registers their organisation themselves. Staff is
// never derived.
//
// A role once found is kept for the life of the process (a holder account
// or a provider is never taken away), up to maxCached callers; one not found
// is asked again on the next request, so that it counts the moment the
// account exists. Each question is one GetItem of an identity link.
type derivedRoles struct {
	source RoleSource
	mu     sync.Mutex
	known  map[string]bool // sub + " " + role
}

// maxCached bounds the memory of a warm function: about 100 bytes an entry.
const maxCached = 10000

// selfService are the roles a person's own records can give them.
var selfService = []string{identity.RoleHolder, identity.RoleProvider}

// add gives c the first role of acc it lacks that its records give it,
// when it holds none of acc's roles. A nil d adds nothing.
func (d *derivedRoles) add(ctx context.Context, acc Access, c *identity.Caller) error {
	if d == nil || c.Anonymous() || acc.kind != accessRoles || slices.ContainsFunc(acc.roles, c.Has) {
		return nil
	}
	for _, role := range acc.roles {
		if !slices.Contains(selfService, role) {
			continue
		}
		ok, err := d.has(ctx, c.Sub, role)
		if err != nil {
			return err
		}
		if ok {
			c.Roles = append(slices.Clone(c.Roles), role)
			return nil
		}
	}
	return nil
}

func (d *derivedRoles) has(ctx context.Context, sub, role string) (bool, error) {
	key := sub + " " + role
	d.mu.Lock()
	known := d.known[key]
	d.mu.Unlock()
	if known {
		return true, nil
	}
	ok, err := d.source.HasRole(ctx, sub, role)
	if err != nil {
		return false, fmt.Errorf("derive role %s: %w", role, err)
	}
	if ok {
		d.mu.Lock()
		if d.known == nil || len(d.known) >= maxCached {
			d.known = make(map[string]bool)
		}
		d.known[key] = true
		d.mu.Unlock()
	}
	return ok, nil
}

package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/names"
)

// Page sizes of the directory, and the bounds of its search text.
const (
	DirectoryPageDefault = 20
	DirectoryPageMax     = 100
	// DirectoryMinPrefix is the fewest characters (runes of the folded
	// search) a name search takes: one letter would match a crowd.
	DirectoryMinPrefix = 2
	directoryMaxQuery  = 100
)

// holderIDShape is a holder ID as ids.New makes it, in any case: people type
// IDs read from a roster. Compiled on first use, as are this package's other
// expressions: only some requests need them, and every Lambda would pay at
// start for those it never uses.
var holderIDShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^H-[0-9A-Z]{10}$`) })

// DirectoryEntry is all the directory shows of h.
func (h Holder) DirectoryEntry() DirectoryEntry {
	codes := make([]string, 0, len(h.Credentials))
	for _, c := range h.Credentials {
		codes = append(codes, c.Code)
	}
	return DirectoryEntry{HolderID: h.ID, FirstName: h.FirstName, LastName: h.LastName, Credentials: codes,
		Membership: h.Membership}
}

// Directory searches the practitioner directory for providers (to find
// their attendees' IDs) and staff. q is either a holder ID, looked up
// exactly, or the beginning of a last name, compared as names.Fold has it
// (case, accents and extra spaces ignored) and at least DirectoryMinPrefix
// characters long. Name matches come a page at a time, by last name, first
// name and ID; an ID gives at most one entry and no next page. Holders who
// opted out are found neither way, and finding nobody is no error.
// Errors: Unauthenticated; Forbidden unless provider or staff; Invalid (q
// missing, too long or too short; limit out of range; invalid_cursor).
func (s *Service) Directory(ctx context.Context, c identity.Caller, q string, pg Page) ([]DirectoryEntry, string, error) {
	if c.Anonymous() {
		return nil, "", identity.ErrSignIn
	}
	if !c.Has(identity.RoleProvider) && !c.Has(identity.RoleStaff) {
		return nil, "", fault.New(fault.Forbidden, "forbidden", "only providers and staff search the directory")
	}
	var p problems
	switch {
	case pg.Limit < 0 || pg.Limit > DirectoryPageMax:
		p.add("limit", "out_of_range", fmt.Sprintf("must be a whole number from 1 to %d", DirectoryPageMax))
	case pg.Limit == 0:
		pg.Limit = DirectoryPageDefault
	}
	q, ok := p.text("q", q, true, directoryMaxQuery)
	staff := c.Has(identity.RoleStaff)
	if ok && holderIDShape().MatchString(q) {
		if err := p.err("the directory search is invalid"); err != nil {
			return nil, "", err
		}
		return s.directoryExact(ctx, pg, staff, func() (Holder, error) { return s.store.Holder(ctx, strings.ToUpper(q)) })
	}
	if ok && staff && strings.Contains(q, "@") {
		// Staff find any holder by the email of their account (issue 15).
		if err := p.err("the directory search is invalid"); err != nil {
			return nil, "", err
		}
		return s.directoryExact(ctx, pg, staff, func() (Holder, error) { return s.store.HolderByEmail(ctx, q) })
	}
	if ok && staff && LooksLikeMemberNumber(q) {
		// Staff find a holder by the association's member number (names
		// have no digits): an imported holder's, through its link.
		if err := p.err("the directory search is invalid"); err != nil {
			return nil, "", err
		}
		return s.directoryExact(ctx, pg, staff, func() (Holder, error) { return s.store.HolderByMemberNumber(ctx, q) })
	}
	prefix := names.Fold(q)
	if ok && utf8.RuneCountInString(prefix) < DirectoryMinPrefix {
		what := "a holder ID"
		if staff {
			what = "a holder ID, an email address or a member number"
		}
		p.add("q", "too_short", fmt.Sprintf("Enter at least %d letters of a last name, or %s", DirectoryMinPrefix, what))
	}
	if err := p.err("the directory search is invalid"); err != nil {
		return nil, "", err
	}
	search := s.store.Directory
	if staff {
		search = s.store.StaffDirectory // staff keep the association's records of everyone
	}
	entries, next, err := search(ctx, prefix, pg)
	if err != nil {
		return nil, "", fmt.Errorf("search directory: %w", err)
	}
	return entries, next, nil
}

// directoryExact is an exact lookup (a holder ID, or for staff an email):
// one or two GetItems. An unlisted holder is as absent as an unknown one,
// except to staff, who keep the association's records of everyone.
func (s *Service) directoryExact(ctx context.Context, pg Page, staff bool, get func() (Holder, error)) ([]DirectoryEntry, string, error) {
	if pg.Cursor != "" { // an exact result is one page, so no cursor belongs to it
		return nil, "", fault.New(fault.Invalid, "invalid_cursor", "the cursor does not belong to this list; start again without it",
			fault.Detail{Field: "cursor", Code: "invalid_cursor", Message: "was not issued for this list"})
	}
	h, err := get()
	switch {
	case errors.Is(err, ErrNotFound):
		return []DirectoryEntry{}, "", nil
	case err != nil:
		return nil, "", fmt.Errorf("look up a holder for the directory: %w", err)
	case h.Unlisted && !staff:
		return []DirectoryEntry{}, "", nil
	}
	return []DirectoryEntry{h.DirectoryEntry()}, "", nil
}

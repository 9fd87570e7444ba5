package accounts

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/roster"
)

// Staff's import of holders (issue 15): an association moving to cecportal
// brings its holders as a spreadsheet. Each row becomes a holder record
// that nobody owns yet; the person claims it by creating their holder
// account while signed in with the row's email (CreateHolder).

// The columns of an import, in this order (ImportHeader).
const (
	ColMemberNumber = "Member Number"
	ColFirstName    = "First Name"
	ColLastName     = "Last Name"
	ColEmail        = "Email"
	ColMembership   = "Membership"
	ColCredentials  = "Credentials"
)

// ImportColumns are an import's columns, in order.
var ImportColumns = []string{ColMemberNumber, ColFirstName, ColLastName, ColEmail, ColMembership, ColCredentials}

// ImportHeader is how an import's header starts.
var ImportHeader = strings.Join(ImportColumns, ",")

// MaxMemberNumber bounds a member number: the association's own IDs.
const MaxMemberNumber = 40

// memberNumberShape is a member number as associations write them:
// letters and digits, with dots, dashes or slashes between.
var memberNumberShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9]+([./-][A-Za-z0-9]+)*$`) })

// MemberNumberKey is the form under which a member number is unique.
func MemberNumberKey(n string) string { return strings.ToUpper(strings.TrimSpace(n)) }

// LooksLikeMemberNumber reports whether a search is a member number rather
// than a name: names have no digits.
func LooksLikeMemberNumber(q string) bool {
	return strings.ContainsAny(q, "0123456789") && memberNumberShape().MatchString(strings.TrimSpace(q))
}

// Imported is one row of an import, its cells as they were typed.
type Imported struct {
	Line                                                              int
	MemberNumber, FirstName, LastName, Email, Membership, Credentials string
}

// CheckImported is the holder an import row describes (without ID, owner
// or times: the importer's), or every problem of the row, each on its
// column, in words for the office. Membership is "member" or "guest" in
// any case; Credentials lists "CODE DATE" pairs separated by ";" (or ","),
// the date as a roster's (YYYY-MM-DD or M/D/YYYY), e.g. "CAM 2019-05-01;
// NALP 6/30/2020"; an empty cell is no credential.
func (s *Service) CheckImported(in Imported) (Holder, []fault.Detail) {
	var p problems
	h := Holder{FirstName: p.str(ColFirstName, in.FirstName, true, 100), LastName: p.str(ColLastName, in.LastName, true, 100),
		Email: p.email(ColEmail, in.Email), Credentials: []Credential{}}
	if n, ok := p.text(ColMemberNumber, in.MemberNumber, false, MaxMemberNumber); ok && n != "" {
		if !memberNumberShape().MatchString(n) {
			p.add(ColMemberNumber, "invalid_member_number", "must be letters and digits, with dots, dashes or slashes between them")
		} else {
			h.MemberNumber = MemberNumberKey(n)
		}
	}
	switch m := Membership(strings.ToLower(strings.TrimSpace(in.Membership))); m {
	case Member, Guest:
		h.Membership = m
	default:
		p.add(ColMembership, "invalid_membership", `must be "member" or "guest"`)
	}
	today := s.clock.Now().In(s.policy.Association.Location())
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	for _, part := range strings.FieldsFunc(in.Credentials, func(r rune) bool { return r == ';' || r == ',' }) {
		f := strings.Fields(strings.NewReplacer(":", " ", "=", " ").Replace(part))
		if len(f) == 0 {
			continue
		}
		code := strings.ToUpper(f[0])
		if _, ok := s.policy.Credential(code); !ok {
			p.add(ColCredentials, "unknown_credential", fmt.Sprintf("%q is not a credential of %s", f[0], s.policy.Association.Name))
			continue
		}
		if slices.ContainsFunc(h.Credentials, func(x Credential) bool { return x.Code == code }) {
			p.add(ColCredentials, "duplicate_credential", fmt.Sprintf("%s is listed twice", code))
			continue
		}
		if len(f) != 2 {
			p.add(ColCredentials, "invalid_date", fmt.Sprintf("%s needs the date it was earned after it, such as %s 2019-05-01", code, code))
			continue
		}
		d, err := roster.ParseDate(f[1])
		if err != nil {
			p.add(ColCredentials, "invalid_date", fmt.Sprintf("%s's date %q is not a date (YYYY-MM-DD or M/D/YYYY)", code, f[1]))
			continue
		}
		before := len(p)
		p.date(ColCredentials, d.String(), today)
		if len(p) > before {
			p[len(p)-1].Message = fmt.Sprintf("%s's date %s %s", code, d, p[len(p)-1].Message)
			continue
		}
		h.Credentials = append(h.Credentials, Credential{Code: code, EarnedOn: d.String()})
	}
	slices.SortFunc(h.Credentials, func(a, b Credential) int { return strings.Compare(a.Code, b.Code) })
	return h, p
}

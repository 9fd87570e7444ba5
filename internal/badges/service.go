package badges

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/renewals"
)

// Store keeps the issued credentials' records and their revocations
// (store.Badges). Errors: ErrNotIssued, ErrNotEarned.
type Store interface {
	// Issued reads the record of holderID's credential of kind and key.
	Issued(ctx context.Context, holderID string, kind Kind, key string) (Issue, error)
	// Record writes a new record for the award, with id, at at, in the
	// next place of the status lists, provided the award stands (the
	// program's credit of completion on on the holder's record, the
	// renewal's invoice paid) and no record stands for it (one revoked
	// because the award was withdrawn is replaced). When another request
	// recorded first, its record is returned. ErrNotEarned when the award
	// does not stand.
	Record(ctx context.Context, holderID string, kind Kind, key string, on time.Time, id string, at time.Time) (Issue, error)
	// Revoke revokes the record by staff's decision, with reason; a record
	// revoked already is returned as it is.
	Revoke(ctx context.Context, holderID string, kind Kind, key string, reason, by string, at time.Time) (Issue, error)
	// Lists is how many status lists badges have places in (0 before the
	// first badge).
	Lists(ctx context.Context) (int, error)
	// RevokedIn lists the revoked entries of status list n.
	RevokedIn(ctx context.Context, n int) ([]int, error)
	// Entry reads entry index of status list n: the revocation, if any.
	Entry(ctx context.Context, n, index int) (Issue, bool, error)
	// HolderIssues lists a holder's credentials, newest first.
	HolderIssues(ctx context.Context, holderID string) ([]Issue, error)
}

// Store errors.
var (
	ErrNotIssued = errors.New("badges: no credential issued")
	ErrNotEarned = errors.New("badges: the award no longer stands")
)

// Sealer is the credentials' proof (vcjwt.Sealer): it signs credentials
// and status lists with the association's key, checks a credential's
// signature and claims, and publishes the key.
type Sealer interface {
	Seal(ctx context.Context, c Credential) (string, error)
	SealList(ctx context.Context, sl StatusList) (string, error)
	// Open checks token and returns its credential. Errors: ErrMalformed,
	// ErrSignature, ErrClaims, ErrNotYet; any other is the key's.
	Open(ctx context.Context, token string, now time.Time) (Credential, error)
	// Keys is the published key set, as JSON (a JWKS).
	Keys(ctx context.Context) (json.RawMessage, error)
	// Key is the public key whose thumbprint is kid, as JSON (a JWK).
	Key(ctx context.Context, kid string) (json.RawMessage, bool, error)
}

// Verification problems, in words a person reads.
var (
	ErrMalformed = errors.New("it could not be read as a signed badge")
	ErrSignature = errors.New("its signature does not match: it was changed after the association signed it, or someone else signed it")
	ErrClaims    = errors.New("its signed details disagree with its contents")
	ErrNotYet    = errors.New("it is not valid yet")
)

// Certificates finds a program credited to the caller (transcript.Service).
type Certificates interface {
	Certificate(ctx context.Context, c identity.Caller, programID string) (accounts.Holder, credits.Activity, error)
}

// Renewals finds the caller's renewal of a year (renewals.Service).
type Renewals interface {
	Renewal(ctx context.Context, c identity.Caller, year int) (renewals.View, error)
}

// Service issues, publishes, verifies and revokes the credentials.
type Service struct {
	Issuer       Issuer
	Sealer       Sealer
	Store        Store
	Certificates Certificates
	Renewals     Renewals
	Clock        clock.Clock

	lists struct { // the status lists signed lately (StatusList)
		mu  sync.Mutex
		byN map[int]signedList
	}
}

// Program is the caller's credential of program programID, credited to
// them through attendance, as a VC-JWT; the same credit gives the same
// credential.
// Errors: Unauthenticated; NotFound holder_not_found, credit_not_found;
// Conflict badge_revoked (staff revoked it).
func (s *Service) Program(ctx context.Context, c identity.Caller, programID string) (string, error) {
	h, a, err := s.Certificates.Certificate(ctx, c, programID)
	if err != nil {
		return "", err
	}
	award := Award{Kind: Program, Key: a.ID, HolderID: h.ID, HolderName: strings.TrimSpace(h.FirstName + " " + h.LastName),
		HolderEmail: h.Email, Title: a.Title, Provider: a.Organisation, On: a.Date, CECs: a.Hours, Compliance: a.Compliance}
	return s.issue(ctx, award, fault.New(fault.NotFound, "credit_not_found", "no program of that ID is credited on your record"))
}

// Renewal is the caller's credential of their completed renewal of year
// (paid, and its CECs approved), as a VC-JWT.
// Errors: as renewals.Service.Renewal; Conflict renewal_not_complete,
// badge_revoked.
func (s *Service) Renewal(ctx context.Context, c identity.Caller, year int) (string, error) {
	v, err := s.Renewals.Renewal(ctx, c, year)
	if err != nil {
		return "", err
	}
	if !v.Complete {
		return "", fault.Errorf(fault.Conflict, "renewal_not_complete",
			"your %d renewal is not complete yet: its credential comes once the renewal is paid and its CECs are approved", year)
	}
	inv := v.Invoice
	if inv.Flag == checkout.FlagRefunded {
		return "", fault.Errorf(fault.Conflict, "renewal_not_complete",
			"your %d renewal's payment was refunded, so it has no badge: ask the association's office", year)
	}
	award := Award{Kind: Renewal, Key: strconv.Itoa(year), HolderID: inv.HolderID, HolderName: inv.HolderName, HolderEmail: inv.HolderEmail,
		Title: strings.Join(inv.Credentials, ", "), On: inv.PaidAt, CECs: v.CECs.Counted, Required: v.CECs.Required, Year: year}
	return s.issue(ctx, award, fault.Errorf(fault.Conflict, "renewal_not_complete", "your %d renewal is not paid", year))
}

// issue reads or records award's credential and signs it; notEarned is
// the answer when the award no longer stands.
func (s *Service) issue(ctx context.Context, a Award, notEarned error) (string, error) {
	iss, err := s.Store.Issued(ctx, a.HolderID, a.Kind, a.Key)
	switch {
	case err == nil && iss.Revoked && iss.ByStaff:
		return "", fault.Errorf(fault.Conflict, "badge_revoked",
			"the association revoked this badge on %s: %s", iss.RevokedAt.Format("January 2, 2006"), iss.Reason)
	case err == nil && !iss.Revoked:
	case err == nil || errors.Is(err, ErrNotIssued):
		iss, err = s.Store.Record(ctx, a.HolderID, a.Kind, a.Key, a.On, newID(), s.Clock.Now().UTC().Truncate(time.Second))
		if errors.Is(err, ErrNotEarned) {
			return "", notEarned
		}
		if err != nil {
			return "", fmt.Errorf("record credential of %s %s %s: %w", a.HolderID, a.Kind, a.Key, err)
		}
	default:
		return "", fmt.Errorf("read credential of %s %s %s: %w", a.HolderID, a.Kind, a.Key, err)
	}
	c, err := Build(s.Issuer, a, iss)
	if err != nil {
		return "", err
	}
	return s.Sealer.Seal(ctx, c)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail
	return NewID(b)
}

// StatusListFresh is how long a process serves a status list it signed
// before reading and signing it again: a revocation shows within it, and
// a crowd of verifiers (or anyone calling in a loop) costs one Query and
// one signature a list per process and minute, not one per request.
const StatusListFresh = time.Minute

// StatusList is status list n, signed as of its reading.
// Errors: NotFound status_list_not_found (no badge has a place in list n).
func (s *Service) StatusList(ctx context.Context, n int) (string, error) {
	notFound := fault.Errorf(fault.NotFound, "status_list_not_found", "no status list %d", n)
	if n < 1 || n > MaxLists {
		return "", notFound
	}
	now := s.Clock.Now()
	s.lists.mu.Lock()
	defer s.lists.mu.Unlock()
	if c, ok := s.lists.byN[n]; ok && now.Sub(c.at) >= 0 && now.Sub(c.at) < StatusListFresh {
		return c.token, nil
	}
	opened, err := s.Store.Lists(ctx)
	if err != nil {
		return "", fmt.Errorf("count status lists: %w", err)
	}
	if n > opened {
		return "", notFound
	}
	revoked, err := s.Store.RevokedIn(ctx, n)
	if err != nil {
		return "", fmt.Errorf("read status list %d: %w", n, err)
	}
	sl, err := NewStatusList(s.Issuer, n, revoked, now)
	if err != nil {
		return "", err
	}
	token, err := s.Sealer.SealList(ctx, sl)
	if err != nil {
		return "", err
	}
	if s.lists.byN == nil {
		s.lists.byN = map[int]signedList{}
	}
	s.lists.byN[n] = signedList{token: token, at: now}
	return token, nil
}

// signedList is a status list as signed at at.
type signedList struct {
	token string
	at    time.Time
}

// Keys is the published key set (a JWKS): the key credentials are signed with.
func (s *Service) Keys(ctx context.Context) (json.RawMessage, error) { return s.Sealer.Keys(ctx) }

// Key is the public key named kid (its thumbprint), as a JWK.
// Errors: NotFound key_not_found.
func (s *Service) Key(ctx context.Context, kid string) (json.RawMessage, error) {
	raw, found, err := s.Sealer.Key(ctx, kid)
	if err == nil && !found {
		err = fault.New(fault.NotFound, "key_not_found", "the association has no key of that name")
	}
	return raw, err
}

// Verdict is what a check of a credential found, in words a person reads.
type Verdict struct {
	// Result: valid, revoked or not_valid.
	Result  string
	Summary string // one sentence
	// The credential's particulars, when its signature holds.
	Name        string
	Holder      string
	Achievement string
	CECs        string
	IssuedOn    string // "March 12, 2027"
	Revoked     *Revocation
}

// Revocation says when and why a credential was revoked.
type Revocation struct {
	On     string
	Reason string
}

// Verdict results.
const (
	Valid    = "valid"
	Revoked  = "revoked"
	NotValid = "not_valid"
)

// Verify checks a credential: signed by the association with its
// published key, its claims consistent, valid by now, and not revoked in
// its status list. A credential that fails is a verdict, not an error.
func (s *Service) Verify(ctx context.Context, token string) (Verdict, error) {
	c, err := s.Sealer.Open(ctx, strings.TrimSpace(token), s.Clock.Now())
	if err != nil {
		var known bool
		for _, e := range []error{ErrMalformed, ErrSignature, ErrClaims, ErrNotYet} {
			known = known || errors.Is(err, e)
		}
		if !known {
			return Verdict{}, err
		}
		return Verdict{Result: NotValid, Summary: "This badge is not valid: " + err.Error() + "."}, nil
	}
	v := Verdict{Result: Valid, Name: c.Name, Achievement: c.CredentialSubject.Achievement.Name, CECs: c.CredentialSubject.CreditsEarned.String()}
	if from, err := time.Parse(time.RFC3339, c.ValidFrom); err == nil {
		v.IssuedOn = from.In(time.UTC).Format("January 2, 2006")
	}
	if i := strings.LastIndex(c.Name, " for "); i >= 0 {
		v.Holder = c.Name[i+len(" for "):]
	}
	n, index, ok := s.place(c.CredentialStatus)
	if !ok {
		return Verdict{Result: NotValid, Summary: "This badge is not valid: it does not say where to check whether the association withdrew it."}, nil
	}
	rec, revoked, err := s.Store.Entry(ctx, n, index)
	if err != nil {
		return Verdict{}, fmt.Errorf("read status %d/%d: %w", n, index, err)
	}
	if revoked && rec.ID == c.ID {
		v.Result = Revoked
		v.Revoked = &Revocation{On: rec.RevokedAt.In(time.UTC).Format("January 2, 2006"), Reason: rec.Reason}
		v.Summary = fmt.Sprintf("This badge was issued by %s but was revoked on %s: %s", s.Issuer.Name, v.Revoked.On, strings.TrimSuffix(rec.Reason, "."))
		return v, nil
	}
	v.Summary = fmt.Sprintf("This badge is valid: %s issued it and has not revoked it.", s.Issuer.Name)
	return v, nil
}

// place is the list and index a status entry names, when the list is
// the association's.
func (s *Service) place(st *StatusEntry) (n, index int, ok bool) {
	if st == nil || st.Type != statusEntry || st.StatusPurpose != "revocation" {
		return 0, 0, false
	}
	rest, found := strings.CutPrefix(st.StatusListCredential, s.Issuer.Base+"/badges/status/")
	if !found {
		return 0, 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > MaxLists {
		return 0, 0, false
	}
	index, err = strconv.Atoi(st.StatusListIndex)
	if err != nil || index < 0 || index >= ListBits {
		return 0, 0, false
	}
	return n, index, true
}

// HolderIssues lists a holder's credentials for staff.
// Errors: Unauthenticated, Forbidden.
func (s *Service) HolderIssues(ctx context.Context, c identity.Caller, holderID string) ([]Issue, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return nil, err
	}
	return s.Store.HolderIssues(ctx, holderID)
}

// Revoke revokes a holder's credential by staff's decision: it stays
// revoked, and its holder cannot download it again.
// Errors: Unauthenticated, Forbidden; Invalid (no reason, an unknown kind);
// NotFound badge_not_found.
func (s *Service) Revoke(ctx context.Context, c identity.Caller, holderID string, kind Kind, key, reason string) (Issue, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Issue{}, err
	}
	reason = strings.TrimSpace(reason)
	var problems []fault.Detail
	if !kind.Valid() {
		problems = append(problems, fault.Detail{Field: "kind", Code: "invalid", Message: "must be program or renewal"})
	}
	if reason == "" {
		problems = append(problems, fault.Detail{Field: "reason", Code: "required", Message: "Enter why the badge is withdrawn"})
	} else if utf8.RuneCountInString(reason) > 500 {
		problems = append(problems, fault.Detail{Field: "reason", Code: "too_long", Message: "Why the badge is withdrawn must be 500 characters or fewer"})
	}
	if len(problems) > 0 {
		return Issue{}, fault.New(fault.Invalid, "invalid_request", "the revocation is not valid", problems...)
	}
	iss, err := s.Store.Revoke(ctx, holderID, kind, key, reason, c.Sub, s.Clock.Now().UTC())
	if errors.Is(err, ErrNotIssued) {
		return Issue{}, fault.New(fault.NotFound, "badge_not_found", "no badge of that holder has been issued for it")
	}
	return iss, err
}

// MaxLists bounds the status lists: 1,000 lists of 131,072 entries, far
// beyond the association's credentials (docs/badges.md).
const MaxLists = 1000

// Place is where the n-th credential issued (from 0) sits in the status
// lists: list n/ListBits+1, at an index scattered over the list (a
// multiplication by an odd number modulo the list's length, which is a
// power of two, so that no two credentials share an entry) so that a
// list's neighbours are not credentials issued one after the other.
func Place(n int64) (list, index int) {
	const scatter = 0x9E3B // odd
	return int(n/ListBits) + 1, int((n % ListBits) * scatter % ListBits)
}

package badges_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/badges/badgetest"
	"github.com/cecportal/cecportal/internal/badges/vcjwt"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/testkit"
)

var (
	holder  = identity.Caller{Sub: "sub-1", Roles: []string{identity.RoleHolder}}
	staff   = identity.Caller{Sub: "sub-staff", Roles: []string{identity.RoleStaff}}
	issuer  = badges.Issuer{Base: "http://127.0.0.1:8080", Name: "The Association", URL: "http://127.0.0.1:8080", Email: "cec@example.org"}
	march10 = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
)

// certificates is the holder's one credited program (transcript.Service
// reads it from the table; here it is given).
type certificates struct{}

func (certificates) Certificate(_ context.Context, c identity.Caller, programID string) (accounts.Holder, credits.Activity, error) {
	if programID != "PRG-1" {
		return accounts.Holder{}, credits.Activity{}, fault.New(fault.NotFound, "credit_not_found", "no program of that ID is credited on your record")
	}
	return accounts.Holder{ID: "H-1", FirstName: "Ana", LastName: "Lima", Email: "ana@example.com"},
		credits.Activity{ID: "PRG-1", Source: credits.Credited, Title: "Fair Housing", Organisation: "Acme", Date: march10, Hours: cec.Of(3)}, nil
}

// renewalsOf answers views of the 2027 renewal, complete or not.
type renewalsOf struct{ complete, refunded bool }

func (r renewalsOf) Renewal(_ context.Context, c identity.Caller, year int) (renewals.View, error) {
	flag := ""
	if r.refunded {
		flag = checkout.FlagRefunded
	}
	return renewals.View{Complete: r.complete, Invoice: renewals.Invoice{ID: renewals.InvoiceID("H-1", year), HolderID: "H-1", HolderName: "Ana Lima",
		Year: year, Credentials: []string{"CAM", "CAPS"}, Status: renewals.Paid, PaidAt: march10, Flag: flag}, CECs: credits.Year{Counted: cec.Of(8), Required: cec.Of(8)}}, nil
}

func newService(t *testing.T, complete bool) (*badges.Service, *testkit.Clock, *store.Attendance) {
	t.Helper()
	clock := testkit.NewClock()
	tbl := testkit.Embedded(t, clock)
	att := store.NewAttendance(tbl)
	cr := attendance.Credit{ProgramID: "PRG-1", HolderID: "H-1", UploadID: "U-1", Line: 2, Completed: roster.DateOf(march10), Title: "Fair Housing",
		ProviderID: "P-1", ProviderName: "Acme", Hours: cec.Of(3), Credited: march10}
	if _, err := att.Credit(t.Context(), []attendance.Credit{cr}); err != nil {
		t.Fatal(err)
	}
	inv := renewals.Invoice{ID: renewals.InvoiceID("H-1", 2027), HolderID: "H-1", Year: 2027, Credentials: []string{"CAM"}, Status: renewals.Paid,
		PaidAt: march10, TotalCents: 100, Currency: "usd", IssuedAt: march10, CreatedAt: march10, UpdatedAt: march10, Version: 1}
	if err := store.NewRenewals(tbl).Create(t.Context(), inv); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &badges.Service{Issuer: issuer, Sealer: vcjwt.Sealer{Issuer: issuer, Signer: vcjwt.KeySigner{Key: key}}, Store: store.NewBadges(tbl),
		Certificates: certificates{}, Renewals: renewalsOf{complete: complete}, Clock: clock}, clock, att
}

func code(err error) string {
	var f *fault.Error
	if errors.As(err, &f) {
		return f.Code
	}
	return ""
}

// TestService_IssueVerifyRevoke: a holder's program badge is the same on
// every download and checks as valid; staff's revocation makes it check as
// revoked, in the published list, and stops new downloads.
func TestService_IssueVerifyRevoke(t *testing.T) {
	ctx := context.Background()
	svc, clock, _ := newService(t, true)
	token, err := svc.Program(ctx, holder, "PRG-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := badgetest.Validate(t, badgetest.Payload(t, token)); err != nil {
		t.Fatalf("the program's badge is not a valid OB 3.0 AchievementCredential: %v", err)
	}
	clock.Advance(time.Hour)
	again, err := svc.Program(ctx, holder, "PRG-1")
	if err != nil || again != token {
		t.Fatalf("a second download differs (%v)", err)
	}
	if _, err := svc.Program(ctx, holder, "PRG-2"); code(err) != "credit_not_found" {
		t.Fatalf("a program not credited: %v", err)
	}
	v, err := svc.Verify(ctx, token)
	if err != nil || v.Result != badges.Valid || v.Holder != "Ana Lima" || v.CECs != "3" || v.Achievement != "Fair Housing" {
		t.Fatalf("verdict %+v, %v", v, err)
	}
	for name, bad := range map[string]string{"garbage": "not a credential", "tampered": token[:len(token)-4] + "AAAA", "empty": " "} {
		if v, err := svc.Verify(ctx, bad); err != nil || v.Result != badges.NotValid || !strings.HasPrefix(v.Summary, "This badge is not valid: ") {
			t.Errorf("%s: verdict %+v, %v", name, v, err)
		}
	}

	if _, err := svc.Revoke(ctx, holder, "H-1", badges.Program, "PRG-1", "no"); code(err) != "forbidden" {
		t.Fatalf("a holder revoking: %v", err)
	}
	if _, err := svc.Revoke(ctx, staff, "H-1", "trophy", "PRG-1", " "); code(err) != "invalid_request" {
		t.Fatalf("no reason, unknown kind: %v", err)
	}
	if _, err := svc.Revoke(ctx, staff, "H-1", badges.Program, "PRG-9", "why"); code(err) != "badge_not_found" {
		t.Fatalf("revoking what was not issued: %v", err)
	}
	if _, err := svc.Revoke(ctx, staff, "H-1", badges.Program, "PRG-1", "Issued in error."); err != nil {
		t.Fatal(err)
	}
	v, err = svc.Verify(ctx, token)
	if err != nil || v.Result != badges.Revoked || v.Revoked == nil || v.Revoked.Reason != "Issued in error." || !strings.Contains(v.Summary, "revoked") {
		t.Fatalf("verdict after the revocation %+v, %v", v, err)
	}
	if _, err := svc.Program(ctx, holder, "PRG-1"); code(err) != "badge_revoked" {
		t.Fatalf("download after staff revoked: %v", err)
	}
	list, err := svc.StatusList(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(badgetest.Payload(t, list), &claims); err != nil {
		t.Fatal(err)
	}
	bits, err := badges.DecodeList(claims["credentialSubject"].(map[string]any)["encodedList"].(string))
	if _, index := badges.Place(0); err != nil || !badges.Set(bits, index) {
		t.Fatalf("the published list does not revoke entry %d (%v)", index, err)
	}
	for _, n := range []int{0, 2, badges.MaxLists + 1} {
		if _, err := svc.StatusList(ctx, n); code(err) != "status_list_not_found" {
			t.Fatalf("list %d: %v", n, err)
		}
	}
	// Within a minute the same signed list is served; after it, a fresh one.
	if again, _ := svc.StatusList(ctx, 1); again != list {
		t.Error("the list signed a moment ago was signed again")
	}
	clock.Advance(badges.StatusListFresh)
	if later, _ := svc.StatusList(ctx, 1); later == list {
		t.Error("a list a minute old is still served")
	}
	if _, err := svc.Key(ctx, "nope"); code(err) != "key_not_found" {
		t.Fatalf("an unknown key: %v", err)
	}
}

// TestService_Renewal: a renewal's badge comes once the renewal is complete.
func TestService_Renewal(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t, false)
	if _, err := svc.Renewal(ctx, holder, 2027); code(err) != "renewal_not_complete" {
		t.Fatalf("an incomplete renewal: %v", err)
	}
	svc.Renewals = renewalsOf{complete: true}
	token, err := svc.Renewal(ctx, holder, 2027)
	if err != nil {
		t.Fatal(err)
	}
	if err := badgetest.Validate(t, badgetest.Payload(t, token)); err != nil {
		t.Fatalf("the renewal's badge is not a valid OB 3.0 AchievementCredential: %v", err)
	}
	v, err := svc.Verify(ctx, token)
	if err != nil || v.Result != badges.Valid || v.Achievement != "CAM, CAPS renewal, 2027" || v.CECs != "8" {
		t.Fatalf("verdict %+v, %v", v, err)
	}
	svc.Renewals = renewalsOf{complete: true, refunded: true}
	if _, err := svc.Renewal(ctx, holder, 2027); code(err) != "renewal_not_complete" {
		t.Fatalf("a refunded renewal: %v", err)
	}
}

// TestService_WithdrawnCreditRevokesItsBadge: the provider's correction
// revokes the badge; the credit coming back issues a new one, valid.
func TestService_WithdrawnCreditRevokesItsBadge(t *testing.T) {
	ctx := context.Background()
	svc, clock, att := newService(t, true)
	token, err := svc.Program(ctx, holder, "PRG-1")
	if err != nil {
		t.Fatal(err)
	}
	corr := attendance.Correction{ID: "C-1", ProgramID: "PRG-1", UploadID: "U-1", Action: attendance.CorrectionRemove, HolderID: "H-1",
		Completed: roster.DateOf(march10), Hours: cec.Of(3), Reason: "not there", By: "sub-p", At: clock.Now()}
	if err := att.Withdraw(ctx, corr); err != nil {
		t.Fatal(err)
	}
	v, err := svc.Verify(ctx, token)
	if err != nil || v.Result != badges.Revoked || v.Revoked.Reason != store.WithdrawnReason || strings.Contains(v.Summary, "not there") {
		t.Fatalf("verdict after the correction %+v, %v", v, err)
	}
	added := attendance.Credit{ProgramID: "PRG-1", HolderID: "H-1", UploadID: "U-1", Completed: roster.DateOf(march10), Title: "Fair Housing",
		ProviderID: "P-1", ProviderName: "Acme", Hours: cec.Of(3), Credited: clock.Now()}
	add := corr
	add.ID, add.Action = "C-2", attendance.CorrectionAdd
	if err := att.AddCredit(ctx, added, add); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	fresh, err := svc.Program(ctx, holder, "PRG-1")
	if err != nil || fresh == token {
		t.Fatalf("download after the credit came back: same %v, %v", fresh == token, err)
	}
	if v, err := svc.Verify(ctx, fresh); err != nil || v.Result != badges.Valid {
		t.Fatalf("the new badge: %+v, %v", v, err)
	}
	if v, _ := svc.Verify(ctx, token); v.Result != badges.Revoked {
		t.Fatalf("the old badge: %+v", v)
	}
}

// TestPlace: the first list's places are all distinct, and the next
// credential after a full list opens the next.
func TestPlace(t *testing.T) {
	seen := make([]bool, badges.ListBits)
	for n := range int64(badges.ListBits) {
		list, index := badges.Place(n)
		if list != 1 || seen[index] {
			t.Fatalf("credential %d at list %d index %d (taken: %v)", n, list, index, seen[index])
		}
		seen[index] = true
	}
	if list, _ := badges.Place(badges.ListBits); list != 2 {
		t.Fatalf("credential %d in list %d", badges.ListBits, list)
	}
	if _, i1 := badges.Place(1); i1 == 1 {
		t.Error("neighbouring credentials sit side by side")
	}
}

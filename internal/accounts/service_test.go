package accounts_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

var (
	// t0 is when accounts are created in these tests; t1 a later instant.
	t0 = time.Date(2026, 3, 1, 14, 30, 0, 0, time.UTC)
	t1 = time.Date(2026, 4, 2, 9, 15, 0, 0, time.UTC)

	// Outbox entries carry real time; every one is older than this.
	farFuture = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

	ana   = identity.Caller{Sub: "sub-ana", Email: "ana@example.org", Roles: []string{identity.RoleHolder}}
	bob   = identity.Caller{Sub: "sub-bob", Email: "bob@example.org", Roles: []string{identity.RoleHolder}}
	staff = identity.Caller{Sub: "sub-staff", Email: "staff@example.org", Roles: []string{identity.RoleStaff}}
	acme  = identity.Caller{Sub: "sub-acme", Email: "office@acme.example.org", Roles: []string{identity.RoleProvider}}

	holderID   = regexp.MustCompile(`^H-[0-9A-HJKMNP-TV-Z]{10}$`)
	providerID = regexp.MustCompile(`^P-[0-9A-HJKMNP-TV-Z]{10}$`)
)

// env is a service on a fresh embedded table.
type env struct {
	repo   *store.Accounts
	box    *store.Outbox
	relay  *testkit.Relay
	policy *policy.Policy
}

func newEnv(t *testing.T) *env {
	t.Helper()
	// fsync on, as these tests always had it; the table's clock stands at t0.
	table := testkit.TempTable(t, testkit.Fsync, table.WithBoltNow(func() time.Time { return t0 }))
	return &env{repo: store.NewAccounts(table), box: store.NewOutbox(table), relay: &testkit.Relay{}, policy: testkit.Policy(t)}
}

// at returns the service as of now; all share the env's store and relay.
func (e *env) at(now time.Time) *accounts.Service {
	return accounts.NewService(e.repo, e.policy, clock.Fixed(now), ids.New, e.relay)
}

func (e *env) pending(t *testing.T) []outbox.Message {
	t.Helper()
	msgs, err := e.box.Pending(t.Context(), farFuture, 100)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func (e *env) events(t *testing.T, id string) []accounts.Event {
	t.Helper()
	evs, err := e.repo.Events(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// createHolder makes c's holder as of t0 and fails the test if it cannot.
func (e *env) createHolder(t *testing.T, c identity.Caller, in accounts.NewHolder) accounts.Holder {
	t.Helper()
	h, err := e.at(t0).CreateHolder(t.Context(), c, in)
	if err != nil {
		t.Fatalf("create holder for %s: %v", c.Sub, err)
	}
	return h
}

func validHolder() accounts.NewHolder {
	return accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "ana@example.org",
		Contact: &accounts.Contact{Phone: "+1 703 555 0100",
			Address: &accounts.Address{Line1: "1 Main St", City: "Arlington", Region: "VA", PostalCode: "22201", Country: "US"}}}
}

func validProvider() accounts.NewProvider {
	return accounts.NewProvider{Name: "Acme Training", ContactName: "Carla Diaz", Email: "office@acme.example.org",
		Phone:   "+1 202 555 0199",
		Address: accounts.Address{Line1: "9 K St NW", City: "Washington", Region: "DC", PostalCode: "20001", Country: "US"}}
}

// wantFault checks that err is a coded error of kind and code.
func wantFault(t *testing.T, err error, kind fault.Kind, code string) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok {
		t.Fatalf("got error %v, want a coded %s error", err, code)
	}
	if fe.Kind != kind || fe.Code != code {
		t.Fatalf("got %v (kind %d), want %s (kind %d)", fe, fe.Kind, code, kind)
	}
	return fe
}

// wantDetails checks that got holds exactly the wanted (field, code) pairs:
// one detail per field, the first problem found.
func wantDetails(t *testing.T, got []fault.Detail, want ...fault.Detail) {
	t.Helper()
	fields := map[string]bool{}
	for _, w := range want {
		fields[w.Field] = true
		if !slices.ContainsFunc(got, func(g fault.Detail) bool { return g.Field == w.Field && g.Code == w.Code }) {
			t.Errorf("missing detail %s %s in %+v", w.Field, w.Code, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d details, want %d: %+v", len(got), len(want), got)
	}
	for _, g := range got {
		if !fields[g.Field] {
			t.Errorf("unexpected detail %+v", g)
		}
		if g.Message == "" {
			t.Errorf("detail %s %s has no message", g.Field, g.Code)
		}
	}
}

func d(field, code string) fault.Detail { return fault.Detail{Field: field, Code: code} }

// sameHolder compares holders, a nil and an empty credentials list alike.
func sameHolder(t *testing.T, what string, got, want accounts.Holder) {
	t.Helper()
	if len(got.Credentials) == 0 {
		got.Credentials = nil
	}
	if len(want.Credentials) == 0 {
		want.Credentials = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v (address %+v)\nwant %+v (address %+v)", what, got, got.Contact.Address, want, want.Contact.Address)
	}
}

// holderUnchanged checks that the stored holder is still h and has no history.
func (e *env) holderUnchanged(t *testing.T, h accounts.Holder) {
	t.Helper()
	got, err := e.repo.Holder(t.Context(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameHolder(t, "stored holder after a refused change", got, h)
	if evs := e.events(t, h.ID); len(evs) != 0 {
		t.Errorf("refused change left history %+v", evs)
	}
}

// renewalsMessages returns the pending messages on the renewals queue and
// those dispatched, each decoded.
func (e *env) renewalsMessages(t *testing.T) (pending, dispatched []accounts.CredentialsSet) {
	t.Helper()
	decode := func(msgs []outbox.Message) []accounts.CredentialsSet {
		var out []accounts.CredentialsSet
		for _, m := range msgs {
			if m.Queue != accounts.RenewalsQueue {
				continue
			}
			cs, err := accounts.ParseCredentialsSet(m.Body)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, cs)
		}
		return out
	}
	return decode(e.pending(t)), decode(e.relay.Sent())
}

func decodeJob(t *testing.T, m outbox.Message) notify.Job {
	t.Helper()
	if m.Queue != notify.Queue {
		t.Errorf("message %s queue = %q, want %q", m.ID, m.Queue, notify.Queue)
	}
	var j notify.Job
	if err := json.Unmarshal([]byte(m.Body), &j); err != nil {
		t.Fatalf("message body %q: %v", m.Body, err)
	}
	return j
}

// wantOneWelcome checks that exactly one message is pending, that it is the
// one dispatched, and that it carries job.
func (e *env) wantOneWelcome(t *testing.T, job notify.Job) {
	t.Helper()
	pending, sent := e.pending(t), e.relay.Sent()
	if len(pending) != 1 || len(sent) != 1 {
		t.Fatalf("pending %d, dispatched %d messages; want 1 and 1", len(pending), len(sent))
	}
	if pending[0].ID != sent[0].ID || pending[0].Body != sent[0].Body || pending[0].Queue != sent[0].Queue {
		t.Errorf("dispatched %+v, but pending is %+v", sent[0], pending[0])
	}
	if got := decodeJob(t, pending[0]); !reflect.DeepEqual(got, job) {
		t.Errorf("welcome job:\n got %+v\nwant %+v", got, job)
	}
}

// wantNothingQueued checks that no message is pending or dispatched.
func (e *env) wantNothingQueued(t *testing.T) {
	t.Helper()
	if p, s := e.pending(t), e.relay.Sent(); len(p) != 0 || len(s) != 0 {
		t.Errorf("pending %+v, dispatched %+v; want none", p, s)
	}
}

func TestService_CreateHolder(t *testing.T) {
	t.Run("Created", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		ny := e.policy.Association.Location()
		in := accounts.NewHolder{FirstName: "  Ana ", LastName: "\tLima", Email: " Ana.Lima@Example.org ",
			Contact: &accounts.Contact{Phone: " +1 703 555 0100 ",
				Address: &accounts.Address{Line1: " 1 Main St ", Line2: " Apt 2 ", City: "Arlington ", Region: " VA",
					PostalCode: " 22201 ", Country: " us "}}}
		// The clock may be in any zone; the holder's times are UTC.
		h, err := e.at(t0.In(ny)).CreateHolder(t.Context(), ana, in)
		if err != nil {
			t.Fatal(err)
		}
		if !holderID.MatchString(h.ID) {
			t.Errorf("ID %q, want H- and 10 base32 characters", h.ID)
		}
		want := accounts.Holder{ID: h.ID, Sub: "sub-ana", FirstName: "Ana", LastName: "Lima", Email: "Ana.Lima@Example.org",
			Membership: accounts.Guest,
			Contact: accounts.Contact{Phone: "+1 703 555 0100", Address: &accounts.Address{Line1: "1 Main St", Line2: "Apt 2",
				City: "Arlington", Region: "VA", PostalCode: "22201", Country: "US"}},
			ContactConfirmedAt: t0, CreatedAt: t0, UpdatedAt: t0, Version: 1}
		sameHolder(t, "returned holder", h, want)
		stored, err := e.at(t1).MyHolder(t.Context(), ana)
		if err != nil {
			t.Fatal(err)
		}
		sameHolder(t, "stored holder", stored, want)
		e.wantOneWelcome(t, notify.Job{ID: "welcome:holder:" + h.ID, Template: "welcome_holder",
			To: []string{"Ana.Lima@Example.org"}, Data: map[string]string{"firstName": "Ana", "lastName": "Lima", "holderId": h.ID}})
	})

	t.Run("WithoutContact", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		h := e.createHolder(t, ana, accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "ana@example.org"})
		want := accounts.Holder{ID: h.ID, Sub: "sub-ana", FirstName: "Ana", LastName: "Lima", Email: "ana@example.org",
			Membership: accounts.Guest, CreatedAt: t0, UpdatedAt: t0, Version: 1}
		sameHolder(t, "holder without contact (never confirmed)", h, want)
	})

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.at(t0).CreateHolder(t.Context(), identity.Caller{}, validHolder())
		wantFault(t, err, fault.Unauthenticated, "unauthenticated")
		e.wantNothingQueued(t)
	})

	// Each case changes the valid holder; want nil means it is accepted.
	tests := []struct {
		name   string
		change func(in *accounts.NewHolder)
		want   []fault.Detail
		check  func(t *testing.T, h accounts.Holder)
	}{
		{"ErrFirstNameRequired", func(in *accounts.NewHolder) { in.FirstName = " \t " }, []fault.Detail{d("firstName", "required")}, nil},
		{"ErrLastNameRequired", func(in *accounts.NewHolder) { in.LastName = "" }, []fault.Detail{d("lastName", "required")}, nil},
		{"FirstName100Accented", func(in *accounts.NewHolder) { in.FirstName = strings.Repeat("é", 100) }, nil,
			func(t *testing.T, h accounts.Holder) {
				if h.FirstName != strings.Repeat("é", 100) {
					t.Errorf("first name %q", h.FirstName)
				}
			}},
		{"ErrFirstName101Accented", func(in *accounts.NewHolder) { in.FirstName = strings.Repeat("é", 101) },
			[]fault.Detail{d("firstName", "too_long")}, nil},
		{"ErrLastName101", func(in *accounts.NewHolder) { in.LastName = strings.Repeat("a", 101) },
			[]fault.Detail{d("lastName", "too_long")}, nil},
		{"ErrFirstNameTab", func(in *accounts.NewHolder) { in.FirstName = "Ana\tMaria" }, []fault.Detail{d("firstName", "control_characters")}, nil},
		{"ErrFirstNameNewline", func(in *accounts.NewHolder) { in.FirstName = "Ana\nMaria" }, []fault.Detail{d("firstName", "control_characters")}, nil},
		{"ErrLastNameNUL", func(in *accounts.NewHolder) { in.LastName = "Li\x00ma" }, []fault.Detail{d("lastName", "control_characters")}, nil},
		{"ErrLastNameDEL", func(in *accounts.NewHolder) { in.LastName = "Lima\x7fX" }, []fault.Detail{d("lastName", "control_characters")}, nil},
		{"ErrFirstNameC1Control", func(in *accounts.NewHolder) { in.FirstName = "An\u0085a" }, []fault.Detail{d("firstName", "control_characters")}, nil},
		{"ErrLastNameBidiOverride", func(in *accounts.NewHolder) { in.LastName = "Lima\u202eamiL" }, []fault.Detail{d("lastName", "control_characters")}, nil},
		{"ErrCountryAndEmail", func(in *accounts.NewHolder) { in.Contact.Address.Country = "USA"; in.Email = "ana@x.o" },
			[]fault.Detail{d("contact.address.country", "invalid_country"), d("email", "invalid_email")}, nil},
		{"ErrEmailRequired", func(in *accounts.NewHolder) { in.Email = "  " }, []fault.Detail{d("email", "required")}, nil},
		{"ErrEmailNoAt", func(in *accounts.NewHolder) { in.Email = "ana" }, []fault.Detail{d("email", "invalid_email")}, nil},
		{"ErrEmailNoDomain", func(in *accounts.NewHolder) { in.Email = "ana@" }, []fault.Detail{d("email", "invalid_email")}, nil},
		{"ErrEmailWithName", func(in *accounts.NewHolder) { in.Email = "Ana <ana@x.org>" }, []fault.Detail{d("email", "invalid_email")}, nil},
		{"ErrEmailDotlessDomain", func(in *accounts.NewHolder) { in.Email = "ana@localhost" }, []fault.Detail{d("email", "invalid_email")}, nil},
		{"ErrEmailTooLong", func(in *accounts.NewHolder) {
			in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".org"
		},
			[]fault.Detail{d("email", "too_long")}, nil},
		{"ErrPhone", func(in *accounts.NewHolder) { in.Contact.Phone = "call me" }, []fault.Detail{d("contact.phone", "invalid_phone")}, nil},
		{"ErrPhoneTooShort", func(in *accounts.NewHolder) { in.Contact.Phone = "1234" }, []fault.Detail{d("contact.phone", "invalid_phone")}, nil},
		{"PhoneOptional", func(in *accounts.NewHolder) { in.Contact.Phone = "" }, nil,
			func(t *testing.T, h accounts.Holder) {
				if h.Contact.Phone != "" || h.ContactConfirmedAt != t0 {
					t.Errorf("contact %+v confirmed %v", h.Contact, h.ContactConfirmedAt)
				}
			}},
		{"AddressOptional", func(in *accounts.NewHolder) { in.Contact.Address = nil }, nil,
			func(t *testing.T, h accounts.Holder) {
				if h.Contact.Address != nil || h.Contact.Phone != "+1 703 555 0100" {
					t.Errorf("contact %+v", h.Contact)
				}
			}},
		{"ErrAddressLine1", func(in *accounts.NewHolder) { in.Contact.Address.Line1 = " " }, []fault.Detail{d("contact.address.line1", "required")}, nil},
		{"ErrAddressCity", func(in *accounts.NewHolder) { in.Contact.Address.City = "" }, []fault.Detail{d("contact.address.city", "required")}, nil},
		{"ErrAddressCountry", func(in *accounts.NewHolder) { in.Contact.Address.Country = "" }, []fault.Detail{d("contact.address.country", "required")}, nil},
		{"ErrCountryUSA", func(in *accounts.NewHolder) { in.Contact.Address.Country = "USA" },
			[]fault.Detail{d("contact.address.country", "invalid_country")}, nil},
		{"ErrCountryDigit", func(in *accounts.NewHolder) { in.Contact.Address.Country = "1A" },
			[]fault.Detail{d("contact.address.country", "invalid_country")}, nil},
		{"CountryLowerCase", func(in *accounts.NewHolder) { in.Contact.Address.Country = "us" }, nil,
			func(t *testing.T, h accounts.Holder) {
				if h.Contact.Address.Country != "US" {
					t.Errorf("country %q, want US", h.Contact.Address.Country)
				}
			}},
		{"ErrPostalCodeTooLong", func(in *accounts.NewHolder) { in.Contact.Address.PostalCode = strings.Repeat("9", 21) },
			[]fault.Detail{d("contact.address.postalCode", "too_long")}, nil},
		{"ErrAllAtOnce", func(in *accounts.NewHolder) {
			in.FirstName, in.Email = "", "ana"
			in.Contact = &accounts.Contact{Phone: "x", Address: &accounts.Address{}}
		}, []fault.Detail{d("firstName", "required"), d("email", "invalid_email"), d("contact.phone", "invalid_phone"),
			d("contact.address.line1", "required"), d("contact.address.city", "required"), d("contact.address.country", "required")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			in := validHolder()
			tt.change(&in)
			h, err := e.at(t0).CreateHolder(t.Context(), ana, in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				tt.check(t, h)
				return
			}
			fe := wantFault(t, err, fault.Invalid, "invalid_request")
			wantDetails(t, fe.Details, tt.want...)
			if tt.name == "ErrAllAtOnce" && len(fe.Details) != len(tt.want) {
				t.Errorf("got %d details, want %d: %+v", len(fe.Details), len(tt.want), fe.Details)
			}
			if _, err := e.repo.HolderBySub(t.Context(), ana.Sub); !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("refused holder was stored (err %v)", err)
			}
			e.wantNothingQueued(t)
		})
	}

	t.Run("ErrHolderExists", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		first := e.createHolder(t, ana, validHolder())
		again := validHolder()
		again.Email = "ana.other@example.org"
		_, err := e.at(t1).CreateHolder(t.Context(), ana, again)
		fe := wantFault(t, err, fault.Conflict, "holder_exists")
		if len(fe.Details) != 1 || fe.Details[0].Field != "holderId" || fe.Details[0].Message != first.ID {
			t.Errorf("details %+v, want holderId %s", fe.Details, first.ID)
		}
		stored, err := e.repo.HolderBySub(t.Context(), ana.Sub)
		if err != nil {
			t.Fatal(err)
		}
		sameHolder(t, "first holder", stored, first)
		// The refused email stays free, and only the first welcome is queued.
		e.wantOneWelcome(t, notify.Job{ID: "welcome:holder:" + first.ID, Template: "welcome_holder",
			To: []string{"ana@example.org"}, Data: map[string]string{"firstName": "Ana", "lastName": "Lima", "holderId": first.ID}})
		if _, err := e.at(t1).CreateHolder(t.Context(), bob, accounts.NewHolder{FirstName: "Bob", LastName: "Ng", Email: "ana.other@example.org"}); err != nil {
			t.Errorf("email of the refused holder is not free: %v", err)
		}
	})

	t.Run("ErrEmailTaken", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		first := e.createHolder(t, ana, validHolder())
		_, err := e.at(t1).CreateHolder(t.Context(), bob, accounts.NewHolder{FirstName: "Bob", LastName: "Ng", Email: " ANA@Example.ORG "})
		fe := wantFault(t, err, fault.Conflict, "email_taken")
		wantDetails(t, fe.Details, d("email", "taken"))
		if _, err := e.repo.HolderBySub(t.Context(), bob.Sub); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("refused holder was stored (err %v)", err)
		}
		e.wantOneWelcome(t, notify.Job{ID: "welcome:holder:" + first.ID, Template: "welcome_holder",
			To: []string{"ana@example.org"}, Data: map[string]string{"firstName": "Ana", "lastName": "Lima", "holderId": first.ID}})
	})

	t.Run("HolderAndProviderOfOneIdentity", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.createHolder(t, acme, validHolder())
		if _, err := e.at(t0).CreateProvider(t.Context(), acme, validProvider()); err != nil {
			t.Fatalf("a holder may also register a provider: %v", err)
		}
	})
}

func TestService_MyHolder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("ErrHolderNotFound", func(t *testing.T) {
		_, err := e.at(t0).MyHolder(t.Context(), ana)
		wantFault(t, err, fault.NotFound, "holder_not_found")
	})
	t.Run("OwnHolderOnly", func(t *testing.T) {
		h := e.createHolder(t, ana, validHolder())
		got, err := e.at(t0).MyHolder(t.Context(), ana)
		if err != nil {
			t.Fatal(err)
		}
		sameHolder(t, "my holder", got, h)
		_, err = e.at(t0).MyHolder(t.Context(), bob)
		wantFault(t, err, fault.NotFound, "holder_not_found")
	})
}

func TestService_UpdateContact(t *testing.T) {
	email := func(s string) *string { return &s }
	tests := []struct {
		name    string
		in      accounts.ContactUpdate
		contact accounts.Contact // wanted after the update
		email   string           // wanted after the update
	}{
		{"ReplacesBoth",
			accounts.ContactUpdate{Phone: " +44 20 7946 0958 ", Address: &accounts.Address{Line1: " 2 High St ", City: "London", Country: "gb"}},
			accounts.Contact{Phone: "+44 20 7946 0958", Address: &accounts.Address{Line1: "2 High St", City: "London", Country: "GB"}},
			"ana@example.org"},
		{"OmittedAddressCleared", accounts.ContactUpdate{Phone: "703-555-0111"},
			accounts.Contact{Phone: "703-555-0111"}, "ana@example.org"},
		{"OmittedPhoneCleared", accounts.ContactUpdate{Address: &accounts.Address{Line1: "1 Main St", City: "Arlington", Country: "US"}},
			accounts.Contact{Address: &accounts.Address{Line1: "1 Main St", City: "Arlington", Country: "US"}}, "ana@example.org"},
		{"AllOmittedClearsAll", accounts.ContactUpdate{}, accounts.Contact{}, "ana@example.org"},
		{"ChangesEmail", accounts.ContactUpdate{Email: email(" ana.lima@example.net "), Phone: "+1 703 555 0100"},
			accounts.Contact{Phone: "+1 703 555 0100"}, "ana.lima@example.net"},
		{"ChangesEmailCaseOnly", accounts.ContactUpdate{Email: email("Ana@Example.org")}, accounts.Contact{}, "Ana@Example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			before := e.createHolder(t, ana, validHolder())
			got, err := e.at(t1).UpdateContact(t.Context(), ana, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			want := before
			want.Contact, want.Email, want.ContactConfirmedAt, want.UpdatedAt, want.Version = tt.contact, tt.email, t1, t1, 2
			sameHolder(t, "returned holder", got, want)
			stored, err := e.at(t1).MyHolder(t.Context(), ana)
			if err != nil {
				t.Fatal(err)
			}
			sameHolder(t, "stored holder", stored, want)
			wantEvents := []accounts.Event{{At: t1, By: "sub-ana", Action: "contact.update", Detail: "contact information updated by the holder"}}
			if evs := e.events(t, before.ID); !reflect.DeepEqual(evs, wantEvents) {
				t.Errorf("history %+v, want %+v", evs, wantEvents)
			}
			// The old email is free once the holder has left it.
			if accounts.EmailKey(tt.email) != accounts.EmailKey(before.Email) {
				if _, err := e.at(t1).CreateHolder(t.Context(), bob, accounts.NewHolder{FirstName: "Bob", LastName: "Ng", Email: before.Email}); err != nil {
					t.Errorf("old email is not free: %v", err)
				}
			}
		})
	}

	t.Run("ErrEmailTaken", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		me := e.createHolder(t, ana, validHolder())
		e.createHolder(t, bob, accounts.NewHolder{FirstName: "Bob", LastName: "Ng", Email: "bob@example.org"})
		_, err := e.at(t1).UpdateContact(t.Context(), ana, accounts.ContactUpdate{Email: email("BOB@example.org")})
		fe := wantFault(t, err, fault.Conflict, "email_taken")
		wantDetails(t, fe.Details, d("email", "taken"))
		e.holderUnchanged(t, me)
	})

	t.Run("ErrHolderNotFound", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.at(t1).UpdateContact(t.Context(), ana, accounts.ContactUpdate{Phone: "+1 703 555 0100"})
		wantFault(t, err, fault.NotFound, "holder_not_found")
	})

	invalid := []struct {
		name string
		in   accounts.ContactUpdate
		want []fault.Detail
	}{
		{"ErrPhone", accounts.ContactUpdate{Phone: "phone me"}, []fault.Detail{d("phone", "invalid_phone")}},
		{"ErrAddressCity", accounts.ContactUpdate{Address: &accounts.Address{Line1: "1 Main St", Country: "US"}},
			[]fault.Detail{d("address.city", "required")}},
		{"ErrAddressCountry", accounts.ContactUpdate{Address: &accounts.Address{Line1: "1 Main St", City: "Arlington", Country: "1A"}},
			[]fault.Detail{d("address.country", "invalid_country")}},
		{"ErrEmail", accounts.ContactUpdate{Email: email("ana@")}, []fault.Detail{d("email", "invalid_email")}},
		{"ErrEmailEmpty", accounts.ContactUpdate{Email: email("")}, []fault.Detail{d("email", "required")}},
		{"ErrAll", accounts.ContactUpdate{Email: email("ana"), Phone: "x", Address: &accounts.Address{}},
			[]fault.Detail{d("email", "invalid_email"), d("phone", "invalid_phone"), d("address.line1", "required"),
				d("address.city", "required"), d("address.country", "required")}},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			me := e.createHolder(t, ana, validHolder())
			_, err := e.at(t1).UpdateContact(t.Context(), ana, tt.in)
			fe := wantFault(t, err, fault.Invalid, "invalid_request")
			wantDetails(t, fe.Details, tt.want...)
			for _, g := range fe.Details {
				if strings.HasPrefix(g.Field, ".") || strings.HasPrefix(g.Field, "contact.") {
					t.Errorf("field %q is not named from the top level of the update", g.Field)
				}
			}
			e.holderUnchanged(t, me)
		})
	}
}

// held is what the history records a holder held (never a nil list).
func held(m accounts.Membership, creds ...accounts.Credential) *accounts.Held {
	return &accounts.Held{Membership: m, Credentials: append([]accounts.Credential{}, creds...)}
}

func TestService_SetCredentials(t *testing.T) {
	// 03:00 UTC on 1 March is still 28 February in New York, the
	// association's time zone.
	now := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	cam := accounts.Credential{Code: "CAM", EarnedOn: "2019-05-01"}
	nalp := accounts.Credential{Code: "NALP", EarnedOn: "2021-06-01"}

	valid := []struct {
		name       string
		in         accounts.CredentialsUpdate
		want       []accounts.Credential
		wantDetail string // of the audit event, from a new guest
	}{
		{"MemberWithTwo", accounts.CredentialsUpdate{Membership: accounts.Member, Credentials: []accounts.Credential{cam, nalp}},
			[]accounts.Credential{cam, nalp}, "guest → member, CAM 2019-05-01, NALP 2021-06-01"},
		{"CodesUpperCasedAndSorted", accounts.CredentialsUpdate{Membership: accounts.Guest,
			Credentials: []accounts.Credential{{Code: " nalp ", EarnedOn: "2021-06-01"}, {Code: "cam", EarnedOn: "2019-05-01"}}},
			[]accounts.Credential{cam, nalp}, "guest → guest, CAM 2019-05-01, NALP 2021-06-01"},
		{"EarnedTodayInNewYork", accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: "CAPS", EarnedOn: "2026-02-28"}}},
			[]accounts.Credential{{Code: "CAPS", EarnedOn: "2026-02-28"}}, "guest → member, CAPS 2026-02-28"},
		{"NoCredentials", accounts.CredentialsUpdate{Membership: accounts.Member}, nil, "guest → member"},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			before := e.createHolder(t, ana, validHolder())
			got, err := e.at(now).SetCredentials(t.Context(), staff, before.ID, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			want := before
			want.Membership, want.Credentials, want.UpdatedAt, want.Version = tt.in.Membership, tt.want, now, 2
			sameHolder(t, "returned holder", got, want)
			stored, err := e.repo.Holder(t.Context(), before.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameHolder(t, "stored holder", stored, want)
			wantEvents := []accounts.Event{{At: now, By: "sub-staff", Action: "credentials.set", Detail: tt.wantDetail,
				Before: held(accounts.Guest), After: held(tt.in.Membership, tt.want...)}}
			if evs := e.events(t, before.ID); !reflect.DeepEqual(evs, wantEvents) {
				t.Errorf("history\n got %+v\nwant %+v", evs, wantEvents)
			}
			// The renewals side is told in the same write (the outbox
			// entry, pending until the relay deletes it), then at once.
			wantMsg := []accounts.CredentialsSet{{HolderID: before.ID, At: now}}
			if pending, dispatched := e.renewalsMessages(t); !reflect.DeepEqual(pending, wantMsg) || !reflect.DeepEqual(dispatched, wantMsg) {
				t.Errorf("renewals messages: pending %+v, dispatched %+v; want %+v in each", pending, dispatched, wantMsg)
			}
		})
	}

	t.Run("EmptyListClears", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		h := e.createHolder(t, ana, validHolder())
		if _, err := e.at(now).SetCredentials(t.Context(), staff, h.ID,
			accounts.CredentialsUpdate{Membership: accounts.Member, Credentials: []accounts.Credential{nalp, cam}}); err != nil {
			t.Fatal(err)
		}
		got, err := e.at(t1).SetCredentials(t.Context(), staff, h.ID, accounts.CredentialsUpdate{Membership: accounts.Guest, Credentials: []accounts.Credential{}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Credentials) != 0 || got.Membership != accounts.Guest || got.Version != 3 {
			t.Errorf("after clearing: %+v", got)
		}
		wantEvents := []accounts.Event{
			{At: now, By: "sub-staff", Action: "credentials.set", Detail: "guest → member, CAM 2019-05-01, NALP 2021-06-01",
				Before: held(accounts.Guest), After: held(accounts.Member, cam, nalp)},
			{At: t1, By: "sub-staff", Action: "credentials.set", Detail: "member, CAM 2019-05-01, NALP 2021-06-01 → guest",
				Before: held(accounts.Member, cam, nalp), After: held(accounts.Guest)},
		}
		if evs := e.events(t, h.ID); !reflect.DeepEqual(evs, wantEvents) {
			t.Errorf("history\n got %+v\nwant %+v", evs, wantEvents)
		}
	})

	t.Run("ConcurrentChangesOneMessageEach", func(t *testing.T) {
		// Writers that lose the version race run again: each change that
		// committed has its event and its message, written and dispatched
		// once; a lost attempt's message is neither.
		t.Parallel()
		e := newEnv(t)
		h := e.createHolder(t, ana, validHolder())
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				in := accounts.CredentialsUpdate{Membership: accounts.Member, Credentials: []accounts.Credential{cam}}
				if i%2 == 1 {
					in.Credentials = append(in.Credentials, nalp)
				}
				if _, err := e.at(now).SetCredentials(t.Context(), staff, h.ID, in); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ids := func(msgs []outbox.Message) []string {
			var out []string
			for _, m := range msgs {
				if m.Queue == accounts.RenewalsQueue {
					out = append(out, m.ID)
				}
			}
			slices.Sort(out)
			return out
		}
		pending, dispatched := ids(e.pending(t)), ids(e.relay.Sent())
		if len(pending) != 4 || !slices.Equal(pending, dispatched) || len(e.events(t, h.ID)) != 4 {
			t.Fatalf("4 changes: pending %v, dispatched %v, %d events", pending, dispatched, len(e.events(t, h.ID)))
		}
	})

	t.Run("ErrHolderNotFound", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.createHolder(t, ana, validHolder())
		_, err := e.at(now).SetCredentials(t.Context(), staff, "H-0000000000", accounts.CredentialsUpdate{Membership: accounts.Member})
		wantFault(t, err, fault.NotFound, "holder_not_found")
		if pending, dispatched := e.renewalsMessages(t); len(pending)+len(dispatched) != 0 {
			t.Errorf("renewals messages of a missing holder: pending %+v, dispatched %+v", pending, dispatched)
		}
	})

	refused := []struct {
		name   string
		caller identity.Caller
		in     accounts.CredentialsUpdate
		kind   fault.Kind
		code   string
		want   []fault.Detail
	}{
		{"ErrHolderCaller", ana, accounts.CredentialsUpdate{Membership: accounts.Member}, fault.Forbidden, "forbidden", nil},
		{"ErrProviderCaller", acme, accounts.CredentialsUpdate{Membership: accounts.Member}, fault.Forbidden, "forbidden", nil},
		{"ErrAnonymous", identity.Caller{}, accounts.CredentialsUpdate{Membership: accounts.Member}, fault.Unauthenticated, "unauthenticated", nil},
		{"ErrMembershipEmpty", staff, accounts.CredentialsUpdate{}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("membership", "invalid_membership")}},
		{"ErrMembershipUnknown", staff, accounts.CredentialsUpdate{Membership: "fellow"}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("membership", "invalid_membership")}},
		{"ErrUnknownCode", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{cam, {Code: "XYZ", EarnedOn: "2020-01-01"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[1].code", "unknown_credential")}},
		{"ErrEmptyCode", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: " ", EarnedOn: "2020-01-01"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[0].code", "unknown_credential")}},
		{"ErrDuplicateCode", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{cam, nalp, {Code: "CAM", EarnedOn: "2022-01-01"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[2].code", "duplicate_credential")}},
		{"ErrDuplicateCodeOtherCase", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: "cam", EarnedOn: "2019-05-01"}, {Code: "CAM", EarnedOn: "2019-05-01"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[1].code", "duplicate_credential")}},
		{"ErrEarnedOnEmpty", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: "CAM"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[0].earnedOn", "invalid_date")}},
		{"ErrEarnedOnUSForm", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "05/01/2019"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[0].earnedOn", "invalid_date")}},
		{"ErrEarnedOnNoSuchDay", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2025-02-29"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[0].earnedOn", "invalid_date")}},
		{"ErrEarnedOnTimestamp", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2019-05-01T00:00:00Z"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[0].earnedOn", "invalid_date")}},
		// 2026-03-01 has begun in UTC but not yet in New York.
		{"ErrEarnedOnFutureInNewYork", staff, accounts.CredentialsUpdate{Membership: accounts.Member,
			Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2026-03-01"}}}, fault.Invalid, "invalid_request",
			[]fault.Detail{d("credentials[0].earnedOn", "future_date")}},
		{"ErrSeveral", staff, accounts.CredentialsUpdate{Membership: "Member",
			Credentials: []accounts.Credential{{Code: "XYZ", EarnedOn: "2019-05-01"}, {Code: "NALP", EarnedOn: "2027-01-01"}}},
			fault.Invalid, "invalid_request",
			[]fault.Detail{d("membership", "invalid_membership"), d("credentials[0].code", "unknown_credential"),
				d("credentials[1].earnedOn", "future_date")}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			h := e.createHolder(t, ana, validHolder())
			_, err := e.at(now).SetCredentials(t.Context(), tt.caller, h.ID, tt.in)
			fe := wantFault(t, err, tt.kind, tt.code)
			wantDetails(t, fe.Details, tt.want...)
			if len(fe.Details) != len(tt.want) {
				t.Errorf("got %d details, want %d: %+v", len(fe.Details), len(tt.want), fe.Details)
			}
			e.holderUnchanged(t, h)
			if pending, dispatched := e.renewalsMessages(t); len(pending)+len(dispatched) != 0 {
				t.Errorf("renewals messages of a refused change: pending %+v, dispatched %+v", pending, dispatched)
			}
		})
	}
}

func TestService_HolderRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.createHolder(t, ana, validHolder())
	cam := accounts.Credential{Code: "CAM", EarnedOn: "2019-05-01"}
	if _, err := e.at(t1).SetCredentials(t.Context(), staff, h.ID,
		accounts.CredentialsUpdate{Membership: accounts.Member, Credentials: []accounts.Credential{cam}}); err != nil {
		t.Fatal(err)
	}
	t2 := t1.Add(time.Hour)
	if _, err := e.at(t2).UpdateContact(t.Context(), ana, accounts.ContactUpdate{Phone: "+1 703 555 0111"}); err != nil {
		t.Fatal(err)
	}

	t.Run("StaffReadAccountAndHistory", func(t *testing.T) {
		got, evs, err := e.at(t2).HolderRecord(t.Context(), staff, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != h.ID || got.Membership != accounts.Member || !reflect.DeepEqual(got.Credentials, []accounts.Credential{cam}) ||
			got.Contact.Phone != "+1 703 555 0111" || got.Version != 3 {
			t.Errorf("holder %+v", got)
		}
		want := []accounts.Event{
			{At: t1, By: "sub-staff", Action: "credentials.set", Detail: "guest → member, CAM 2019-05-01",
				Before: held(accounts.Guest), After: held(accounts.Member, cam)},
			{At: t2, By: "sub-ana", Action: "contact.update", Detail: "contact information updated by the holder"},
		}
		if !reflect.DeepEqual(evs, want) {
			t.Errorf("history\n got %+v\nwant %+v", evs, want)
		}
	})
	t.Run("ErrHolderNotFound", func(t *testing.T) {
		_, _, err := e.at(t2).HolderRecord(t.Context(), staff, "H-0000000000")
		wantFault(t, err, fault.NotFound, "holder_not_found")
	})
	for _, c := range []identity.Caller{ana, acme} {
		t.Run("ErrForbidden/"+c.Sub, func(t *testing.T) {
			_, _, err := e.at(t2).HolderRecord(t.Context(), c, h.ID)
			wantFault(t, err, fault.Forbidden, "forbidden")
			_, err = e.at(t2).Holder(t.Context(), c, h.ID)
			wantFault(t, err, fault.Forbidden, "forbidden")
		})
	}
	t.Run("ErrUnauthenticated", func(t *testing.T) {
		_, err := e.at(t2).Holder(t.Context(), identity.Caller{}, h.ID)
		wantFault(t, err, fault.Unauthenticated, "unauthenticated")
	})
}

func TestService_CreateProvider(t *testing.T) {
	t.Run("Created", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		in := accounts.NewProvider{Name: " Acme Training ", ContactName: " Carla Diaz", Email: "Office@Acme.example.org ",
			Phone: " +1 202 555 0199", Address: accounts.Address{Line1: " 9 K St NW", City: "Washington ", Region: "DC",
				PostalCode: "20001", Country: "us"}}
		p, err := e.at(t0).CreateProvider(t.Context(), acme, in)
		if err != nil {
			t.Fatal(err)
		}
		if !providerID.MatchString(p.ID) {
			t.Errorf("ID %q, want P- and 10 base32 characters", p.ID)
		}
		want := accounts.Provider{ID: p.ID, Sub: "sub-acme", Name: "Acme Training", ContactName: "Carla Diaz",
			Email: "Office@Acme.example.org", Phone: "+1 202 555 0199",
			Address:   accounts.Address{Line1: "9 K St NW", City: "Washington", Region: "DC", PostalCode: "20001", Country: "US"},
			CreatedAt: t0, UpdatedAt: t0, Version: 1}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("returned provider:\n got %+v\nwant %+v", p, want)
		}
		stored, err := e.at(t1).MyProvider(t.Context(), acme)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, want) {
			t.Errorf("stored provider:\n got %+v\nwant %+v", stored, want)
		}
		e.wantOneWelcome(t, notify.Job{ID: "welcome:provider:" + p.ID, Template: "welcome_provider",
			To: []string{"Office@Acme.example.org"}, Data: map[string]string{"name": "Acme Training", "contactName": "Carla Diaz", "providerId": p.ID}})
	})

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.at(t0).CreateProvider(t.Context(), identity.Caller{}, validProvider())
		wantFault(t, err, fault.Unauthenticated, "unauthenticated")
		e.wantNothingQueued(t)
	})

	tests := []struct {
		name   string
		change func(in *accounts.NewProvider)
		want   []fault.Detail
	}{
		{"ErrNameRequired", func(in *accounts.NewProvider) { in.Name = " " }, []fault.Detail{d("name", "required")}},
		{"Name200", func(in *accounts.NewProvider) { in.Name = strings.Repeat("ñ", 200) }, nil},
		{"ErrName201", func(in *accounts.NewProvider) { in.Name = strings.Repeat("ñ", 201) }, []fault.Detail{d("name", "too_long")}},
		{"ErrContactNameRequired", func(in *accounts.NewProvider) { in.ContactName = "" }, []fault.Detail{d("contactName", "required")}},
		{"ErrEmailRequired", func(in *accounts.NewProvider) { in.Email = "" }, []fault.Detail{d("email", "required")}},
		{"ErrEmail", func(in *accounts.NewProvider) { in.Email = "office@acme" }, []fault.Detail{d("email", "invalid_email")}},
		{"ErrPhoneRequired", func(in *accounts.NewProvider) { in.Phone = "" }, []fault.Detail{d("phone", "required")}},
		{"ErrPhone", func(in *accounts.NewProvider) { in.Phone = "555-CALL-NOW" }, []fault.Detail{d("phone", "invalid_phone")}},
		{"ErrLine1Required", func(in *accounts.NewProvider) { in.Address.Line1 = "" }, []fault.Detail{d("address.line1", "required")}},
		{"ErrCityRequired", func(in *accounts.NewProvider) { in.Address.City = "" }, []fault.Detail{d("address.city", "required")}},
		{"ErrCountryRequired", func(in *accounts.NewProvider) { in.Address.Country = "" }, []fault.Detail{d("address.country", "required")}},
		{"ErrCountry", func(in *accounts.NewProvider) { in.Address.Country = "1A" }, []fault.Detail{d("address.country", "invalid_country")}},
		{"ErrEverything", func(in *accounts.NewProvider) { *in = accounts.NewProvider{} },
			[]fault.Detail{d("name", "required"), d("contactName", "required"), d("email", "required"), d("phone", "required"),
				d("address.line1", "required"), d("address.city", "required"), d("address.country", "required")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			in := validProvider()
			tt.change(&in)
			_, err := e.at(t0).CreateProvider(t.Context(), acme, in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			fe := wantFault(t, err, fault.Invalid, "invalid_request")
			wantDetails(t, fe.Details, tt.want...)
			if len(fe.Details) != len(tt.want) {
				t.Errorf("got %d details, want %d: %+v", len(fe.Details), len(tt.want), fe.Details)
			}
			if _, err := e.repo.ProviderBySub(t.Context(), acme.Sub); !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("refused provider was stored (err %v)", err)
			}
			e.wantNothingQueued(t)
		})
	}

	t.Run("ErrProviderExists", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		first, err := e.at(t0).CreateProvider(t.Context(), acme, validProvider())
		if err != nil {
			t.Fatal(err)
		}
		again := validProvider()
		again.Name = "Acme Training II"
		_, err = e.at(t1).CreateProvider(t.Context(), acme, again)
		fe := wantFault(t, err, fault.Conflict, "provider_exists")
		if len(fe.Details) != 1 || fe.Details[0].Field != "providerId" || fe.Details[0].Message != first.ID {
			t.Errorf("details %+v, want providerId %s", fe.Details, first.ID)
		}
		stored, err := e.at(t1).MyProvider(t.Context(), acme)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, first) {
			t.Errorf("stored provider:\n got %+v\nwant %+v", stored, first)
		}
		e.wantOneWelcome(t, notify.Job{ID: "welcome:provider:" + first.ID, Template: "welcome_provider",
			To: []string{"office@acme.example.org"}, Data: map[string]string{"name": "Acme Training", "contactName": "Carla Diaz", "providerId": first.ID}})
	})

	t.Run("SameEmailAsAnotherProvider", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		if _, err := e.at(t0).CreateProvider(t.Context(), acme, validProvider()); err != nil {
			t.Fatal(err)
		}
		if _, err := e.at(t0).CreateProvider(t.Context(), bob, validProvider()); err != nil {
			t.Errorf("provider emails need not be unique: %v", err)
		}
	})
}

func TestService_MyProvider(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("ErrProviderNotFound", func(t *testing.T) {
		_, err := e.at(t0).MyProvider(t.Context(), acme)
		wantFault(t, err, fault.NotFound, "provider_not_found")
	})
	t.Run("NotAHolder", func(t *testing.T) {
		// A holder account is no provider.
		e.createHolder(t, ana, validHolder())
		_, err := e.at(t0).MyProvider(t.Context(), ana)
		wantFault(t, err, fault.NotFound, "provider_not_found")
	})
}

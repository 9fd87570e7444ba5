package accounts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/fault"
)

func TestEmailKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ana@example.org", "ana@example.org"},
		{"Ana.Lima@Example.ORG", "ana.lima@example.org"},
		{"  ANA@EXAMPLE.ORG\t\n", "ana@example.org"},
		{"ÁNA@EXEMPLO.PT", "ána@exemplo.pt"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := accounts.EmailKey(tt.in); got != tt.want {
				t.Errorf("EmailKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestService_PhoneShape runs the phone rule through UpdateContact, whose
// phone is optional and named "phone".
func TestService_PhoneShape(t *testing.T) {
	tests := []struct {
		phone string
		want  string // stored phone; "" when refused
		code  string // detail code when refused
	}{
		{"+1 703 555 0100", "+1 703 555 0100", ""},
		{"  +1 703 555 0100 ", "+1 703 555 0100", ""},
		{"+1 (703) 555-0100", "+1 (703) 555-0100", ""},
		{"(703) 555-0100", "(703) 555-0100", ""}, // the usual US national form
		{"(703) 555 0100 X12", "(703) 555 0100 X12", ""},
		{"703 555 0100 Ext. 12", "703 555 0100 Ext. 12", ""},
		{"703-555-0100", "703-555-0100", ""},
		{"703.555.0100", "703.555.0100", ""},
		{"7035550100", "7035550100", ""},
		{"+17035550100", "+17035550100", ""},
		{"+44 20 7946 0958", "+44 20 7946 0958", ""},
		{"+33 1/42/68/53/00", "+33 1/42/68/53/00", ""},
		{"+1 703 555 0100 x123", "+1 703 555 0100 x123", ""},
		{"703 555 0100x12", "703 555 0100x12", ""},
		{"+1 703 555 0100 ext. 12", "+1 703 555 0100 ext. 12", ""},
		{"703 555 0100 ext 123456", "703 555 0100 ext 123456", ""},
		{"555 0100", "555 0100", ""},                           // seven digits: the shortest accepted
		{"+1 703 555 0100 123 4", "+1 703 555 0100 123 4", ""}, // fifteen digits, E.164's longest
		{"", "", ""}, // optional here

		{"12345", "", "invalid_phone"},
		{"+1 703 555 0100 123 45", "", "invalid_phone"}, // sixteen digits
		{"1 ) ( 2", "", "invalid_phone"},
		{"0/0/0/0", "", "invalid_phone"},
		{"(703 555 0100", "", "invalid_phone"},
		{"703) 555 (0100", "", "invalid_phone"},
		{"(1) (703) 555 0100", "", "invalid_phone"},
		{"+", "", "invalid_phone"},
		{"abc", "", "invalid_phone"},
		{"555-CALL-NOW", "", "invalid_phone"},
		{"++1 703 555 0100", "", "invalid_phone"},
		{"+1 703 555 010a", "", "invalid_phone"},
		{"703 555 0100-", "", "invalid_phone"},
		{"+1 703 555 0100 x", "", "invalid_phone"},
		{"+1 703 555 0100 ext 1234567", "", "invalid_phone"},
		{"+1 703 555 0100, +1 703 555 0101", "", "invalid_phone"},
		{"703\u00a0555\u00a00100", "", "invalid_phone"}, // no-break spaces
		{"+1 703 555 0100 / call after 5", "", "invalid_phone"},
		{"+1 703\t555 0100", "", "control_characters"},
		{strings.Repeat("1", 41), "", "too_long"},
	}
	e := newEnv(t)
	me := e.createHolder(t, ana, validHolder())
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.phone), func(t *testing.T) {
			h, err := e.at(t1).UpdateContact(t.Context(), ana, accounts.ContactUpdate{Phone: tt.phone})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if h.Contact.Phone != tt.want {
					t.Errorf("stored %q, want %q", h.Contact.Phone, tt.want)
				}
				return
			}
			fe := wantFault(t, err, fault.Invalid, "invalid_request")
			wantDetails(t, fe.Details, d("phone", tt.code))
			got, err := e.repo.Holder(t.Context(), me.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Contact.Phone == strings.TrimSpace(tt.phone) {
				t.Errorf("refused phone %q was stored", tt.phone)
			}
		})
	}
}

// TestService_EmailShape runs the email rule through CreateHolder.
func TestService_EmailShape(t *testing.T) {
	tests := []struct {
		email string
		code  string // detail code when refused
	}{
		{"ana@example.org", ""},
		{"Ana.Lima+cec@mail.example.co.uk", ""},
		{"o'brien@example.org", ""},
		{"ana_lima@example.org", ""},
		{"josé@exemplo.pt", ""},

		{"ana", "invalid_email"},
		{"ana@", "invalid_email"},
		{"@example.org", "invalid_email"},
		{"Ana <ana@x.org>", "invalid_email"},
		{"<ana@x.org>", "invalid_email"},
		{"ana@localhost", "invalid_email"},
		{"ana@@example.org", "invalid_email"},
		{"ana@example..org", "invalid_email"},
		{"ana@example.org.", "invalid_email"},
		{".ana@example.org", "invalid_email"},
		{"ana lima@example.org", "invalid_email"},
		{`"ana lima"@example.org`, "invalid_email"},
		{"ana@example.org (Ana)", "invalid_email"},
		{"ana@example.org, bob@example.org", "invalid_email"},
		{"ana@[192.168.0.1]", "invalid_email"},
		{"ana@-x.org", "invalid_email"},
		{"ana@x.o", "invalid_email"},
		{"ana@example.c0m", "invalid_email"},
		{"ana\x00@example.org", "control_characters"},
		{"ana\u202e@example.org", "control_characters"},
	}
	e := newEnv(t)
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.email), func(t *testing.T) {
			c := ana
			c.Sub = "sub-" + strings.Repeat("x", i+1) // one identity per case
			h, err := e.at(t0).CreateHolder(t.Context(), c, accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: tt.email})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if h.Email != tt.email {
					t.Errorf("stored %q, want %q", h.Email, tt.email)
				}
				return
			}
			fe := wantFault(t, err, fault.Invalid, "invalid_request")
			wantDetails(t, fe.Details, d("email", tt.code))
		})
	}
}

package accounts

import (
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
)

// problems collects field errors so that a form shows all of them at once.
type problems []fault.Detail

func (p *problems) add(field, code, msg string) {
	*p = append(*p, fault.Detail{Field: field, Code: code, Message: msg})
}

func (p problems) err(message string) error {
	if len(p) == 0 {
		return nil
	}
	return fault.New(fault.Invalid, "invalid_request", message, p...)
}

// text trims s and checks it is present (when required) and not too long.
// It reports whether s passed, so that a field gets one problem, the first.
func (p *problems) text(field, s string, required bool, max int) (string, bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		p.add(field, "required", "is required")
	default:
		code, msg := freetext.Check(s, max, false)
		if code == "" {
			return s, true
		}
		p.add(field, code, msg)
	}
	return s, false
}

// str is text for fields with no further checks.
func (p *problems) str(field, s string, required bool, max int) string {
	v, _ := p.text(field, s, required, max)
	return v
}

// domainLabel is one DNS label of a mail domain.
var domainLabel = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`) })

func (p *problems) email(field, s string) string {
	s, ok := p.text(field, s, true, 254)
	if !ok {
		return s
	}
	if !validEmail(s) {
		p.add(field, "invalid_email", "must be a plain email address such as ana@example.com")
	}
	return s
}

// validEmail accepts a bare address whose domain is a DNS name with a
// top-level domain of letters: what a person can actually receive mail at.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	labels := strings.Split(s[strings.LastIndex(s, "@")+1:], ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !domainLabel().MatchString(l) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return len(tld) >= 2 && !strings.ContainsAny(tld, "0123456789-")
}

// phone numbers: an optional +, digits with the usual separators and at
// most one pair of parentheses, 7 to 15 digits (E.164's most), and an
// optional extension.
var (
	phoneChars     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+?\(?[0-9][0-9 ().\-/]*[0-9]$`) })
	phoneExtension = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\s*(x|ext\.?|extension)\s*[0-9]{1,6}$`) })
)

func (p *problems) phone(field, s string, required bool) string {
	s, ok := p.text(field, s, required, 40)
	if ok && s != "" && !validPhone(s) {
		p.add(field, "invalid_phone", "must be a phone number such as +1 703 555 0100 or (703) 555-0100")
	}
	return s
}

func validPhone(s string) bool {
	main := phoneExtension().ReplaceAllString(s, "")
	if !phoneChars().MatchString(main) {
		return false
	}
	digits := 0
	for _, r := range main {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	open, closed := strings.Count(main, "("), strings.Count(main, ")")
	if open != closed || open > 1 || (open == 1 && strings.Index(main, "(") > strings.Index(main, ")")) {
		return false
	}
	return digits >= 7 && digits <= 15
}

var countryShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]{2}$`) })

func (p *problems) address(field string, a Address) Address {
	a.Line1 = p.str(field+".line1", a.Line1, true, 200)
	a.Line2 = p.str(field+".line2", a.Line2, false, 200)
	a.City = p.str(field+".city", a.City, true, 100)
	a.Region = p.str(field+".region", a.Region, false, 100)
	a.PostalCode = p.str(field+".postalCode", a.PostalCode, false, 20)
	country, ok := p.text(field+".country", a.Country, true, 100)
	a.Country = strings.ToUpper(country)
	if ok && !countryShape().MatchString(a.Country) {
		p.add(field+".country", "invalid_country", "must be an ISO 3166-1 alpha-2 code such as US")
	}
	return a
}

func (p *problems) contact(prefix string, c Contact) Contact {
	c.Phone = p.phone(join(prefix, "phone"), c.Phone, false)
	if c.Address != nil {
		a := p.address(join(prefix, "address"), *c.Address)
		c.Address = &a
	}
	return c
}

// join names a nested field; an empty prefix is the top level.
func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// earliestDate bounds dates people type, so that a slip such as 0019
// for 2019 is caught rather than stored.
var earliestDate = calendar.First

// date checks a calendar date YYYY-MM-DD from 1900 up to today.
func (p *problems) date(field, s string, today time.Time) {
	d, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		p.add(field, "invalid_date", "must be a date YYYY-MM-DD")
	case d.After(today):
		p.add(field, "future_date", "must not be in the future")
	case d.Before(earliestDate):
		p.add(field, "too_early", "must not be before 1900-01-01")
	}
}

// EmailKey is the form under which an email is unique: addresses differ only
// in case far less often than people type them in another case.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// The checks of what a person types into each form, each in one place: the
// service runs them before it writes, and the HTTP edge runs them too when
// the request contract already refused a request, so that a person hears
// of every problem at once (Check*), not in two rounds.

// newHolder is the holder in describes, its fields cleaned, with every
// problem of them.
func newHolder(in NewHolder) (Holder, problems) {
	var p problems
	h := Holder{FirstName: p.str("firstName", in.FirstName, true, 100), LastName: p.str("lastName", in.LastName, true, 100),
		Email: p.email("email", in.Email)}
	if in.Contact != nil {
		h.Contact = p.contact("contact", *in.Contact)
	}
	return h, p
}

// newProvider is the provider in describes, cleaned, with every problem.
func newProvider(in NewProvider) (Provider, problems) {
	var p problems
	pr := Provider{Name: p.str("name", in.Name, true, 200), ContactName: p.str("contactName", in.ContactName, true, 100),
		Email: p.email("email", in.Email), Phone: p.phone("phone", in.Phone, true), Address: p.address("address", in.Address)}
	return pr, p
}

// contactUpdate is the contact and email in sets, cleaned, with every problem.
func contactUpdate(in ContactUpdate) (Contact, string, problems) {
	var p problems
	contact := p.contact("", Contact{Phone: in.Phone, Address: in.Address})
	var email string
	if in.Email != nil {
		email = p.email("email", *in.Email)
	}
	return contact, email, p
}

// CheckNewHolder reports every problem CreateHolder would find in in's
// fields, writing nothing.
func CheckNewHolder(in NewHolder) []fault.Detail { _, p := newHolder(in); return p }

// CheckNewProvider reports every problem CreateProvider would find in in's
// fields, writing nothing.
func CheckNewProvider(in NewProvider) []fault.Detail { _, p := newProvider(in); return p }

// CheckContactUpdate reports every problem UpdateContact would find in in's
// fields, writing nothing.
func CheckContactUpdate(in ContactUpdate) []fault.Detail { _, _, p := contactUpdate(in); return p }

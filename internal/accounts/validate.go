package accounts

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cecportal/cecportal/internal/fault"
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
func (p *problems) text(field, s string, required bool, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		p.add(field, "required", "is required")
	case utf8.RuneCountInString(s) > max:
		p.add(field, "too_long", fmt.Sprintf("must be at most %d characters", max))
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		p.add(field, "control_characters", "must not contain control characters")
	}
	return s
}

func (p *problems) email(field, s string) string {
	s = p.text(field, s, true, 254)
	if s == "" {
		return s
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		p.add(field, "invalid_email", "must be a plain email address such as ana@example.com")
	}
	return s
}

var phoneShape = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{3,30}[0-9]( ?(x|ext\.?) ?[0-9]{1,6})?$`)

func (p *problems) phone(field, s string, required bool) string {
	s = p.text(field, s, required, 40)
	if s != "" && !phoneShape.MatchString(s) {
		p.add(field, "invalid_phone", "must be a phone number such as +1 703 555 0100")
	}
	return s
}

var countryShape = regexp.MustCompile(`^[A-Z]{2}$`)

func (p *problems) address(field string, a Address) Address {
	a.Line1 = p.text(field+".line1", a.Line1, true, 200)
	a.Line2 = p.text(field+".line2", a.Line2, false, 200)
	a.City = p.text(field+".city", a.City, true, 100)
	a.Region = p.text(field+".region", a.Region, false, 100)
	a.PostalCode = p.text(field+".postalCode", a.PostalCode, false, 20)
	a.Country = strings.ToUpper(p.text(field+".country", a.Country, true, 2))
	if a.Country != "" && !countryShape.MatchString(a.Country) {
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

// date checks a calendar date YYYY-MM-DD that is not after today.
func (p *problems) date(field, s string, today time.Time) {
	d, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		p.add(field, "invalid_date", "must be a date YYYY-MM-DD")
	case d.After(today):
		p.add(field, "future_date", "must not be in the future")
	}
}

// EmailKey is the form under which an email is unique: addresses differ only
// in case far less often than people type them in another case.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Package emailprefs is which optional email a holder or a provider gets:
// the reminders they may turn off on their account, and the one-click
// unsubscribe link every optional email carries (RFC 8058's
// List-Unsubscribe and List-Unsubscribe-Post), which works without signing
// in. Transactional email (receipts, invoices, decisions, corrections)
// always goes: only the Topics here can be turned off (docs/reminders.md).
package emailprefs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
)

// The people optional email goes to.
const (
	Holder   = "holder"
	Provider = "provider"
)

// Topic is one kind of optional email: a reminder, named by its reason
// (reminders.Reason*, the job's template reminder_<code>).
type Topic struct {
	Code     string
	Audience string // Holder or Provider
	Name     string // what the person sees, in plain words
	Hint     string // when it comes
}

// Topics are the optional emails, in the order the forms list them.
var Topics = []Topic{
	{Code: "renewal_due", Audience: Holder, Name: "Your renewal is due",
		Hint: "Before your renewal's due date, while it is unpaid."},
	{Code: "renewal_grace_ending", Audience: Holder, Name: "Your grace period is ending",
		Hint: "Before the last day to renew late, while your renewal is unpaid."},
	{Code: "cecs_outstanding", Audience: Holder, Name: "CECs still needed",
		Hint: "Before your renewal's due date, while you have not earned the CECs it needs."},
	{Code: "audit_documents", Audience: Holder, Name: "Documents for an audit",
		Hint: "Before the last day to send the documents an audit of your CECs asks for."},
	{Code: "attendance_due", Audience: Provider, Name: "Attendance to report",
		Hint: "After a program ends, while its attendance is not reported."},
	{Code: "fee_due", Audience: Provider, Name: "Application fee unpaid",
		Hint: "After a program's application fee is invoiced, while it is unpaid."},
	{Code: "filing_fee_due", Audience: Provider, Name: "Filing fee unpaid",
		Hint: "After an attendance report's filing fee is invoiced, while it is unpaid."},
}

// TopicOf is the topic of code for audience.
func TopicOf(audience, code string) (Topic, bool) {
	i := slices.IndexFunc(Topics, func(t Topic) bool { return t.Code == code && t.Audience == audience })
	if i < 0 {
		return Topic{}, false
	}
	return Topics[i], true
}

// Account is whose preferences: a holder's or a provider's.
type Account struct{ Audience, ID string }

// Prefs are an account's choices: the topics it turned off.
type Prefs struct {
	Off       []string // topic codes, sorted
	UpdatedAt time.Time
	Via       string // ViaAccount or ViaLink; empty before any change
}

// How a choice was made.
const (
	ViaAccount = "account" // on the account's page, signed in
	ViaLink    = "link"    // an email's unsubscribe link
)

// Wants reports whether the account gets topic's email.
func (p Prefs) Wants(topic string) bool { return !slices.Contains(p.Off, topic) }

// Store keeps preferences: one item per account.
type Store interface {
	// Prefs reads an account's; the zero Prefs when it never chose.
	Prefs(ctx context.Context, a Account) (Prefs, error)
	// Update reads an account's, applies edit (false: write nothing) and
	// writes them over the version it read, reading again when another
	// change came first, so that two changes at once both stand; the
	// choices as they stand after.
	Update(ctx context.Context, a Account, edit func(p *Prefs) bool) (Prefs, error)
}

// Me resolves the caller's own account.
type Me interface {
	MyHolderID(ctx context.Context, c identity.Caller) (string, error)
	MyProviderID(ctx context.Context, c identity.Caller) (string, error)
}

// Key is the secret the links are signed with (a parameter of the
// deployment; a file of the local stack's data directory).
type Key interface {
	Get(ctx context.Context) (string, error)
}

// Service is the preferences and the links.
type Service struct {
	Store Store
	Me    Me
	Key   Key
	Clock clock.Clock
}

// Choice is one topic and whether the account gets it.
type Choice struct {
	Topic Topic
	On    bool
}

// View is an account's choices, every topic of its audience.
type View struct {
	Account   Account
	Choices   []Choice
	UpdatedAt time.Time
}

func (s *Service) me(ctx context.Context, c identity.Caller, audience string) (Account, error) {
	var id string
	var err error
	switch audience {
	case Holder:
		id, err = s.Me.MyHolderID(ctx, c)
	case Provider:
		id, err = s.Me.MyProviderID(ctx, c)
	default:
		return Account{}, fmt.Errorf("emailprefs: audience %q", audience)
	}
	return Account{Audience: audience, ID: id}, err
}

func view(a Account, p Prefs) View {
	v := View{Account: a, UpdatedAt: p.UpdatedAt}
	for _, t := range Topics {
		if t.Audience == a.Audience {
			v.Choices = append(v.Choices, Choice{Topic: t, On: p.Wants(t.Code)})
		}
	}
	return v
}

// Mine is the caller's own choices, as a holder or as a provider.
// Errors: Unauthenticated; NotFound holder_not_found or provider_not_found.
func (s *Service) Mine(ctx context.Context, c identity.Caller, audience string) (View, error) {
	a, err := s.me(ctx, c, audience)
	if err != nil {
		return View{}, err
	}
	p, err := s.Store.Prefs(ctx, a)
	if err != nil {
		return View{}, err
	}
	return view(a, p), nil
}

// SetMine turns off exactly the topics in off, and on the others.
// Errors: Invalid unknown_topic (on field "off") for a code that is not
// one of the audience's topics; those of Mine.
func (s *Service) SetMine(ctx context.Context, c identity.Caller, audience string, off []string) (View, error) {
	var details []fault.Detail
	for _, code := range off {
		if _, ok := TopicOf(audience, code); !ok {
			details = append(details, fault.Detail{Field: "off", Code: "unknown_topic",
				Message: fmt.Sprintf("%q is not a reminder you can turn off", code)})
		}
	}
	if len(details) > 0 {
		return View{}, fault.New(fault.Invalid, "validation_failed", "the choices are not valid", details...)
	}
	a, err := s.me(ctx, c, audience)
	if err != nil {
		return View{}, err
	}
	p, err := s.Store.Update(ctx, a, func(p *Prefs) bool {
		p.Off, p.Via, p.UpdatedAt = sortedSet(off), ViaAccount, s.Clock.Now().UTC()
		return true
	})
	if err != nil {
		return View{}, err
	}
	return view(a, p), nil
}

func sortedSet(codes []string) []string {
	out := slices.Clone(codes)
	slices.Sort(out)
	return slices.Compact(out)
}

// The link's token: base64url("<h|p>.<account>.<topic>") "." base64url
// of the first 16 bytes of its HMAC-SHA256 under the key. It names whose
// email and which topic, so that the link works without signing in, and
// it cannot be made for another account without the key.
const tokenMAC = 16

var b64 = base64.RawURLEncoding

// ErrBadLink: a token that is not one of ours (mistyped, cut, or made up).
var ErrBadLink = fault.New(fault.NotFound, "link_not_valid", "this unsubscribe link is not valid: it may have been cut short")

func (s *Service) mac(ctx context.Context, payload string) ([]byte, error) {
	key, err := s.Key.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("unsubscribe key: %w", err)
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("cecportal unsubscribe\x00" + payload))
	return m.Sum(nil)[:tokenMAC], nil
}

// Token is the unsubscribe token of a's email of topic.
func (s *Service) Token(ctx context.Context, a Account, topic string) (string, error) {
	if a.ID == "" || strings.Contains(a.ID, ".") || (a.Audience != Holder && a.Audience != Provider) {
		return "", fmt.Errorf("emailprefs: no token for account %+v", a)
	}
	if _, ok := TopicOf(a.Audience, topic); !ok {
		return "", fmt.Errorf("emailprefs: %q is no topic of a %s", topic, a.Audience)
	}
	payload := a.Audience[:1] + "." + a.ID + "." + topic
	sum, err := s.mac(ctx, payload)
	if err != nil {
		return "", err
	}
	return b64.EncodeToString([]byte(payload)) + "." + b64.EncodeToString(sum), nil
}

// read is the account and topic a token names.
func (s *Service) read(ctx context.Context, token string) (Account, Topic, error) {
	enc, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 300 {
		return Account{}, Topic{}, ErrBadLink
	}
	payload, err1 := b64.DecodeString(enc)
	got, err2 := b64.DecodeString(mac)
	if err1 != nil || err2 != nil {
		return Account{}, Topic{}, ErrBadLink
	}
	want, err := s.mac(ctx, string(payload))
	if err != nil {
		return Account{}, Topic{}, err
	}
	if !hmac.Equal(got, want) {
		return Account{}, Topic{}, ErrBadLink
	}
	parts := strings.Split(string(payload), ".")
	if len(parts) != 3 {
		return Account{}, Topic{}, ErrBadLink
	}
	audience := map[string]string{"h": Holder, "p": Provider}[parts[0]]
	t, ok := TopicOf(audience, parts[2])
	if !ok {
		return Account{}, Topic{}, ErrBadLink
	}
	return Account{Audience: audience, ID: parts[1]}, t, nil
}

// Link is what an unsubscribe link stops, and whether it is stopped.
type Link struct {
	Topic Topic
	Off   bool
}

// Look says what the link token stops, changing nothing (a mail client or
// a scanner may open a link without the person asking).
// Errors: NotFound link_not_valid.
func (s *Service) Look(ctx context.Context, token string) (Link, error) {
	a, t, err := s.read(ctx, token)
	if err != nil {
		return Link{}, err
	}
	p, err := s.Store.Prefs(ctx, a)
	if err != nil {
		return Link{}, err
	}
	return Link{Topic: t, Off: !p.Wants(t.Code)}, nil
}

// Unsubscribe turns off the link's topic. Doing it again changes nothing.
// Errors: NotFound link_not_valid.
func (s *Service) Unsubscribe(ctx context.Context, token string) (Link, error) {
	a, t, err := s.read(ctx, token)
	if err != nil {
		return Link{}, err
	}
	if _, err := s.Store.Update(ctx, a, func(p *Prefs) bool {
		if !p.Wants(t.Code) {
			return false // stopped already: nothing to write
		}
		p.Off, p.Via, p.UpdatedAt = sortedSet(append(p.Off, t.Code)), ViaLink, s.Clock.Now().UTC()
		return true
	}); err != nil {
		return Link{}, err
	}
	return Link{Topic: t, Off: true}, nil
}

// Links makes the mail sender's links and answers whether an optional
// email goes (notify.Optional): the one-click link is the API's
// (POST /unsubscribe/{token}), the page the portal's.
type Links struct {
	Prefs *Service
	// API is the API's base URL (read at the first email); Portal the
	// portal's (the policy's portalUrl), where the page is
	// #/unsubscribe/<token>: without it an email has the header's
	// one-click link only.
	API    func(ctx context.Context) (string, error)
	Portal string
}

var _ notify.Optional = Links{}

// Wants reports whether the email of o goes.
func (l Links) Wants(ctx context.Context, o notify.OptionalMail) (bool, error) {
	p, err := l.Prefs.Store.Prefs(ctx, Account{Audience: o.Audience, ID: o.AccountID})
	if err != nil {
		return false, err
	}
	return p.Wants(o.Topic), nil
}

// Unsubscribe is o's one-click link (for the List-Unsubscribe header) and
// its page's (for the email's own text).
func (l Links) Unsubscribe(ctx context.Context, o notify.OptionalMail) (oneClick, page string, err error) {
	token, err := l.Prefs.Token(ctx, Account{Audience: o.Audience, ID: o.AccountID}, o.Topic)
	if err != nil {
		return "", "", err
	}
	api, err := l.API(ctx)
	if err != nil {
		return "", "", fmt.Errorf("api url: %w", err)
	}
	if api == "" {
		return "", "", errors.New("emailprefs: the API's URL is not known")
	}
	oneClick = strings.TrimRight(api, "/") + "/unsubscribe/" + token
	if l.Portal == "" { // no portal to send a person to: the header's link only
		return oneClick, "", nil
	}
	return oneClick, strings.TrimRight(l.Portal, "/") + "/#/unsubscribe/" + token, nil
}

package emailprefs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/testkit"
)

// memStore keeps choices; its Update is the table's (store.EmailPrefs,
// tested on both backends with a change landing mid-way), less the races.
type memStore struct {
	prefs  map[emailprefs.Account]emailprefs.Prefs
	writes int
}

func (m *memStore) Prefs(_ context.Context, a emailprefs.Account) (emailprefs.Prefs, error) {
	return m.prefs[a], nil
}
func (m *memStore) Update(_ context.Context, a emailprefs.Account, edit func(p *emailprefs.Prefs) bool) (emailprefs.Prefs, error) {
	p := m.prefs[a]
	p.Off = slices.Clone(p.Off)
	if edit(&p) {
		m.prefs[a] = p
		m.writes++
	}
	return m.prefs[a], nil
}

// me is one holder (sub "ana", H-1) and one provider (sub "acme", P-1).
type me struct{}

func (me) MyHolderID(_ context.Context, c identity.Caller) (string, error) {
	if c.Sub != "ana" {
		return "", fault.New(fault.NotFound, "holder_not_found", "no holder")
	}
	return "H-1", nil
}
func (me) MyProviderID(_ context.Context, c identity.Caller) (string, error) {
	if c.Sub != "acme" {
		return "", fault.New(fault.NotFound, "provider_not_found", "no provider")
	}
	return "P-1", nil
}

func newService(key string) (*emailprefs.Service, *memStore) {
	st := &memStore{prefs: map[emailprefs.Account]emailprefs.Prefs{}}
	return &emailprefs.Service{Store: st, Me: me{}, Key: secrets.Value(key),
		Clock: testkit.SettableAt(time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC))}, st
}

var (
	ana  = identity.Caller{Sub: "ana", Roles: []string{identity.RoleHolder}}
	acme = identity.Caller{Sub: "acme", Roles: []string{identity.RoleProvider}}
)

// Every reminder a holder or a provider gets is a topic they can turn
// off; the office's own (audit overdue) is not.
func TestTopics_AreTheReminders(t *testing.T) {
	for _, r := range []string{reminders.ReasonRenewal, reminders.ReasonGrace, reminders.ReasonCECs, reminders.ReasonAudit,
		reminders.ReasonAttendance, reminders.ReasonFee, reminders.ReasonFiling} {
		if !slices.ContainsFunc(emailprefs.Topics, func(tp emailprefs.Topic) bool { return tp.Code == r }) {
			t.Errorf("reminder %s is no topic", r)
		}
	}
	if slices.ContainsFunc(emailprefs.Topics, func(tp emailprefs.Topic) bool { return tp.Code == reminders.ReasonAuditOverdue }) {
		t.Error("the office's audit-overdue reminder is a topic")
	}
}

func TestService_Choices(t *testing.T) {
	ctx := context.Background()
	s, st := newService("k")
	v, err := s.Mine(ctx, ana, emailprefs.Holder)
	if err != nil || len(v.Choices) != 4 || !v.Choices[0].On || v.Choices[0].Topic.Code != "renewal_due" {
		t.Fatalf("a holder's choices at first: %+v, %v", v, err)
	}
	if v, err = s.SetMine(ctx, ana, emailprefs.Holder, []string{"cecs_outstanding", "renewal_due", "renewal_due"}); err != nil {
		t.Fatal(err)
	}
	var off []string
	for _, c := range v.Choices {
		if !c.On {
			off = append(off, c.Topic.Code)
		}
	}
	if !slices.Equal(off, []string{"renewal_due", "cecs_outstanding"}) || st.prefs[emailprefs.Account{Audience: emailprefs.Holder, ID: "H-1"}].Via != emailprefs.ViaAccount {
		t.Fatalf("turned off %v (%+v)", off, st.prefs)
	}
	// A provider's topic is not a holder's: refused on the field, nothing written.
	writes := st.writes
	_, err = s.SetMine(ctx, ana, emailprefs.Holder, []string{"attendance_due", "nope"})
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.Invalid || len(fe.Details) != 2 || fe.Details[0].Field != "off" || st.writes != writes {
		t.Fatalf("unknown topics: %v", err)
	}
	if v, err = s.Mine(ctx, acme, emailprefs.Provider); err != nil || len(v.Choices) != 3 {
		t.Fatalf("a provider's choices: %+v, %v", v, err)
	}
	if _, err = s.Mine(ctx, acme, emailprefs.Holder); !fault.Is(err, fault.NotFound) {
		t.Fatalf("a provider as a holder: %v", err)
	}
}

func TestService_Links(t *testing.T) {
	ctx := context.Background()
	s, st := newService("the key")
	h1 := emailprefs.Account{Audience: emailprefs.Holder, ID: "H-1"}
	token, err := s.Token(ctx, h1, "renewal_due")
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Look(ctx, token)
	if err != nil || l.Topic.Code != "renewal_due" || l.Off || st.writes != 0 {
		t.Fatalf("look: %+v, %v (%d writes)", l, err, st.writes)
	}
	for range 2 { // again: the same, nothing more written
		if l, err = s.Unsubscribe(ctx, token); err != nil || !l.Off {
			t.Fatalf("unsubscribe: %+v, %v", l, err)
		}
	}
	if p := st.prefs[h1]; !slices.Equal(p.Off, []string{"renewal_due"}) || p.Via != emailprefs.ViaLink || st.writes != 1 {
		t.Fatalf("after the link: %+v, %d writes", p, st.writes)
	}
	// Another reminder's link: both stopped.
	cecs, _ := s.Token(ctx, h1, "cecs_outstanding")
	if _, err := s.Unsubscribe(ctx, cecs); err != nil {
		t.Fatal(err)
	}
	if p := st.prefs[h1]; !slices.Equal(p.Off, []string{"cecs_outstanding", "renewal_due"}) {
		t.Fatalf("after two links: %v", p.Off)
	}
	// Links that are not ours: cut, changed, another account's name on
	// this signature, signed with another key.
	other, _ := newService("another key")
	forged, _ := other.Token(ctx, h1, "renewal_due")
	enc, mac, _ := strings.Cut(token, ".")
	h2, _ := s.Token(ctx, emailprefs.Account{Audience: emailprefs.Holder, ID: "H-2"}, "renewal_due")
	h2enc, _, _ := strings.Cut(h2, ".")
	for name, bad := range map[string]string{"Cut": token[:len(token)-3], "NoSignature": enc, "Forged": forged,
		"OtherAccount": h2enc + "." + mac, "Garbage": "%%%.???", "Empty": ""} {
		if _, err := s.Unsubscribe(ctx, bad); !errors.Is(err, emailprefs.ErrBadLink) {
			t.Errorf("%s: %v, want ErrBadLink", name, err)
		}
	}
	if _, err := s.Token(ctx, h1, "attendance_due"); err == nil {
		t.Error("a holder's token for a provider's topic")
	}
	// The mail sender's links: the API's one-click, the portal's page.
	links := emailprefs.Links{Prefs: s, API: func(context.Context) (string, error) { return "https://api.example.test/", nil }, Portal: "https://portal.example.test"}
	o := notify.OptionalMail{Audience: emailprefs.Holder, AccountID: "H-1", Topic: "audit_documents"}
	oneClick, page, err := links.Unsubscribe(ctx, o)
	if err != nil || !strings.HasPrefix(oneClick, "https://api.example.test/unsubscribe/") || !strings.HasPrefix(page, "https://portal.example.test/#/unsubscribe/") {
		t.Fatalf("links %q %q, %v", oneClick, page, err)
	}
	// Without the portal's address, no page to send a person to: the
	// header's one-click link only (the email then shows no link).
	links.Portal = ""
	if oneClick, page, err := links.Unsubscribe(ctx, o); err != nil || oneClick == "" || page != "" {
		t.Fatalf("links without a portal: %q %q, %v", oneClick, page, err)
	}
	if wants, err := links.Wants(ctx, o); err != nil || !wants {
		t.Fatalf("wants audit_documents: %v, %v", wants, err)
	}
	if wants, err := links.Wants(ctx, notify.OptionalMail{Audience: emailprefs.Holder, AccountID: "H-1", Topic: "renewal_due"}); err != nil || wants {
		t.Fatalf("wants renewal_due after the link: %v, %v", wants, err)
	}
}

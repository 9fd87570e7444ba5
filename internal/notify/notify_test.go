package notify_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/notify/templates"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// memLedger and memSender are doubles for the Mailer's own logic; the
// table-backed Ledger runs against both real store adapters in internal/store.
type memLedger struct {
	mu     sync.Mutex
	claims map[string]time.Time
	sent   map[string]string
}

func (l *memLedger) Claim(_ context.Context, id string, now time.Time, lease time.Duration) (notify.ClaimResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.sent[id]; ok {
		return notify.AlreadySent, nil
	}
	if at, ok := l.claims[id]; ok && now.Sub(at) < lease {
		return notify.HeldElsewhere, nil
	}
	l.claims[id] = now
	return notify.Claimed, nil
}
func (l *memLedger) Sent(_ context.Context, id, msg string, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent[id] = msg
	return nil
}
func (l *memLedger) Release(_ context.Context, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.claims, id)
	return nil
}

type memSender struct {
	sent []notify.Email
	err  error
}

func (s *memSender) Send(_ context.Context, e notify.Email) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	s.sent = append(s.sent, e)
	return "msg-1", nil
}

func newMailer(t *testing.T) (*notify.Mailer, *memSender, *memLedger, *time.Time) {
	t.Helper()
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, l := &memSender{}, &memLedger{claims: map[string]time.Time{}, sent: map[string]string{}}
	m := &notify.Mailer{Sender: s, Ledger: l, Templates: tpl, From: "cec@example.org", Now: func() time.Time { return now }}
	return m, s, l, &now
}

var welcome = notify.Job{ID: "welcome:holder:H-1", Template: "welcome_holder", To: []string{"ana@example.com"},
	Data: map[string]string{"firstName": "Ana", "lastName": "Lima", "holderId": "H-1"}}

func TestMailer_Deliver(t *testing.T) {
	ctx := context.Background()
	t.Run("RendersAndSendsOnce", func(t *testing.T) {
		m, s, _, _ := newMailer(t)
		for range 3 {
			if err := m.Deliver(ctx, welcome); err != nil {
				t.Fatal(err)
			}
		}
		if len(s.sent) != 1 {
			t.Fatalf("sent %d emails for one job delivered 3 times", len(s.sent))
		}
		e := s.sent[0]
		if e.From != "cec@example.org" || e.To[0] != "ana@example.com" ||
			!strings.Contains(e.Subject, "Apartment Management Institute") || !strings.Contains(e.Text, "H-1") ||
			!strings.Contains(e.HTML, "<strong>H-1</strong>") {
			t.Fatalf("rendered email: %+v", e)
		}
	})
	t.Run("FailedSendIsRetried", func(t *testing.T) {
		m, s, _, _ := newMailer(t)
		s.err = errors.New("throttled")
		if err := m.Deliver(ctx, welcome); err == nil {
			t.Fatal("send failure reported as success")
		}
		s.err = nil
		if err := m.Deliver(ctx, welcome); err != nil || len(s.sent) != 1 {
			t.Fatalf("retry: err %v, sent %d", err, len(s.sent))
		}
	})
	t.Run("ConcurrentDeliveryWaits", func(t *testing.T) {
		m, s, l, now := newMailer(t)
		l.claims[welcome.ID] = *now // another delivery is sending
		if err := m.Deliver(ctx, welcome); !errors.Is(err, notify.ErrInFlight) {
			t.Fatalf("got %v, want ErrInFlight", err)
		}
		*now = now.Add(3 * time.Minute) // that delivery died: its lease ran out
		if err := m.Deliver(ctx, welcome); err != nil || len(s.sent) != 1 {
			t.Fatalf("takeover: err %v, sent %d", err, len(s.sent))
		}
	})
	t.Run("BadJobs", func(t *testing.T) {
		m, s, _, _ := newMailer(t)
		for name, body := range map[string]string{
			"NotJSON":         "{",
			"NoID":            `{"template":"welcome_holder","to":["a@b.c"]}`,
			"BadRecipient":    `{"id":"x","template":"welcome_holder","to":["nobody"]}`,
			"UnknownTemplate": `{"id":"x","template":"nope","to":["a@b.c"]}`,
			"MissingData":     `{"id":"x","template":"welcome_holder","to":["a@b.c"],"data":{}}`,
		} {
			if err := m.Handle(ctx, body); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if len(s.sent) != 0 {
			t.Fatalf("bad jobs sent %d emails", len(s.sent))
		}
	})
}

// marked is the undeliverable addresses, as undeliverable.Service answers.
type marked struct {
	emails []string
	err    error
}

func (m marked) Undeliverable(_ context.Context, emails []string) ([]undeliverable.Address, error) {
	var out []undeliverable.Address
	for _, e := range emails {
		if slices.Contains(m.emails, undeliverable.Normalize(e)) {
			out = append(out, undeliverable.Address{Email: undeliverable.Normalize(e), Reason: undeliverable.NoMailbox})
		}
	}
	return out, m.err
}

func TestMailer_SkipsUndeliverable(t *testing.T) {
	ctx := context.Background()
	two := welcome
	two.ID, two.To = "welcome:two", []string{"Ana@Example.com", "bo@example.com"}
	for _, tc := range []struct {
		name     string
		job      notify.Job
		marked   marked
		wantTo   []string // nil: nothing sent
		wantSent string   // the ledger's record; "" for none
		wantErr  bool
	}{
		{"NoneMarked", welcome, marked{}, []string{"ana@example.com"}, "msg-1", false},
		{"OnlyRecipientMarked", welcome, marked{emails: []string{"ana@example.com"}}, nil, notify.SkippedUndeliverable, false},
		{"OneOfTwoMarked", two, marked{emails: []string{"ana@example.com"}}, []string{"bo@example.com"}, "msg-1", false},
		// The marks cannot be read: not sent, and the claim released for
		// the queue's next delivery.
		{"MarksUnreadable", welcome, marked{err: errors.New("throttled")}, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s, l, _ := newMailer(t)
			m.Undeliverable = tc.marked
			err := m.Deliver(ctx, tc.job)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Deliver = %v, want error %v", err, tc.wantErr)
			}
			switch {
			case tc.wantTo == nil && len(s.sent) != 0:
				t.Fatalf("sent %+v, want nothing", s.sent)
			case tc.wantTo != nil && (len(s.sent) != 1 || !slices.Equal(s.sent[0].To, tc.wantTo)):
				t.Fatalf("sent %+v, want one email to %v", s.sent, tc.wantTo)
			}
			if got := l.sent[tc.job.ID]; got != tc.wantSent {
				t.Fatalf("ledger records %q, want %q", got, tc.wantSent)
			}
			if _, claimed := l.claims[tc.job.ID]; tc.wantErr && claimed {
				t.Fatal("the claim of an unsent job was kept: the next delivery would wait out its lease")
			}
		})
	}
}

// choices is the optional email's answers: who turned what off.
type choices struct {
	off map[string]bool // "<account> <topic>"
	err error
}

func (c choices) Wants(_ context.Context, o notify.OptionalMail) (bool, error) {
	return !c.off[o.AccountID+" "+o.Topic], c.err
}

func (c choices) Unsubscribe(_ context.Context, o notify.OptionalMail) (string, string, error) {
	return "https://api.example.test/unsubscribe/" + o.AccountID, "https://portal.example.test/#/unsubscribe/" + o.AccountID, nil
}

// An optional email (a reminder) goes only while its recipient wants it,
// with its one-click link for the header and its page's in the text; one
// turned off is recorded as done, not sent; a transactional one goes
// whatever the choices.
func TestMailer_OptionalMail(t *testing.T) {
	ctx := context.Background()
	reminder := notify.Job{ID: "reminder:renewal_due:INV-1:d30", Template: "reminder_renewal_due", To: []string{"ana@example.com"},
		Data:     map[string]string{"name": "Ana", "invoiceId": "INV-1", "year": "2027", "dueOn": "2027-01-01", "amount": "$125.00", "days": "30"},
		Optional: &notify.OptionalMail{Audience: "holder", AccountID: "H-1", Topic: "renewal_due"}}
	for _, tc := range []struct {
		name      string
		job       notify.Job
		choices   choices
		wantLink  string // the header's; "-" for nothing sent
		wantSent  string
		wantError bool
	}{
		{"Wanted", reminder, choices{}, "https://api.example.test/unsubscribe/H-1", "msg-1", false},
		{"TurnedOff", reminder, choices{off: map[string]bool{"H-1 renewal_due": true}}, "-", notify.SkippedUnsubscribed, false},
		{"OtherTopicOff", reminder, choices{off: map[string]bool{"H-1 cecs_outstanding": true}}, "https://api.example.test/unsubscribe/H-1", "msg-1", false},
		{"Transactional", welcome, choices{off: map[string]bool{"H-1 renewal_due": true}}, "", "msg-1", false},
		// The choices cannot be read: not sent, the claim released.
		{"ChoicesUnreadable", reminder, choices{err: errors.New("throttled")}, "-", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s, l, _ := newMailer(t)
			m.Optional = tc.choices
			err := m.Deliver(ctx, tc.job)
			if (err != nil) != tc.wantError {
				t.Fatalf("Deliver = %v, want error %v", err, tc.wantError)
			}
			if tc.wantLink == "-" {
				if len(s.sent) != 0 {
					t.Fatalf("sent %+v, want nothing", s.sent)
				}
			} else if len(s.sent) != 1 || s.sent[0].Unsubscribe != tc.wantLink {
				t.Fatalf("sent %+v, want one email with link %q", s.sent, tc.wantLink)
			}
			if tc.wantLink != "-" && tc.wantLink != "" {
				page := "https://portal.example.test/#/unsubscribe/H-1"
				if !strings.Contains(s.sent[0].Text, "Stop them: "+page) || !strings.Contains(s.sent[0].HTML, `href="`+page+`"`) {
					t.Errorf("the email does not link its unsubscribe page:\n%s\n%s", s.sent[0].Text, s.sent[0].HTML)
				}
			}
			if tc.wantLink == "" && len(s.sent) == 1 && strings.Contains(s.sent[0].Text, "Stop them") {
				t.Errorf("a transactional email offers to stop it:\n%s", s.sent[0].Text)
			}
			if got := l.sent[tc.job.ID]; got != tc.wantSent {
				t.Fatalf("ledger records %q, want %q", got, tc.wantSent)
			}
			if _, claimed := l.claims[tc.job.ID]; tc.wantError && claimed {
				t.Fatal("the claim of an unsent job was kept")
			}
			if tc.job.Data != nil && tc.job.Data[notify.UnsubscribeData] != "" {
				t.Fatal("Deliver changed the job's data")
			}
		})
	}
}

package notify

import (
	"context"
	"errors"
	"html"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/policy"
)

// memLedger and memSender are doubles for the Mailer's own logic; the
// table-backed Ledger runs against both real store adapters in internal/store.
type memLedger struct {
	mu     sync.Mutex
	claims map[string]time.Time
	sent   map[string]string
}

func (l *memLedger) Claim(_ context.Context, id string, now time.Time, lease time.Duration) (ClaimResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.sent[id]; ok {
		return AlreadySent, nil
	}
	if at, ok := l.claims[id]; ok && now.Sub(at) < lease {
		return HeldElsewhere, nil
	}
	l.claims[id] = now
	return Claimed, nil
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
	sent []Email
	err  error
}

func (s *memSender) Send(_ context.Context, e Email) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	s.sent = append(s.sent, e)
	return "msg-1", nil
}

func newMailer(t *testing.T) (*Mailer, *memSender, *memLedger, *time.Time) {
	t.Helper()
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := LoadTemplates(p)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, l := &memSender{}, &memLedger{claims: map[string]time.Time{}, sent: map[string]string{}}
	m := &Mailer{Sender: s, Ledger: l, Templates: tpl, From: "cec@example.org", Now: func() time.Time { return now }}
	return m, s, l, &now
}

var welcome = Job{ID: "welcome:holder:H-1", Template: "welcome_holder", To: []string{"ana@example.com"},
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
		if err := m.Deliver(ctx, welcome); !errors.Is(err, ErrInFlight) {
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

func TestTemplates_ProviderWelcome(t *testing.T) {
	m, _, _, _ := newMailer(t)
	e, err := m.Templates.Render(Job{ID: "x", Template: "welcome_provider", To: []string{"a@b.c"},
		Data: map[string]string{"name": "Acme <Training>", "contactName": "Bo", "providerId": "P-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Subject, "Acme <Training> is registered as a CEC provider with AMI") {
		t.Errorf("subject %q", e.Subject)
	}
	if !strings.Contains(e.HTML, "Acme &lt;Training&gt;") {
		t.Errorf("html not escaped: %s", e.HTML)
	}
}

func TestTemplates_Programs(t *testing.T) {
	m, _, _, _ := newMailer(t)
	base := map[string]string{"programId": "PRG-1", "title": "Fair Housing 2027", "providerName": "Acme"}
	with := func(extra map[string]string) map[string]string {
		d := map[string]string{}
		for k, v := range base {
			d[k] = v
		}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	for _, tc := range []struct {
		template string
		data     map[string]string
		subject  string
		body     []string
	}{
		{"program_refused", with(map[string]string{"reasons": "startsAt: past educational programs will not be considered"}),
			`Your CEC application "Fair Housing 2027" was not accepted`, []string{"PRG-1", "past educational programs"}},
		{"program_invoice", with(map[string]string{"amount": "225.00 USD", "invoiceId": "INV-PRG-1-1", "late": "true", "cecs": "3", "lateWithinDays": "30"}),
			`Application fee for "Fair Housing 2027": 225.00 USD`, []string{"INV-PRG-1-1", "3 CECs", "late fee", "30 or fewer days"}},
		{"program_invoice", with(map[string]string{"amount": "150.00 USD", "invoiceId": "INV-PRG-1-1", "late": "false", "cecs": "3", "lateWithinDays": "30"}),
			`Application fee for "Fair Housing 2027": 150.00 USD`, []string{"non-refundable"}},
		{"program_decision", with(map[string]string{"decision": "approved", "reason": ""}),
			`Your CEC application "Fair Housing 2027" was approved`, []string{"within 45 days"}},
		{"program_decision", with(map[string]string{"decision": "rejected", "reason": "Objectives are not measurable."}),
			`Your CEC application "Fair Housing 2027" was rejected`, []string{"Objectives are not measurable."}},
	} {
		e, err := m.Templates.Render(Job{ID: "x", Template: tc.template, To: []string{"a@b.co"}, Data: tc.data})
		if err != nil {
			t.Fatalf("%s: %v", tc.template, err)
		}
		if e.Subject != tc.subject {
			t.Errorf("%s subject %q, want %q", tc.template, e.Subject, tc.subject)
		}
		for _, want := range tc.body {
			if !strings.Contains(e.Text, want) {
				t.Errorf("%s body lacks %q:\n%s", tc.template, want, e.Text)
			}
		}
		if tc.data["late"] == "false" && strings.Contains(e.Text, "late fee") {
			t.Errorf("on-time invoice mentions a late fee:\n%s", e.Text)
		}
		if tc.data["decision"] == "rejected" && strings.Contains(e.Text, "within 45 days") {
			t.Errorf("rejection asks for attendance:\n%s", e.Text)
		}
	}
}

func TestTemplates_Reminders(t *testing.T) {
	m, _, _, _ := newMailer(t)
	for _, tc := range []struct {
		job     Job
		subject string
		body    []string
	}{
		{Job{ID: "r1", Template: "reminder_renewal_due", To: []string{"a@b.co"}, Data: map[string]string{"name": "Ana Lima",
			"invoiceId": "REN-H-1-2027", "year": "2027", "dueOn": "2027-01-01", "amount": "125.00 USD", "days": "30"}},
			"Your 2027 renewal is due on 2027-01-01", []string{"REN-H-1-2027", "125.00 USD", "in 30 days", "https://cec.example.org"}},
		{Job{ID: "r2", Template: "reminder_attendance_due", To: []string{"a@b.co"}, Data: map[string]string{"programId": "PRG-1",
			"title": "Fair Housing", "endsOn": "2027-03-10", "deadline": "2027-04-24", "days": "40"}},
			`Attendance for "Fair Housing" is due by 2027-04-24`, []string{"PRG-1", "40 days ago", "Apartment Management Institute"}},
		{Job{ID: "r3", Template: "reminder_cecs_outstanding", To: []string{"a@b.co"}, Data: map[string]string{"name": "Ana Lima",
			"holderId": "H-1", "year": "2027", "dueOn": "2027-01-01", "days": "7", "required": "6", "counted": "2.5",
			"earnedYear": "2026", "shortfalls": "- 2.5 CECs counted of the 6 required\n- at least 1 CEC must address <compliance>"}},
			"Your 2027 renewal: CECs still outstanding", []string{"2.5 of the 6 required", "in 7 days", "earned in\n2026", "H-1",
				"- at least 1 CEC must address <compliance>", "https://cec.example.org"}},
		{Job{ID: "r4", Template: "reminder_fee_due", To: []string{"a@b.co"}, Data: map[string]string{"programId": "PRG-2",
			"title": "Leasing <Law>", "invoiceId": "INV-PRG-2-1", "amount": "150.00 USD", "issuedOn": "2027-02-01",
			"startsOn": "2027-04-01", "days": "7"}},
			`Application fee for "Leasing <Law>" is still unpaid`, []string{"INV-PRG-2-1", "150.00 USD", "issued on 2027-02-01", "starts on 2027-04-01"}},
	} {
		e, err := m.Templates.Render(tc.job)
		if err != nil {
			t.Fatalf("%s: %v", tc.job.Template, err)
		}
		if e.Subject != tc.subject {
			t.Errorf("%s subject %q, want %q", tc.job.Template, e.Subject, tc.subject)
		}
		for _, want := range tc.body {
			if !strings.Contains(e.Text, want) {
				t.Errorf("%s body lacks %q:\n%s", tc.job.Template, want, e.Text)
			}
		}
		// Every reminder has an HTML part with the same facts, escaped.
		if !strings.HasPrefix(e.HTML, "<!doctype html>") || !strings.Contains(e.HTML, "Apartment Management Institute") {
			t.Errorf("%s html part:\n%s", tc.job.Template, e.HTML)
		}
		for k, v := range tc.job.Data {
			if k == "shortfalls" || k == "days" {
				continue
			}
			if !strings.Contains(e.HTML, html.EscapeString(v)) {
				t.Errorf("%s html lacks %s %q:\n%s", tc.job.Template, k, v, e.HTML)
			}
		}
		if strings.Contains(e.HTML, "<Law>") || strings.Contains(e.HTML, "<compliance>") {
			t.Errorf("%s html does not escape its data:\n%s", tc.job.Template, e.HTML)
		}
	}
}

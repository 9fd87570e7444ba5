package templates

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/policy"
)

func shippedPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Every shipped email is named in words, and renders with its sample,
// every key of which has a value: the preview staff see is whole.
func TestCatalogue_EveryEmail(t *testing.T) {
	tpl := load(t)
	for _, e := range Catalogue() {
		if e.Title == "" || e.To == "" {
			t.Errorf("%s has no title or recipient in words", e.Name)
		}
		for k, v := range Sample(e.Name) {
			if v == "" {
				t.Errorf("%s reads %q, which has no sample value", e.Name, k)
			}
		}
		got, own, err := tpl.Preview(e.Name)
		if err != nil || own || got.Subject == "" || got.Text == "" {
			t.Errorf("preview of %s: %+v, own %v, %v", e.Name, got, own, err)
		}
		optional := strings.HasPrefix(e.Name, "reminder_") && e.Name != "reminder_audit_overdue"
		if strings.Contains(got.Text, "Stop them:") != optional {
			t.Errorf("preview of %s: unsubscribe line shown %v, want %v", e.Name, !optional, optional)
		}
	}
	if len(catalogue) != len(Names()) {
		t.Errorf("the catalogue names %d emails, the files %d", len(catalogue), len(Names()))
	}
	if _, _, err := tpl.Preview("no_such_email"); err == nil {
		t.Error("a preview of no email")
	}
}

// An association's own template replaces the shipped one whole; the others
// stay as shipped.
func TestLoad_OwnTemplates(t *testing.T) {
	own := fstest.MapFS{
		"README.md": {Data: []byte("not a template")},
		"reminder_renewal_due.txt": {Data: []byte("Subject: {{.Association.ShortName}}: please renew by {{.Data.dueOn}}\n" +
			"Hello {{.Data.name}}, your {{.Data.year}} renewal ({{.Data.amount}}) is due.\n{{if .Unsubscribe}}Stop: {{.Unsubscribe}}{{end}}\n")},
	}
	tpl, err := Load(shippedPolicy(t), own)
	if err != nil {
		t.Fatal(err)
	}
	e, err := tpl.Render(notify.Job{ID: "x", Template: "reminder_renewal_due", To: []string{"a@b.co"},
		Data: map[string]string{"name": "Ana", "year": "2027", "dueOn": "2027-01-01", "amount": "125.00 USD", "invoiceId": "INV-1", "days": "30"}})
	if err != nil || e.Subject != "AMI: please renew by 2027-01-01" || !strings.HasPrefix(e.Text, "Hello Ana") || e.HTML != "" {
		t.Fatalf("own renewal reminder: %+v, %v (want its text only: the shipped HTML goes with the shipped text)", e, err)
	}
	if _, isOwn, _ := tpl.Preview("reminder_renewal_due"); !isOwn {
		t.Error("the preview does not say the email is the association's own")
	}
	w, err := tpl.Render(welcome)
	if err != nil || !strings.Contains(w.Subject, "Welcome to") || w.HTML == "" {
		t.Fatalf("the shipped welcome: %+v, %v", w, err)
	}
}

// A mistake in an association's template stops the start, naming the
// file and what is wrong: every one at once.
func TestLoad_OwnTemplatesRefused(t *testing.T) {
	for _, tc := range []struct {
		name, file, src, want string
	}{
		{"UnknownName", "reminder_renewal_dues.txt", "Subject: x\n", `no email is called "reminder_renewal_dues"`},
		{"HTMLWithoutText", "welcome_holder.html", "<p>Hi</p>", "needs its text, welcome_holder.txt"},
		{"DoesNotParse", "welcome_holder.txt", "Subject: Hi {{.Data.firstName\n", "welcome_holder.txt"},
		{"NoSubject", "welcome_holder.txt", "Hi {{.Data.firstName}}\n", `first line must be "Subject: …"`},
		{"KeyNotGiven", "welcome_holder.txt", "Subject: Hi\nYou owe {{.Data.amount}}.\n", `map has no entry for key "amount"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(shippedPolicy(t), fstest.MapFS{tc.file: {Data: []byte(tc.src)}})
			if err == nil || !strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, want an error naming %s: %s", err, tc.file, tc.want)
			}
		})
	}
	_, err := Load(shippedPolicy(t), fstest.MapFS{"a.txt": {Data: []byte("Subject: a\n")}, "b.txt": {Data: []byte("Subject: b\n")}})
	if err == nil || !strings.Contains(err.Error(), "a.txt") || !strings.Contains(err.Error(), "b.txt") {
		t.Fatalf("two mistakes: %v, want both named", err)
	}
}

// The association's own templates in this repository (policy/email) are
// taken: a mistake there fails the tests, not a deployed start.
func TestLoad_RepositoryOwnTemplates(t *testing.T) {
	own, err := fs.Sub(cecportal.Email, "policy/email")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(shippedPolicy(t), own); err != nil {
		t.Fatal(err)
	}
}

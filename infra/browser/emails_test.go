package browser

import (
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_EmailPreviews: staff list every email the system sends and
// read one as it will arrive, with sample data, at both widths: its
// subject, its text and its HTML in a sandboxed frame; axe-clean.
func TestBrowser_EmailPreviews(t *testing.T) {
	s := start(t, localstack.Config{Now: "2026-11-10T10:00:00-05:00"})
	for _, phone := range []bool{true, false} {
		o := s.person(t, "office", phone)
		o.signIn(t, "staff", "office", "office@example.org")
		o.open(t, "#/staff/emails")
		o.waitText(t, "#emails-table", "Reminder: renewal due")
		if n := eval[int](t, o, "count the emails", `document.querySelectorAll("#emails-table tbody tr").length`); n < 18 {
			t.Fatalf("%d emails listed, want every one (18)", n)
		}
		if got := o.text(t, `#emails-table tr[data-email="reminder_renewal_due"]`); !strings.Contains(got, "As shipped") {
			t.Fatalf("the renewal reminder's row: %q", got)
		}
		o.review(t)
		o.click(t, `#emails-table tr[data-email="reminder_renewal_due"] a`)
		o.waitText(t, "#email-subject", "Your 2027 renewal is due on 2027-01-01")
		if got := o.text(t, "#email-text"); !strings.Contains(got, "Dear Ana Lima") || !strings.Contains(got, "Stop them:") {
			t.Fatalf("the text: %q", got)
		}
		if got := eval[string](t, o, "read the HTML frame", `document.querySelector("#email-html").srcdoc`); !strings.Contains(got, "<strong>125.00 USD</strong>") {
			t.Fatalf("the HTML: %q", got)
		}
		o.review(t)
	}
}

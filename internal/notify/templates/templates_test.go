package templates

import (
	"bytes"
	"html"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cecportal/cecportal/internal/notify"
)

func load(t *testing.T) *Templates {
	t.Helper()
	tpl, err := Load(shippedPolicy(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

var welcome = notify.Job{ID: "welcome:holder:H-1", Template: "welcome_holder", To: []string{"ana@example.com"},
	Data: map[string]string{"firstName": "Ana", "lastName": "Lima", "holderId": "H-1"}}

func TestTemplates_ProviderWelcome(t *testing.T) {
	tpl := load(t)
	e, err := tpl.Render(notify.Job{ID: "x", Template: "welcome_provider", To: []string{"a@b.c"},
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
	tpl := load(t)
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
		{"program_invoice", with(map[string]string{"amount": "225.00 USD", "invoiceId": "INV-PRG-1-1", "late": "true", "cecs": "3 CECs", "lateWithinDays": "30"}),
			`Application fee for "Fair Housing 2027": 225.00 USD`, []string{"INV-PRG-1-1", "(3 CECs)", "late fee", "30 or fewer days"}},
		{"program_invoice", with(map[string]string{"amount": "150.00 USD", "invoiceId": "INV-PRG-1-1", "late": "false", "cecs": "3 CECs", "lateWithinDays": "30"}),
			`Application fee for "Fair Housing 2027": 150.00 USD`, []string{"non-refundable"}},
		{"program_invoice", with(map[string]string{"amount": "750.00 USD", "invoiceId": "INV-PRG-1-1", "late": "true", "cecs": "6 CECs × 2 offerings", "lateWithinDays": "30",
			"offerings": "\n    Offering 2, starting 21 November 2026: 450.00 USD, late fee included\n    Offering 3, starting 12 January 2027: 300.00 USD",
			"refused":   "Offering 1 had started when the application was submitted."}),
			`Application fee for "Fair Housing 2027": 750.00 USD`, []string{"priced on its own start date:\n    Offering 2, starting 21 November 2026: 450.00 USD, late fee included\n    Offering 3",
				"(6 CECs × 2 offerings)", "Offering 1 had started when the application was submitted. The association still considers the other offerings."}},
		{"filing_fee_invoice", with(map[string]string{"name": "Acme", "amount": "15.00 USD", "invoiceId": "FIL-UPL-1", "reportedOn": "2021-08-31",
			"uploadId": "UPL-1", "attendees": "2", "members": "1", "guests": "1"}),
			`Filing fee for "Fair Housing 2027": 15.00 USD`, []string{"FIL-UPL-1", "2 attendees", "1 members of the association, 1 guests", "as soon as it is paid", "reported on 2021-08-31"}},
		{"program_decision", with(map[string]string{"decision": "approved", "reason": ""}),
			`Your CEC application "Fair Housing 2027" was approved`, []string{"within 45 days"}},
		{"program_decision", with(map[string]string{"decision": "rejected", "reason": "Objectives are not measurable."}),
			`Your CEC application "Fair Housing 2027" was rejected`, []string{"Objectives are not measurable."}},
	} {
		e, err := tpl.Render(notify.Job{ID: "x", Template: tc.template, To: []string{"a@b.co"}, Data: tc.data})
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
	tpl := load(t)
	for _, tc := range []struct {
		job     notify.Job
		subject string
		body    []string
	}{
		{notify.Job{ID: "r1", Template: "reminder_renewal_due", To: []string{"a@b.co"}, Data: map[string]string{"name": "Ana Lima",
			"invoiceId": "REN-H-1-2027", "year": "2027", "dueOn": "2027-01-01", "amount": "125.00 USD", "days": "30"}},
			"Your 2027 renewal is due on 2027-01-01", []string{"REN-H-1-2027", "125.00 USD", "in 30 days", "https://cec.example.org"}},
		{notify.Job{ID: "r2", Template: "reminder_attendance_due", To: []string{"a@b.co"}, Data: map[string]string{"programId": "PRG-1",
			"title": "Fair Housing", "endsOn": "2027-03-10", "deadline": "2027-04-24", "days": "40"}},
			`Attendance for "Fair Housing" is due by 2027-04-24`, []string{"PRG-1", "40 days ago", "Apartment Management Institute"}},
		{notify.Job{ID: "r2b", Template: "reminder_attendance_due", To: []string{"a@b.co"}, Data: map[string]string{"programId": "PRG-1",
			"title": "Fair Housing", "endsOn": "2027-03-10", "deadline": "2027-04-24", "days": "40", "offering": "2"}},
			`Attendance for "Fair Housing" is due by 2027-04-24`, []string{"(PRG-1), offering 2,\nended on 2027-03-10"}},
		{notify.Job{ID: "r3", Template: "reminder_cecs_outstanding", To: []string{"a@b.co"}, Data: map[string]string{"name": "Ana Lima",
			"holderId": "H-1", "year": "2027", "dueOn": "2027-01-01", "days": "7", "required": "6", "counted": "2.5",
			"earnedYear": "2026", "shortfalls": "- 2.5 CECs counted of the 6 required\n- at least 1 CEC must address <compliance>"}},
			"Your 2027 renewal: CECs still outstanding", []string{"2.5 of the 6 required", "in 7 days", "earned\nin 2026", "H-1",
				"- at least 1 CEC must address <compliance>", "https://cec.example.org"}},
		// A policy with a rolling window names its dates.
		{notify.Job{ID: "r3b", Template: "reminder_cecs_outstanding", To: []string{"a@b.co"}, Data: map[string]string{"name": "Ana Lima",
			"holderId": "H-1", "year": "2028", "dueOn": "2028-04-01", "days": "7", "required": "8", "counted": "5",
			"earnedYear": "2027", "earned": "from April 1, 2027 to March 31, 2028", "shortfalls": "- 5 CECs counted of the 8 required"}},
			"Your 2028 renewal: CECs still outstanding", []string{"earned\nfrom April 1, 2027 to March 31, 2028 count"}},
		{notify.Job{ID: "r4", Template: "reminder_fee_due", To: []string{"a@b.co"}, Data: map[string]string{"programId": "PRG-2",
			"title": "Leasing <Law>", "invoiceId": "INV-PRG-2-1", "amount": "150.00 USD", "issuedOn": "2027-02-01",
			"startsOn": "2027-04-01", "days": "7"}},
			`Application fee for "Leasing <Law>" is still unpaid`, []string{"INV-PRG-2-1", "150.00 USD", "issued on 2027-02-01", "starts on 2027-04-01"}},
		{notify.Job{ID: "r5", Template: "reminder_filing_fee_due", To: []string{"a@b.co"}, Data: map[string]string{"programId": "PRG-3",
			"title": "Leasing <Law>", "invoiceId": "FIL-UPL-1", "amount": "15.00 USD", "issuedOn": "2027-02-01", "days": "7"}},
			`Filing fee for "Leasing <Law>" is still unpaid`, []string{"FIL-UPL-1", "15.00 USD", "issued on 2027-02-01", "only once it is\npaid"}},
		{notify.Job{ID: "r6", Template: "reminder_audit_documents", To: []string{"a@b.co"}, Data: map[string]string{"name": "Ana Lima",
			"submissionId": "SUB-1", "year": "2028", "dueOn": "2027-04-11", "days": "7"}},
			"Send the documentation of your CEC submission by 2027-04-11", []string{"SUB-1", "2028 renewal", "in\n7 days", "Send the documentation"}},
		{notify.Job{ID: "r7", Template: "reminder_audit_overdue", To: []string{"office@b.co"}, Data: map[string]string{"name": "Ana Lima",
			"submissionId": "SUB-1", "holderId": "H-1", "year": "2028", "dueOn": "2027-04-11", "days": "1"}},
			"Audit overdue: submission SUB-1 has no documentation", []string{"Ana Lima", "holder H-1", "by 2027-04-11", "That day has passed"}},
	} {
		e, err := tpl.Render(tc.job)
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

// A job without a key its template reads is a bug in the job's producer:
// rendering fails rather than sending "<no value>" to a person.
func TestTemplates_MissingKey(t *testing.T) {
	tpl := load(t)
	_, err := tpl.Render(notify.Job{ID: "x", Template: "welcome_provider", To: []string{"a@b.c"},
		Data: map[string]string{"name": "Acme", "contactName": "Bo"}})
	if err == nil || !strings.Contains(err.Error(), "providerId") {
		t.Fatalf("render without providerId: err = %v, want a missing-key error naming it", err)
	}
}

// Templates are parsed when a job first names them, so a broken one would
// only show on its first delivery: parse them all here.
func TestTemplates_AllParse(t *testing.T) {
	names, err := fs.Glob(files, "*.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates found: %v", err)
	}
	htmls, _ := fs.Glob(files, "*.html")
	for _, h := range htmls {
		if !slices.Contains(names, strings.TrimSuffix(h, ".html")+".txt") {
			t.Errorf("%s has no .txt, so it is never sent", h)
		}
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".txt")
		tpl, err := parseTemplate(files, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		src, _ := files.ReadFile(n)
		if !bytes.HasPrefix(src, []byte("Subject: ")) {
			t.Errorf("%s: first line must be \"Subject: …\"", n)
		}
		if want := slices.Contains(htmls, name+".html"); (tpl.html != nil) != want {
			t.Errorf("%s: html part parsed %v, file exists %v", name, tpl.html != nil, want)
		}
	}
}

func TestTemplates_UnknownName(t *testing.T) {
	tpl := load(t)
	for _, name := range []string{"no_such_template", "../notify", "templates/receipt", ""} {
		if _, err := tpl.Render(notify.Job{ID: "x", Template: name, To: []string{"a@b.c"}}); err == nil ||
			!strings.Contains(err.Error(), "no template") {
			t.Errorf("template %q: err = %v, want no template", name, err)
		}
	}
	if len(tpl.parsed) != 0 {
		t.Errorf("unknown names were kept: %v", tpl.parsed)
	}
}

// Jobs of one batch may render at once.
func TestTemplates_ConcurrentFirstUse(t *testing.T) {
	tpl := load(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := tpl.Render(welcome)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestTemplates_AttendanceCorrection(t *testing.T) {
	tpl := load(t)
	for _, tc := range []struct {
		action, subject string
		body            []string
	}{
		{"remove", "A credit was withdrawn from your CEC transcript", []string{"no longer recorded as attending", "3 CECs (completed 2027-03-10) are withdrawn", "Wrong person.", "H-1"}},
		{"add", "A credit was added to your CEC transcript", []string{"now recorded as attending", "3 CECs (completed\n2027-03-10) are on your transcript", "Left off the roster."}},
	} {
		reason := map[string]string{"remove": "Wrong person.", "add": "Left off the roster."}[tc.action]
		e, err := tpl.Render(notify.Job{ID: "x", Template: "attendance_correction", To: []string{"a@b.co"}, Data: map[string]string{
			"action": tc.action, "holderName": "Ana Lima", "holderId": "H-1", "title": "Fair Housing", "programId": "PRG-1",
			"hours": "3", "completed": "2027-03-10", "reason": reason}})
		if err != nil {
			t.Fatal(err)
		}
		if e.Subject != tc.subject {
			t.Errorf("%s: subject %q", tc.action, e.Subject)
		}
		for _, want := range tc.body {
			if !strings.Contains(e.Text, want) {
				t.Errorf("%s: body lacks %q:\n%s", tc.action, want, e.Text)
			}
		}
	}
}

// The received email says what an audit asks for, by when, or that the
// files attached already answer it; a submission not audited says nothing
// of it.
func TestTemplates_SubmissionReceived(t *testing.T) {
	tpl := load(t)
	base := map[string]string{"submissionId": "SUB-1", "holderName": "Ana Lima", "renewalYear": "2028", "activities": "2"}
	for _, tc := range []struct {
		name  string
		extra map[string]string
		want  []string
		not   []string
	}{
		{"NotAudited", map[string]string{"audit": "false"}, []string{"SUB-1 of 2", "review it and email you"}, []string{"audit"}},
		{"AuditAsksForFiles", map[string]string{"audit": "true", "auditProvided": "false", "auditDue": "2027-04-11",
			"auditMissing": "- activity 2, Leasing law: certificate of completion"},
			[]string{"selected for a documentation audit", "by 2027-04-11", "- activity 2, Leasing law: certificate of completion", "Send the\ndocumentation"},
			[]string{"nothing more is needed"}},
		{"AuditAnsweredAlready", map[string]string{"audit": "true", "auditProvided": "true", "auditDue": "2027-04-11", "auditMissing": ""},
			[]string{"selected for a documentation audit", "nothing more is needed from you"}, []string{"2027-04-11"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]string{}
			for k, v := range base {
				data[k] = v
			}
			for k, v := range tc.extra {
				data[k] = v
			}
			e, err := tpl.Render(notify.Job{ID: "s", Template: "submission_received", To: []string{"a@b.co"}, Data: data})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Text, w) {
					t.Errorf("lacks %q:\n%s", w, e.Text)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(e.Text, n) {
					t.Errorf("says %q:\n%s", n, e.Text)
				}
			}
		})
	}
}

// A receipt says where its PDF downloads; a receipt job queued before jobs
// carried the page renders without it.
func TestTemplates_ReceiptLinksThePDF(t *testing.T) {
	tpl := load(t)
	data := map[string]string{"invoiceId": "REN-H-1-2028", "name": "Ana Lima", "amount": "125.00 USD", "description": "2028 renewal: CAM",
		"reference": "cs_1", "paidOn": "2027-03-12"}
	old, err := tpl.Render(notify.Job{ID: "r", Template: "receipt", To: []string{"a@b.co"}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(old.Text, "as a PDF") || !strings.Contains(old.Text, "https://cec.example.org") {
		t.Errorf("a receipt without its page:\n%s", old.Text)
	}
	data["pdfPage"] = "#/holder/renewal?year=2028"
	e, err := tpl.Render(notify.Job{ID: "r", Template: "receipt", To: []string{"a@b.co"}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Text, "Download this receipt as a PDF") || !strings.Contains(e.Text, "https://cec.example.org/#/holder/renewal?year=2028") {
		t.Errorf("the receipt does not link its PDF:\n%s", e.Text)
	}
}

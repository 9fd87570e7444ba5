package browser

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_DocumentationAudit: every submission is picked for the
// audit (a policy of 100 %). Fay, on a phone, is asked for the
// certificate of her activity by its date, sends it, and reads that it was
// sent; Gus sends nothing, and after his date staff see his audit overdue
// beside Fay's documentation, which they open (issue 17).
func TestBrowser_DocumentationAudit(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "policy", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join(t.TempDir(), "audit.yaml")
	if err := os.WriteFile(pol, bytes.Replace(b, []byte("  auditRatePercent: 10\n"), []byte("  auditRatePercent: 100\n"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, localstack.Config{PolicyFile: pol})
	s.setClock(t, "2027-03-12T09:00:00-05:00")
	staffTok := s.token(t, "office", "staff", "office@example.org")
	subs := map[string]string{}
	for _, name := range []string{"fay", "gus"} {
		tok := s.token(t, name, "", name+"@example.com")
		var h struct{ HolderID string }
		s.api(t, "POST", "/holders", tok, map[string]any{"firstName": name, "lastName": "Audit", "email": name + "@example.com"}, 201, &h)
		s.api(t, "PUT", "/holders/"+h.HolderID+"/credentials", staffTok, map[string]any{"membership": "member",
			"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
		var sub struct{ SubmissionID string }
		s.api(t, "POST", "/holders/me/submissions", tok, map[string]any{"year": 2028, "activities": []any{map[string]any{
			"kind": "association_course", "title": "Fair housing", "organisation": "Chapter 7", "date": "2027-03-02", "hours": 6,
			"compliance": true, "documentation": map[string]any{"type": "certificate_of_completion"}}}}, 201, &sub)
		subs[name] = sub.SubmissionID
		for deadline := time.Now().Add(actionTimeout); ; time.Sleep(100 * time.Millisecond) {
			var got struct{ AuditRequest *struct{ State string } }
			s.api(t, "GET", "/holders/me/submissions/"+sub.SubmissionID, tok, nil, 200, &got)
			if got.AuditRequest != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s's submission was not audited", name)
			}
		}
	}

	fay := s.person(t, "fay", true)
	fay.signIn(t, "holder", "fay", "fay@example.com")
	fay.open(t, "#/holder/submit?year=2028")
	card := fmt.Sprintf(`#my-submissions [data-submission-id=%q] `, subs["fay"])
	fay.waitText(t, card+".audit-form", "Send the documentation of this activity by Sun, Apr 11, 2027")
	// What to do comes first, above the form, with the way to it.
	fay.waitText(t, "#running-pending .audit-action", "Action needed: your submission was selected for a documentation audit. Send the documentation by Sun, Apr 11, 2027")
	fay.click(t, "#running-pending .audit-action a")
	fay.waitJS(t, "the audit form's heading focused", fmt.Sprintf(`document.activeElement === document.querySelector(%s)`, js(card+".audit-form h4")))
	fay.audit(t)
	// Sent without a file, it says what is missing on the activity's field.
	fay.click(t, card+".audit-form button[type=submit]")
	if msg := fay.errorOf(t, card+`.audit-form [name="activities[0].documents"]`); msg != "Attach the documentation of activity 1" {
		t.Fatalf("the field's error: %q", msg)
	}
	pdf := filepath.Join(t.TempDir(), "Fair housing certificate.pdf")
	if err := os.WriteFile(pdf, append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 3000)...), 0o600); err != nil {
		t.Fatal(err)
	}
	fay.do(t, "attach the certificate", chromedp.SetUploadFiles(chromedp.CSS(card+`.audit-form [name="activities[0].documents"]`), []string{pdf}))
	fay.waitText(t, card+".audit-form ul.attached", "Attached")
	fay.click(t, card+".audit-form button[type=submit]")
	fay.waitText(t, card+".audit-done", "the documentation was sent")
	fay.waitText(t, card, "Open Fair housing certificate.pdf")
	// A better copy can still be added while the office has not decided.
	fay.click(t, card+"details.more-files summary")
	better := filepath.Join(t.TempDir(), "Certificate, better scan.pdf")
	if err := os.WriteFile(better, append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("y"), 2000)...), 0o600); err != nil {
		t.Fatal(err)
	}
	fay.do(t, "attach a better copy", chromedp.SetUploadFiles(chromedp.CSS(card+`.files-form [name="activities[0].documents"]`), []string{better}))
	fay.waitText(t, card+".files-form ul.attached", "Attached")
	fay.click(t, card+".files-form button[type=submit]")
	fay.waitText(t, card, "Open Certificate, better scan.pdf")
	fay.audit(t)
	noCodesShown(t, fay)

	// After the last day Gus reads that the date has passed and that he
	// can still send it; staff see his audit overdue and Fay's sent.
	s.setClock(t, "2027-04-12T09:00:00-04:00")
	gus := s.person(t, "gus", true)
	gus.signIn(t, "holder", "gus", "gus@example.com")
	gus.open(t, "#/holder/submit?year=2028")
	gus.waitText(t, fmt.Sprintf(`#my-submissions [data-submission-id=%q] .audit-form`, subs["gus"]),
		"The date to send the documentation, Sun, Apr 11, 2027, has passed, but you can still send it until the association's office decides.")
	office := s.person(t, "office", false)
	office.signIn(t, "staff", "office", "office@example.org")
	office.open(t, "#/staff/submissions")
	queue := `#submission-queue article[data-submission-id=%q] `
	office.waitText(t, fmt.Sprintf(queue, subs["gus"])+".audit.overdue", "Documentation audit overdue: the files were asked for by Sun, Apr 11, 2027, and none has come.")
	office.waitText(t, fmt.Sprintf(queue, subs["fay"])+".audit", "the holder sent the documentation")
	office.waitText(t, fmt.Sprintf(queue, subs["fay"]), "Open Fair housing certificate.pdf")
	office.audit(t)
}

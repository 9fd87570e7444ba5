package browser

import (
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_ImportHolders: staff bring the association's holders in from
// a spreadsheet (issue 15), at desktop width and on a phone: the template,
// a check first (nothing imported), the import followed to its report
// (totals, rejected rows by reason, every row with its holder), the past
// imports; the same list again changes nothing; staff find an imported
// holder by member number and read that nobody has claimed the record; the
// person signs in with the email and creating their holder account gets
// the record, with their credentials.
func TestBrowser_ImportHolders(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-01-05T10:00:00-05:00"})
	list := func(prefix string) string {
		return accounts.ImportHeader + "\n" +
			prefix + "-1001,Ana,Quillfeather," + strings.ToLower(prefix) + ".ana@example.com,member,CAM 2019-05-01; NALP 6/30/2020\n" +
			prefix + "-1002,Bo,Wrenfield," + strings.ToLower(prefix) + ".bo@example.com,guest,\n" +
			prefix + "-1003,Cy,,cy@example.com,member,XYZ 2019-01-01\n"
	}
	for _, tc := range []struct {
		name, prefix string
		phone        bool
	}{{"Desktop", "D", false}, {"Phone", "P", true}} {
		t.Run(tc.name, func(t *testing.T) {
			office := s.person(t, "staff-"+strings.ToLower(tc.name), tc.phone)
			office.signIn(t, "staff", "office", "office@example.org")
			office.open(t, "#/staff/holders")
			office.click(t, "#to-import")
			if !tc.phone { // the phone comes second, after the desktop's imports
				office.waitText(t, "#no-past-imports", "No list imported yet.")
			}
			if got := string(office.download(t, "#import-template", "holders-import-template.csv")); got != accounts.ImportHeader+"\r\n" {
				t.Fatalf("template %q", got)
			}
			// A check first: nothing is imported.
			office.fill(t, "#import-form [name=listText]", list(tc.prefix))
			office.click(t, "#import-form [name=dryRun]")
			office.click(t, "#import-form button[type=submit]")
			office.waitText(t, "#import-heading", "Check only: nothing was imported")
			office.waitText(t, "#import-outcome", "2 holders would be created, 0 rows were already holders, and 1 row would be rejected")
			office.audit(t)
			noCodesShown(t, office)
			var found []map[string]any
			staff := s.token(t, "office", "staff", "office@example.org")
			s.api(t, "GET", "/directory?q="+tc.prefix+"-1001", staff, nil, 200, &struct{ Entries *[]map[string]any }{&found})
			if len(found) != 0 {
				t.Fatalf("a check only imported %v", found)
			}
			// The import, followed to its report.
			office.fill(t, "#import-form [name=listText]", list(tc.prefix))
			office.click(t, "#import-form button[type=submit]")
			office.waitText(t, "#import-outcome", "2 holders were created, 0 rows were already holders, and 1 row was rejected")
			if got := office.text(t, "#import-total-rows") + "/" + office.text(t, "#import-total-created") + "/" + office.text(t, "#import-total-rejected"); got != "3/2/1" {
				t.Fatalf("totals %s", got)
			}
			office.waitText(t, `#import-by-reason tr[data-reason="required"]`, "A name or the email is missing")
			office.waitText(t, `#import-rows tr[data-row="4"]`, `Rejected: Last Name is required; Credentials: "XYZ" is not a credential of`)
			anaID := eval[string](t, office, "Ana's holder ID", `document.querySelector('#import-rows tr[data-row="2"] a').textContent`)
			// The results as a spreadsheet: the rejected row first.
			results := string(office.download(t, "#download-import-results", "holders-import-"+strings.TrimPrefix(office.text(t, "#import-heading"), "Import ")+".csv"))
			if lines := strings.Split(strings.TrimPrefix(results, "\ufeff"), "\r\n"); len(lines) < 4 || lines[0] != accounts.ImportHeader+",Result,Reason" ||
				!strings.HasPrefix(lines[1], tc.prefix+"-1003,Cy,,cy@example.com,member,XYZ 2019-01-01,Rejected,") {
				t.Fatalf("the results file:\n%s", results)
			}
			office.audit(t)
			noCodesShown(t, office)
			office.waitJS(t, "the past imports", `document.querySelectorAll("#past-imports-table tbody tr").length >= 1`)
			// The same list again changes nothing.
			office.fill(t, "#import-form [name=listText]", list(tc.prefix))
			office.click(t, "#import-form button[type=submit]")
			office.waitText(t, "#import-outcome", "0 holders were created, 2 rows were already holders")
			// Staff find Ana by member number; nobody has claimed her record.
			office.open(t, "#/staff/holders")
			office.fill(t, ".directory-form [name=q]", strings.ToLower(tc.prefix)+"-1001")
			office.click(t, ".directory-form button[type=submit]")
			office.waitText(t, `.directory-results tr[data-holder-id="`+anaID+`"]`, "Quillfeather")
			office.open(t, "#/staff/holders/"+anaID)
			office.waitText(t, "#record-member-number", tc.prefix+"-1001")
			office.waitText(t, "#record-claimed", "Imported, not claimed yet")
			office.audit(t)

			// Ana signs in with the imported email and creates her account.
			email := strings.ToLower(tc.prefix) + ".ana@example.com"
			ana := s.person(t, "holder-"+strings.ToLower(tc.name), tc.phone)
			ana.signIn(t, "holder", "ana-"+tc.prefix, email)
			ana.open(t, "#/holder")
			ana.fill(t, "#signup-form [name=firstName]", "Ana")
			ana.fill(t, "#signup-form [name=lastName]", "Quillfeather")
			ana.click(t, "#signup-form button[type=submit]")
			ana.waitText(t, "#holder-created", "We found the record the association keeps of you")
			if got := ana.text(t, "#holder-id"); got != anaID {
				t.Fatalf("Ana's account is %s, the imported record %s", got, anaID)
			}
			ana.waitText(t, "#credentials", "CAM (since")
			ana.audit(t)
			noCodesShown(t, ana)
			office.open(t, "#/staff/holders/"+anaID)
			office.waitText(t, "#record-claimed", "The holder's own")
		})
	}
}

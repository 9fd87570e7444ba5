package browser

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cecportal/cecportal/internal/localstack"
	"github.com/cecportal/cecportal/internal/roster"
)

// TestBrowser_AttendanceUpload: a provider reports a roster exported from
// a spreadsheet (with an Email column) at desktop width and on a phone
// (issue 14, item 3): the template to start from; the upload's progress
// where the person looks, then its report brought into view with focus;
// the extra column ignored with a notice; the totals and the rejected rows
// by reason; every row reachable a page at a time, the rejected first, and
// the filter; the results as CSV to correct and upload again; and the
// upload listed among the program's past uploads after leaving the page
// and coming back.
func TestBrowser_AttendanceUpload(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-01-05T10:00:00-05:00"})
	provider, staff := s.acme(t)
	holders := map[string]string{}
	for _, name := range [][2]string{{"Ana", "Lima"}, {"Bo", "Berg"}, {"Cy", "Núñez"}} {
		var h struct{ HolderID string }
		s.api(t, "POST", "/holders", s.token(t, "h-"+name[0], "holder", strings.ToLower(name[0])+"@example.com"),
			map[string]any{"firstName": name[0], "lastName": name[1], "email": strings.ToLower(name[0]) + "@example.com"}, 201, &h)
		holders[name[0]] = h.HolderID
	}
	desktopProgram := s.approvedProgram(t, provider, staff, "Fair Housing Update")
	phoneProgram := s.approvedProgram(t, provider, staff, "Leasing Law Update")
	s.setClock(t, "2027-03-12T09:00:00-05:00")

	for _, tc := range []struct {
		name    string
		phone   bool
		program string
	}{
		{"Desktop", false, desktopProgram},
		{"Phone", true, phoneProgram},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acme := s.person(t, "provider-"+strings.ToLower(tc.name), tc.phone)
			acme.signIn(t, "provider", "acme", "desk@acme.example")
			program := tc.program
			attendancePage := "#/provider/programs/" + program + "/attendance"
			acme.open(t, attendancePage)
			acme.waitText(t, "#no-past-uploads", "No uploads yet")

			// The template: the header, exactly.
			if got := string(acme.download(t, "#roster-template", "attendance-roster-template.csv")); got != roster.Header+"\r\n" {
				t.Fatalf("template %q", got)
			}

			// A spreadsheet's export: an Email column after the roster's.
			row := func(holder, first, last, date string) string {
				return fmt.Sprintf("%s,%s,%s,%s,%s,%s@example.com\r\n", program, holder, first, last, date, strings.ToLower(first))
			}
			file := roster.Header + ",Email\r\n" +
				row(holders["Ana"], "Ana", "Lima", "2027-03-10") + // 2: accepted
				row("H-NOSUCHHOLD", "Dee", "Dunn", "2027-03-10") + // 3: no such holder
				row(holders["Bo"], "Bob", "Berg", "2027-03-10") + // 4: another name
				row(holders["Bo"], "Bo", "Berg", "2027-03-10") + // 5: accepted
				row(holders["Ana"], "Ana", "Lima", "2027-03-10") + // 6: twice in the file
				row(holders["Cy"], "Cy", "Nunez", "2027-03-11") + // 7: after the program
				row(holders["Cy"], "Cy", "Nunez", "2027-03-10") // 8: accepted
			path := filepath.Join(t.TempDir(), "roster.csv")
			if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			// Pages of 3 rows: the roster is longer than a page without
			// uploading 1,000 of them. And every state of the report is
			// recorded as it is drawn.
			eval[bool](t, acme, "ask for pages of 3 rows and record the report's states", `(() => {
				const real = window.fetch;
				window.fetch = (url, opts) => real(String(url).replace(/([?&]limit=)500\b/, "$13"), opts);
				window.__states = [];
				const report = document.getElementById("attendance-report");
				new MutationObserver(() => {
					const s = (report.querySelector("#report-heading")?.textContent || "") + " | " + (report.querySelector("#upload-progress-text")?.textContent || "");
					if (window.__states[window.__states.length - 1] !== s) window.__states.push(s);
				}).observe(report, {childList: true, subtree: true, characterData: true});
				return true;
			})()`)
			acme.do(t, "choose the roster file", chromedp.SetUploadFiles(chromedp.CSS("#roster-form [name=roster]"), []string{path}))
			acme.click(t, "#roster-form button[type=submit]")
			acme.waitJS(t, "the upload to be done", `document.querySelector("#upload-status")?.dataset.status === "done" && document.querySelectorAll("#row-results tbody tr").length > 0`)
			uploadID := strings.TrimPrefix(acme.text(t, "#report-heading"), "Upload ")

			// Progress first, where the person looks; then the report, in
			// view and with focus on its heading.
			states := eval[[]string](t, acme, "the report's states", `window.__states`)
			progress := slices.IndexFunc(states, func(s string) bool { return s == "Crediting upload "+uploadID+" | 0 of 7 rows credited" })
			done := slices.Index(states, "Upload "+uploadID+" | ")
			if progress < 0 || done < progress {
				t.Fatalf("the report's states: %q", states)
			}
			if got := eval[string](t, acme, "the focus and where the heading is", `(() => {
				const h = document.getElementById("report-heading"), r = h.getBoundingClientRect();
				return document.activeElement.id + " " + (r.top >= 0 && r.bottom <= window.innerHeight);
			})()`); got != "report-heading true" {
				t.Fatalf("after the upload: focus and in view: %q", got)
			}
			if hash := eval[string](t, acme, "the address", `location.hash`); hash != attendancePage+"/"+uploadID {
				t.Fatalf("the address %q does not name the upload", hash)
			}
			acme.audit(t)
			noCodesShown(t, acme)

			// The Email column was ignored, and the page says so.
			acme.waitText(t, "#ignored-columns", `"Email"`)

			// Totals and the rejected rows by reason, as the API has them.
			var up struct {
				Totals struct {
					Rows, Accepted, Rejected int
					RejectedByReason         map[string]int
				}
				IgnoredColumns []string
			}
			s.api(t, "GET", "/programs/"+program+"/attendance/"+uploadID, provider, nil, 200, &up)
			totals := acme.text(t, "#total-rows") + "/" + acme.text(t, "#total-accepted") + "/" + acme.text(t, "#total-rejected")
			if totals != fmt.Sprintf("%d/%d/%d", up.Totals.Rows, up.Totals.Accepted, up.Totals.Rejected) || totals != "7/3/4" || !slices.Equal(up.IgnoredColumns, []string{"Email"}) {
				t.Fatalf("page totals %s; API %+v", totals, up)
			}
			byReason := eval[string](t, acme, "the reasons", `[...document.querySelectorAll("#rejected-by-reason tbody tr")].map((r) => r.dataset.reason + ":" + r.cells[1].textContent).sort().join(" ")`)
			var api []string
			for k, n := range up.Totals.RejectedByReason {
				api = append(api, k+":"+strconv.Itoa(n))
			}
			slices.Sort(api)
			if byReason != strings.Join(api, " ") || len(api) != 4 {
				t.Fatalf("by reason: page %q, API %q", byReason, api)
			}
			acme.waitText(t, "#rejected-by-reason", "No holder account has the holder ID")

			// Every row, a page of 3 at a time, the rejected first on each.
			shown := func() string {
				return eval[string](t, acme, "the rows shown", `[...document.querySelectorAll("#row-results tbody tr")].map((r) => r.dataset.row + (r.dataset.accepted === "true" ? "" : "!")).join(" ")`)
			}
			var pages []string
			for i := 0; ; i++ {
				pages = append(pages, shown())
				if i == 5 || eval[bool](t, acme, "is there a next page", `document.getElementById("rows-next").hidden`) {
					break
				}
				before := acme.text(t, "#rows-range")
				acme.click(t, "#rows-next")
				acme.waitJS(t, "the next page", fmt.Sprintf(`document.getElementById("rows-range").textContent !== %s`, js(before)))
				if focused := eval[string](t, acme, "the focus", `document.activeElement.id`); focused != "rows-range" {
					t.Fatalf("after Next rows the focus is on %q", focused)
				}
			}
			if got := strings.Join(pages, " / "); got != "3! 4! 2 / 6! 7! 5 / 8" {
				t.Fatalf("pages: %q", got)
			}
			acme.waitText(t, "#rows-range", "Results 7 to 7 of 7")
			acme.click(t, "#rows-prev")
			acme.waitText(t, "#rows-range", "Results 4 to 6 of 7")
			// Dates as people read them, the reason's too.
			if got := acme.text(t, `#row-results tr[data-row="7"]`); !strings.Contains(got, "Thu, Mar 11, 2027") || !strings.Contains(got, "Wed, Mar 10, 2027") || strings.Contains(got, "2027-03") {
				t.Fatalf("row 7 reads %q", got)
			}

			// The filter, on this page.
			acme.click(t, "#row-filter input[value=rejected]")
			if got := shown(); got != "6! 7!" {
				t.Fatalf("rejected only: %q", got)
			}
			acme.audit(t)
			acme.click(t, "#row-filter input[value=accepted]")
			if got := shown(); got != "5" {
				t.Fatalf("accepted only: %q", got)
			}
			acme.click(t, "#row-filter input[value=all]")

			// The results as CSV: what the API gives, rejected rows first,
			// with a byte order mark for Excel.
			got := acme.download(t, "#download-results", "attendance-"+uploadID+".csv")
			want := s.call(t, "GET", "/programs/"+program+"/attendance/"+uploadID, provider, nil, "text/csv", 200)
			if string(got) != "\ufeff"+string(want) {
				t.Fatalf("downloaded\n%q\nthe API's\n%q", got, want)
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(got), "\ufeff"))).ReadAll()
			if err != nil || len(recs) != 8 || strings.Join(recs[0], ",") != roster.Header+",Result,Reason" {
				t.Fatalf("the CSV: %v %q", err, recs)
			}
			var results []string
			for _, r := range recs[1:] {
				results = append(results, r[1]+" "+r[5])
			}
			if want := []string{"H-NOSUCHHOLD Rejected", holders["Bo"] + " Rejected", holders["Ana"] + " Rejected", holders["Cy"] + " Rejected",
				holders["Ana"] + " Accepted", holders["Bo"] + " Accepted", holders["Cy"] + " Accepted"}; !slices.Equal(results, want) {
				t.Fatalf("the CSV's rows: %q, want %q", results, want)
			}

			// Leave, come back: the upload is listed, and its report opens.
			acme.open(t, "#/provider/programs/"+program)
			acme.click(t, "#report-attendance")
			acme.waitRendered(t, "/provider/programs/"+program+"/attendance")
			listed := fmt.Sprintf(`#past-uploads-table tr[data-upload-id=%q]`, uploadID)
			acme.waitJS(t, "the upload among the past ones", fmt.Sprintf(`document.querySelector(%s)?.dataset.status === "done"`, js(listed)))
			if got := eval[string](t, acme, "the listed upload", fmt.Sprintf(`[...document.querySelector(%s).cells].slice(1, 5).map((c) => c.textContent).join(" ")`, js(listed))); got != "7 3 4 Done" {
				t.Fatalf("listed as %q (rows, accepted, rejected, status)", got)
			}
			acme.audit(t)
			acme.click(t, listed+" a")
			acme.waitRendered(t, "/provider/programs/"+program+"/attendance/"+uploadID)
			acme.waitText(t, "#report-heading", "Upload "+uploadID)
			acme.waitJS(t, "the report's rows", `document.querySelectorAll("#row-results tbody tr").length > 0 && document.activeElement.id === "report-heading"`)
			acme.waitText(t, "#ignored-columns", `"Email"`)
			if tc.phone {
				return
			}

			// Rows copied from Excel and pasted arrive separated by tabs:
			// they are read as the roster (checked only: Ana is credited already).
			tsv := strings.ReplaceAll(roster.Header, ",", "\t") + "\tEmail\n" + program + "\t" + holders["Ana"] + "\tAna\tLima\t3/10/2027\tana@example.com\n"
			acme.fill(t, "#roster-form [name=rosterText]", tsv)
			acme.click(t, "#roster-form [name=dryRun]")
			acme.click(t, "#roster-form button[type=submit]")
			acme.waitText(t, "#report-heading", "Check only: nothing was recorded")
			if got := shown(); got != "2!" {
				t.Fatalf("the pasted rows: %q", got)
			}
			acme.waitText(t, `#row-results tr[data-row="2"]`, "already credited")
			// Already credited is nothing to correct (a corrected file uploaded again).
			if got := acme.text(t, "#upload-outcome"); got != "1 row is for attendees already credited for this program: nothing to do for it. Nothing is left to correct." {
				t.Fatalf("the outcome of a file whose rows are all credited already: %q", got)
			}
			// A pasted roster without the header is refused at the pasted
			// roster, in a sentence of its own.
			acme.fill(t, "#roster-form [name=rosterText]", "Name\tEmail\nAna Lima\tana@example.com\n")
			acme.click(t, "#roster-form button[type=submit]")
			acme.waitText(t, "#roster-form .summary", "Row 1: the header must start with exactly")
			if msg := acme.errorOf(t, "#roster-form [name=rosterText]"); !strings.HasPrefix(msg, "Row 1: the header must start with exactly") {
				t.Fatalf("the error at the pasted roster: %q", msg)
			}
			noCodesShown(t, acme)

			// One attendee refused: the form keeps what was typed, with the
			// reason on its field, to correct and send again.
			acme.fillIn(t, "#attendee-form ", "#attendee-holder", "H-NOSUCHHOLD", "#attendee-date", "2027-03-10", "#attendee-first", "Dee", "#attendee-last", "Dunn")
			acme.click(t, "#attendee-form button[type=submit]")
			acme.waitText(t, "#report-heading", "Attendee not credited")
			if msg := acme.errorOf(t, "#attendee-holder"); !strings.HasPrefix(msg, "No holder H-NOSUCHHOLD") {
				t.Fatalf("the error at the holder ID: %q", msg)
			}
			if got := eval[string](t, acme, "the form", `["attendee-holder", "attendee-date", "attendee-first", "attendee-last"].map((id) => document.getElementById(id).value).join(" ")`); got != "H-NOSUCHHOLD 2027-03-10 Dee Dunn" {
				t.Fatalf("the form after the refusal: %q", got)
			}

			// A correction after posting: sent empty, every problem at once;
			// then Bo removed (his credit withdrawn, he is emailed) and added back.
			acme.open(t, attendancePage+"/"+uploadID)
			acme.waitText(t, "#corrections-window", "Found a mistake after crediting?")
			acme.click(t, "#correction-form button[type=submit]")
			acme.waitText(t, "#correction-form .summary", "Choose whether to remove or add the attendee")
			for sel, want := range map[string]string{"#correction-holder": "Enter the holder ID", "#correction-reason": "Enter the reason for the correction"} {
				if msg := acme.errorOf(t, sel); msg != want {
					t.Fatalf("the error at %s: %q", sel, msg)
				}
			}
			correct := func(action, reason string, more ...string) string {
				acme.click(t, "#correction-form input[name=action][value="+action+"]")
				acme.fillIn(t, "#correction-form ", append([]string{"#correction-holder", holders["Bo"], "#correction-reason", reason}, more...)...)
				acme.click(t, "#correction-form button[type=submit]")
				return acme.waitText(t, "#correction-recorded", "Bo Berg ("+holders["Bo"]+")")
			}
			if got := correct("remove", "Bo left before the session began."); !strings.Contains(got, "is removed from this upload: their 3 CECs for this program are withdrawn") {
				t.Fatalf("the removal reads %q", got)
			}
			acme.audit(t)
			if got := correct("add", "He was there after all.", "#correction-first", "Bo", "#correction-last", "Berg", "#correction-date", "2027-03-10"); !strings.Contains(got, "is added: 3 CECs for this program, completed on Wed, Mar 10, 2027") {
				t.Fatalf("the addition reads %q", got)
			}
			acme.waitJS(t, "both corrections listed", `document.querySelectorAll("#corrections-table tbody tr").length === 2`)
			// The report beside its rows says it was corrected since.
			acme.waitText(t, "#upload-corrected", "Corrected since it was posted: 2 corrections")
			var made struct {
				Corrections []struct{ Action, HolderID, Reason string }
			}
			s.api(t, "GET", "/programs/"+program+"/attendance/"+uploadID+"/corrections", provider, nil, 200, &made)
			if len(made.Corrections) != 2 || made.Corrections[0].Action != "remove" || made.Corrections[1].Reason != "He was there after all." {
				t.Fatalf("the API's corrections: %+v", made)
			}
			subjects := s.waitForMail(t, "bo@example.com", "A credit was added to your CEC transcript")
			if !slices.Contains(subjects, "A credit was withdrawn from your CEC transcript") {
				t.Fatalf("Bo's emails: %q", subjects)
			}
			noCodesShown(t, acme)

			// Staff see every correction.
			office := s.person(t, "staff", false)
			office.signIn(t, "staff", "office", "office@example.org")
			office.open(t, "#/staff/corrections")
			office.waitJS(t, "the corrections", `document.querySelectorAll("#all-corrections tbody tr").length === 2`)
			if got := office.text(t, "#all-corrections tbody tr:first-child"); !strings.Contains(got, "Added: 3 CECs credited") || !strings.Contains(got, "The provider") {
				t.Fatalf("the newest correction reads %q", got)
			}
			office.audit(t)
			noCodesShown(t, office)
			// The office opens the upload by its references (a wrong one is
			// said on its field) and corrects it.
			office.fillIn(t, "#open-upload ", "[name=programId]", program, "[name=uploadId]", "UPL-NOSUCH")
			office.click(t, "#open-upload button[type=submit]")
			if msg := office.errorOf(t, "#open-upload [name=uploadId]"); msg != "Program "+program+" has no upload UPL-NOSUCH" {
				t.Fatalf("the error at the upload reference: %q", msg)
			}
			office.fillIn(t, "#open-upload ", "[name=programId]", strings.ToLower(program), "[name=uploadId]", uploadID)
			office.click(t, "#open-upload button[type=submit]")
			office.waitRendered(t, "/staff/uploads/"+program+"/"+uploadID)
			office.waitJS(t, "the upload's corrections", `document.querySelectorAll("#corrections-table tbody tr").length === 2`)
			office.click(t, "#correction-form input[name=action][value=remove]")
			office.fillIn(t, "#correction-form ", "#correction-holder", holders["Bo"], "#correction-reason", "The provider wrote in: Bo was not there.")
			office.click(t, "#correction-form button[type=submit]")
			office.waitText(t, "#correction-recorded", "is removed from this upload")
			office.waitText(t, `#corrections-table tbody tr:last-child`, "(by the association's office)")
			office.audit(t)
		})
	}
}

// approvedProgram applies, pays and has staff approve a program held on
// 10 March 2027 through the API, and returns its ID.
// acme registers the provider Acme Training (signed in as "acme") and
// returns its token and a staff member's.
func (s *suite) acme(t *testing.T) (provider, staff string) {
	t.Helper()
	provider = s.token(t, "acme", "provider", "desk@acme.example")
	s.api(t, "POST", "/providers", provider, map[string]any{"name": "Acme Training", "contactName": "Dee Dunn",
		"email": "desk@acme.example", "phone": "+1 202 555 0142",
		"address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, nil)
	return provider, s.token(t, "office", "staff", "office@example.org")
}

func (s *suite) approvedProgram(t *testing.T, provider, staff, title string) string {
	t.Helper()
	var p struct{ ProgramID string }
	s.api(t, "POST", "/programs", provider, map[string]any{"title": title, "description": "What changed.",
		"format": "in_person", "startsAt": "2027-03-10T09:00:00-06:00", "endsAt": "2027-03-10T12:00:00-06:00", "timeZone": "America/Chicago",
		"location": "Hilton, 720 S Michigan Ave, Chicago", "contactHours": 3, "objectives": []string{"Understand the changes"},
		"instructors": []string{"Dee Dunn"}}, 201, &p)
	s.api(t, "POST", "/programs/"+p.ProgramID+"/submit", provider, nil, 202, nil)
	s.waitForStatus(t, provider, p.ProgramID, "fee_due")
	var co struct{ Reference string }
	s.api(t, "POST", "/programs/"+p.ProgramID+"/checkout", provider, nil, 200, &co)
	s.api(t, "POST", "/dev/payments/"+co.Reference+"/succeed", "", nil, 200, nil)
	s.waitForStatus(t, provider, p.ProgramID, "in_review")
	s.api(t, "POST", "/programs/"+p.ProgramID+"/decision", staff, map[string]any{"decision": "approve"}, 200, nil)
	return p.ProgramID
}

package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_Dashboard: the office's numbers at a glance (issue 19), on a
// phone and at a desk: the programs by status as a chart and as a table
// with the same numbers, the chart hidden from screen readers, and the
// CSV of them; axe-clean at both widths.
func TestBrowser_Dashboard(t *testing.T) {
	s := start(t, localstack.Config{Now: "2026-11-10T10:00:00-05:00"})
	provider, staff := s.acme(t)
	// In November 2026, a holder whose credentials are recorded after the
	// issue date: her 2027 invoice comes at once, unpaid.
	ana := s.token(t, "ana", "holder", "ana@example.com")
	var hd struct{ HolderID string }
	s.api(t, "POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &hd)
	s.api(t, "PUT", "/holders/"+hd.HolderID+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	for deadline := time.Now().Add(15 * time.Second); s.status(t, "/holders/me/renewals/2027", ana) != 200; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no 2027 invoice 15 s after the credentials")
		}
	}
	s.setClock(t, "2027-01-20T10:00:00-05:00")
	fair := s.approvedProgram(t, provider, staff, "Fair Housing")
	s.approvedProgram(t, provider, staff, "Leasing Law")
	for _, title := range []string{"Ethics", "Maintenance"} {
		s.api(t, "POST", "/programs", provider, map[string]any{"title": title}, 201, nil)
	}
	var want struct {
		ProgramsByStatus []struct {
			Key   string
			Value int
		}
	}
	// In March, after the program, Ana's attendance is reported: a member,
	// she is credited at once, 3 CECs in March 2027.
	s.setClock(t, "2027-03-12T10:00:00-05:00")
	s.api(t, "POST", "/programs/"+fair+"/attendance", provider, map[string]any{"rows": []any{map[string]any{"programId": fair,
		"holderId": hd.HolderID, "firstName": "Ana", "lastName": "Lima", "completionDate": "2027-03-10"}}}, 202, nil)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var f struct {
			Credited []struct {
				Month   string
				Credits int
				CECs    float64
			}
		}
		s.api(t, "GET", "/dashboard", staff, nil, 200, &f)
		if n := len(f.Credited); n == 12 && f.Credited[n-1].Month == "2027-03" && f.Credited[n-1].Credits == 1 && f.Credited[n-1].CECs == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ana's credit is not counted 15 s after the roster: %+v", f.Credited)
		}
	}
	s.api(t, "GET", "/dashboard", staff, nil, 200, &want)
	if len(want.ProgramsByStatus) != 2 || want.ProgramsByStatus[0].Key != "draft" || want.ProgramsByStatus[0].Value != 2 ||
		want.ProgramsByStatus[1].Key != "approved" || want.ProgramsByStatus[1].Value != 2 {
		t.Fatalf("the API's figures: %+v", want)
	}
	for _, phone := range []bool{true, false} {
		o := s.person(t, "office", phone)
		o.signIn(t, "staff", "office", "office@example.org")
		o.open(t, "#/staff/dashboard")
		o.waitText(t, "#dash-programs", "4 programs in all.")
		o.waitText(t, "#dash-season-summary", "1 invoiced, 0 paid, 1 outstanding.")
		// Ana's 2027 CECs: none yet, short.
		o.waitText(t, "#dash-compliance-summary", "Of 1 invoiced holder, 0 have the CECs the renewal needs and 1 is short.")
		o.waitText(t, `#dash-compliance-table tr[data-rule="total"]`, "The CECs required")
		if got := o.text(t, "#dash-programs-table tbody"); !strings.Contains(got, "Draft") || !strings.Contains(got, "Approved") {
			t.Fatalf("the table: %q", got)
		}
		// One provider, Acme, with all four: two approved, two drafts.
		o.waitText(t, "#dash-providers-table tbody", "Acme Training")
		if got := eval[string](t, o, "read the providers' row", `[...document.querySelectorAll("#dash-providers-table tbody td")].map((td) => td.textContent).join("|")`); got != "Acme Training|2|0|2|4" {
			t.Fatalf("the providers' table: %q", got)
		}
		if n := eval[int](t, o, "count the bars", `document.querySelectorAll("#dash-programs svg.chart rect").length`); n != 2 {
			t.Fatalf("%d bars, want 2", n)
		}
		if hidden := eval[string](t, o, "read the chart's aria-hidden", `document.querySelector("#dash-programs svg.chart").getAttribute("aria-hidden")`); hidden != "true" {
			t.Fatalf("the chart is not hidden from screen readers (the table says the same): %q", hidden)
		}
		// The two application fees of $150 paid in January 2027, of the
		// twelve months to March.
		o.waitText(t, `#dash-revenue-table tr[data-month="2027-01"]`, "$300.00")
		o.waitText(t, `#dash-credited-table tr[data-month="2027-03"]`, "3")
		if n := eval[int](t, o, "count the credited months", `document.querySelectorAll("#dash-credited-table tbody tr").length`); n != 12 {
			t.Fatalf("%d months of credits, want twelve", n)
		}
		if n := eval[int](t, o, "count the months", `document.querySelectorAll("#dash-revenue-table tbody tr").length`); n != 12 {
			t.Fatalf("%d months, want twelve", n)
		}
		o.review(t)
		if !phone {
			csv := string(o.download(t, "#dash-programs-csv", "programs-by-status.csv"))
			if csv != "\ufeffStatus,Programs\r\nDraft,2\r\nApproved,2\r\n" {
				t.Fatalf("the CSV: %q", csv)
			}
			byProvider := string(o.download(t, "#dash-providers-csv", "programs-by-provider.csv"))
			if !strings.Contains(byProvider, ",Acme Training,2,0,0,0,0,0,2,0,4\r\n") {
				t.Fatalf("the providers' CSV: %q", byProvider)
			}
			fees := string(o.download(t, "#dash-revenue-csv", "fees-by-month.csv"))
			if !strings.Contains(fees, "\r\n2027-01,USD,300.00,0.00,0.00\r\n") || !strings.HasPrefix(fees, "\ufeffMonth,Currency,Application fees,Filing fees,Renewals\r\n2026-04,") {
				t.Fatalf("the fees' CSV: %q", fees)
			}
			credited := string(o.download(t, "#dash-credited-csv", "cecs-credited-by-month.csv"))
			if !strings.HasPrefix(credited, "\ufeffMonth,Credits,CECs\r\n2026-04,0,0\r\n") || !strings.HasSuffix(credited, "\r\n2027-02,0,0\r\n2027-03,1,3\r\n") {
				t.Fatalf("the credits' CSV: %q", credited)
			}
		}
	}
}

package submissions_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/files/diskfiles"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/transcript"
)

// world is the service on a real embedded table, at 12 March 2027 (the
// coming renewal is 2028, for CECs earned in 2027), with holders:
//
//	ana  CAM (6 a year): 3 compliance CECs credited by attendance in 2027
//	bo   CAM: nothing credited
//	cy   no credential
type world struct {
	svc     *submissions.Service
	tr      *transcript.Service
	tbl     table.Table
	relay   *testkit.Relay    // the service's outbound port
	holders map[string]string // name → holder ID
	pol     *policy.Policy
	clock   clock.Clock
}

var staff = identity.Caller{Sub: "sub-staff", Roles: []string{identity.RoleStaff}}

func holder(name string) identity.Caller {
	return identity.Caller{Sub: "sub-" + name, Roles: []string{identity.RoleHolder}}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pol := testkit.Policy(t)
	tbl := testkit.TempTable(t, testkit.NoSync) // expiry on the wall clock, as before
	clk := testkit.SettableAt(time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC))
	newID := testkit.IDs()
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, newID, testkit.NoDispatch{})
	ctx := t.Context()
	w := &world{tbl: tbl, relay: &testkit.Relay{}, holders: map[string]string{}, pol: pol, clock: clk}
	kit := testkit.Accounts{Service: acc, Staff: staff}
	for _, h := range []struct {
		name  string
		codes []string
	}{{"ana", []string{"CAM"}}, {"bo", []string{"CAM"}}, {"cy", nil}} {
		w.holders[h.name] = kit.Holder(t, holder(h.name), accounts.NewHolder{FirstName: h.name, LastName: "Lima", Email: h.name + "@example.com"},
			testkit.Credentials("2020-01-01", h.codes...)).ID
	}
	if refused, err := store.NewAttendance(tbl).Credit(ctx, []attendance.Credit{{ProgramID: "PRG-1", HolderID: w.holders["ana"],
		Completed: roster.Date{Year: 2027, Month: 2, Day: 1}, Title: "Fair Housing", ProviderName: "Acme", Hours: cec.Of(3),
		Compliance: true, UploadID: "UPL-1", Line: 2, ProviderID: "PRV-1", Credited: clk.Now()}}); err != nil || len(refused) > 0 {
		t.Fatalf("credit: %v %v", refused, err)
	}
	w.svc = submissions.NewService(store.NewSubmissions(tbl), acc, pol, clk, newID, w.relay)
	w.tr = transcript.NewService(store.NewTranscript(tbl), acc, pol, clk)
	return w
}

func course(kind string, hours int64, compliance bool) credits.Activity {
	doc := "certificate_of_completion"
	if strings.Contains(kind, "board") || strings.Contains(kind, "instruction") {
		doc = "appointment_letter"
	}
	return credits.Activity{Kind: kind, Title: "Course " + kind, Organisation: "Chapter", Date: time.Date(2027, 2, 3, 0, 0, 0, 0, time.UTC),
		Hours: cec.Of(hours), Compliance: compliance, DocumentationType: doc, DocumentationRef: "cert-1"}
}

func code(err error) string {
	var f *fault.Error
	if errors.As(err, &f) {
		return f.Code
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

func (w *world) pending(t *testing.T) []outbox.Message {
	t.Helper()
	p, err := store.NewOutbox(w.tbl).Pending(t.Context(), time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's messages aside: the welcome emails, and the renewals
	// messages of the credentials staff recorded.
	var out []outbox.Message
	for _, m := range p {
		if !strings.Contains(m.Body, "welcome_holder") && m.Queue != accounts.RenewalsQueue {
			out = append(out, m)
		}
	}
	return out
}

func TestService_Submit(t *testing.T) {
	t.Run("RefusedAsAWhole", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		_, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028, Activities: []credits.Activity{
			course("college_course", 2, false), course("corporate_in_house_training", 4, false)}})
		var f *fault.Error
		if !errors.As(err, &f) || f.Kind != fault.Unprocessable || f.Code != "requirement_not_met" {
			t.Fatalf("got %v, want 422 requirement_not_met", err)
		}
		var got []string
		for _, d := range f.Details {
			got = append(got, d.Field+"/"+d.Code)
		}
		// 3 credited + min(2, 3) other = 5 of 6.
		if want := "total/shortfall activities[1]/kind_not_accepted"; strings.Join(got, " ") != want {
			t.Fatalf("details %q, want %q", got, want)
		}
		if !strings.Contains(f.Details[0].Message, "1 CEC missing") {
			t.Fatalf("shortfall message %q", f.Details[0].Message)
		}
		rec, err := store.NewSubmissions(w.tbl).Record(ctx, w.holders["ana"])
		if err != nil || len(rec.Submissions) != 0 {
			t.Fatalf("something was recorded: %+v %v", rec.Submissions, err)
		}
		if p := w.pending(t); len(p) != 0 {
			t.Fatalf("outbox: %+v", p)
		}
	})
	t.Run("ShortfallPerRule", func(t *testing.T) {
		w := newWorld(t)
		// bo has nothing: 6 other CECs without compliance count only 3.
		_, err := w.svc.Submit(t.Context(), holder("bo"), submissions.NewSubmission{RenewalYear: 2028,
			Activities: []credits.Activity{course("college_course", 6, false)}})
		var f *fault.Error
		if !errors.As(err, &f) || f.Code != "requirement_not_met" {
			t.Fatalf("got %v", err)
		}
		var rules []string
		for _, d := range f.Details {
			rules = append(rules, d.Field)
		}
		if got := strings.Join(rules, ","); got != "total,association_minimum,compliance_minimum" {
			t.Fatalf("rules %s", got)
		}
		// The figures, for clients that compute rather than read (issue 13).
		for i, want := range []map[string]cec.Hours{
			{"missing": cec.Of(3), "counted": cec.Of(3), "required": cec.Of(6)},
			{"missing": cec.Of(3), "counted": 0, "required": cec.Of(3)},
			{"missing": cec.Of(1), "counted": 0, "required": cec.Of(1)},
		} {
			if got := f.Details[i].Figures; !maps.Equal(got, want) {
				t.Errorf("%s figures %v, want %v", f.Details[i].Field, got, want)
			}
		}
	})
	t.Run("Accepted", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		sub, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028, Activities: []credits.Activity{
			course("association_course", 2, false), course("college_course", 1, false)}})
		if err != nil {
			t.Fatal(err)
		}
		if sub.Status != submissions.Received || len(sub.Items) != 2 || sub.Items[0].Verdict.Status != credits.Counted ||
			sub.Items[1].Activity.ID != sub.ID+"-2" || sub.HolderEmail != "ana@example.com" {
			t.Fatalf("submission %+v", sub)
		}
		msgs := w.relay.Take()
		if len(msgs) != 1 || msgs[0].Queue != submissions.Queue || !strings.Contains(msgs[0].Body, sub.ID) {
			t.Fatalf("messages %+v", msgs)
		}
		if p := w.pending(t); len(p) != 1 || p[0].ID != msgs[0].ID {
			t.Fatalf("outbox %+v", p)
		}
		got, err := w.svc.Get(ctx, holder("ana"), sub.ID)
		if err != nil || got.ID != sub.ID || got.Items[1].Activity.Kind != "college_course" {
			t.Fatalf("get: %+v %v", got, err)
		}
		// Pending activities do not count yet.
		st, err := w.tr.Status(ctx, holder("ana"), 2028)
		if err != nil || st.Year.Counted != cec.Of(3) || st.Year.Met {
			t.Fatalf("status before approval: %+v %v", st.Year, err)
		}
		t.Run("OneOpenPerYear", func(t *testing.T) {
			_, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
				Activities: []credits.Activity{course("association_course", 3, false)}})
			if code(err) != "submission_open" {
				t.Fatalf("got %v", err)
			}
		})
	})
	t.Run("Errors", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		ok := []credits.Activity{course("association_course", 6, true)}
		for _, tc := range []struct {
			name   string
			caller identity.Caller
			in     submissions.NewSubmission
			want   string
		}{
			{"Anonymous", identity.Caller{}, submissions.NewSubmission{RenewalYear: 2028, Activities: ok}, "unauthenticated"},
			{"NoCredentials", holder("cy"), submissions.NewSubmission{RenewalYear: 2028, Activities: ok}, "no_credentials"},
			{"NoHolder", holder("zed"), submissions.NewSubmission{RenewalYear: 2028, Activities: ok}, "holder_not_found"},
			{"NoActivities", holder("bo"), submissions.NewSubmission{RenewalYear: 2028}, "invalid_request"},
			{"TooMany", holder("bo"), submissions.NewSubmission{RenewalYear: 2028, Activities: make([]credits.Activity, 51)}, "invalid_request"},
			{"Year", holder("bo"), submissions.NewSubmission{RenewalYear: 1999, Activities: ok}, "invalid_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := w.svc.Submit(ctx, tc.caller, tc.in); code(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
			})
		}
	})
	// Issue 13, classes 6 and 7: one rule for the text of every field, no
	// activity dated after today (the clock, in the association's time
	// zone), and no activity claiming more than the policy's bound.
	t.Run("Fields", func(t *testing.T) {
		w := newWorld(t)
		today := w.clock.Now().In(w.pol.Association.Location())
		with := func(change func(a *credits.Activity)) []credits.Activity {
			a := course("association_course", 6, true)
			change(&a)
			return []credits.Activity{a}
		}
		for _, tc := range []struct {
			name  string
			acts  []credits.Activity
			field string // "" accepted
			code  string
		}{
			{"Today", with(func(a *credits.Activity) {
				a.Date = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
			}), "", ""},
			{"Tomorrow", with(func(a *credits.Activity) {
				a.Date = time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, time.UTC)
			}), "activities[0].date", "future_date"},
			{"AtTheBound", with(func(a *credits.Activity) { a.Hours = w.pol.Renewal.MaxActivityCECs }), "", ""},
			{"AbsurdHours", with(func(a *credits.Activity) { a.Hours = cec.Of(100_000) }), "activities[0].hours", "out_of_range"},
			{"BELInTitle", with(func(a *credits.Activity) { a.Title = "Leasing\a" }), "activities[0].title", "control_characters"},
			{"EscapeInOrganisation", with(func(a *credits.Activity) { a.Organisation = "\x1b[2JChapter" }), "activities[0].organisation", "control_characters"},
			{"NewlineInReference", with(func(a *credits.Activity) { a.DocumentationRef = "cert\n1" }), "activities[0].documentation.reference", "control_characters"},
			{"OverrideInVendor", with(func(a *credits.Activity) { a.Vendor = "Acme\u202e" }), "activities[0].vendor", "control_characters"},
			{"LongTitle", with(func(a *credits.Activity) { a.Title = strings.Repeat("x", 501) }), "activities[0].title", "too_long"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := w.svc.Submit(t.Context(), holder("bo"), submissions.NewSubmission{RenewalYear: 2028, Activities: tc.acts})
				if tc.field == "" {
					if code(err) == "invalid_request" {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				f, ok := fault.As(err)
				if !ok || f.Code != "invalid_request" || len(f.Details) != 1 || f.Details[0].Field != tc.field || f.Details[0].Code != tc.code {
					t.Fatalf("got %+v, want one detail %s/%s", err, tc.field, tc.code)
				}
			})
		}
		if p := w.pending(t); len(p) != 1 { // the one dated today
			t.Fatalf("queued %+v, want only the accepted submission's step", p)
		}
	})
}

func TestService_Review(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	sub, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
		Activities: []credits.Activity{course("association_course", 3, false)}})
	if err != nil {
		t.Fatal(err)
	}
	body := w.relay.Take()[0].Body
	for range 2 {
		if err := w.svc.Review(ctx, body); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.svc.Get(ctx, staff, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != submissions.InReview || len(got.History) != 2 || got.Audit != submissions.Audited(sub.ID, 10) {
		t.Fatalf("after review: %+v", got)
	}
	mails := w.relay.Take()
	if len(mails) != 1 || mails[0].Queue != notify.Queue || !strings.Contains(mails[0].Body, "submission_received") ||
		!strings.Contains(mails[0].Body, "ana@example.com") {
		t.Fatalf("mails %+v", mails)
	}
	if err := w.svc.Review(ctx, `{"submissionId":"SUB-none"}`); err != nil {
		t.Fatalf("missing submission: %v", err)
	}
	if err := w.svc.Review(ctx, `nonsense`); err == nil {
		t.Fatal("malformed message accepted")
	}
	q, _, err := w.svc.ReviewQueue(ctx, staff, "", submissions.Page{})
	if err != nil || len(q) != 1 || q[0].ID != sub.ID {
		t.Fatalf("queue %+v %v", q, err)
	}
	if _, _, err := w.svc.ReviewQueue(ctx, holder("ana"), "", submissions.Page{}); code(err) != "forbidden" {
		t.Fatalf("holder read the queue: %v", err)
	}
	if _, _, err := w.svc.ReviewQueue(ctx, staff, "bogus", submissions.Page{}); code(err) != "invalid_request" {
		t.Fatalf("bogus status: %v", err)
	}
}

func TestAudited(t *testing.T) {
	t.Run("Reproducible", func(t *testing.T) {
		for _, id := range []string{"SUB-A", "SUB-0000000001", ids.New("SUB")} {
			first := submissions.Audited(id, 10)
			for range 5 {
				if submissions.Audited(id, 10) != first {
					t.Fatalf("%s: flag changed", id)
				}
			}
		}
	})
	t.Run("Share", func(t *testing.T) {
		const n = 2000
		audited := 0
		for range n {
			if submissions.Audited(ids.New("SUB"), 10) {
				audited++
			}
		}
		if share := float64(audited) * 100 / n; share < 8 || share > 12 {
			t.Fatalf("audited %.1f%%, want 10 ± 2", share)
		}
	})
	t.Run("Bounds", func(t *testing.T) {
		if submissions.Audited("x", 0) || !submissions.Audited("x", 100) {
			t.Fatal("0% must audit none and 100% all")
		}
	})
}

func TestService_Decide(t *testing.T) {
	submit := func(t *testing.T, w *world, acts ...credits.Activity) submissions.Submission {
		t.Helper()
		sub, err := w.svc.Submit(t.Context(), holder("ana"), submissions.NewSubmission{RenewalYear: 2028, Activities: acts})
		if err != nil {
			t.Fatal(err)
		}
		return sub
	}
	review := func(t *testing.T, w *world) {
		t.Helper()
		for _, m := range w.relay.Take() {
			if m.Queue == submissions.Queue {
				if err := w.svc.Review(t.Context(), m.Body); err != nil {
					t.Fatal(err)
				}
			}
		}
		w.relay.Take()
	}
	t.Run("Approve", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		sub := submit(t, w, course("association_course", 2, false), course("college_course", 1, false))
		if _, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{Approve: true}); code(err) != "illegal_transition" {
			t.Fatalf("deciding a received submission: %v", err)
		}
		review(t, w)
		got, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{Approve: true, Reason: "documented"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != submissions.Approved || got.Result == nil || !got.Result.Met || got.Result.Counted != cec.Of(6) ||
			got.Items[0].Decision != submissions.ActivityApprove || got.Items[1].Decision != submissions.ActivityApprove {
			t.Fatalf("approved: %+v %+v", got, got.Result)
		}
		// The decision's mail, and the holder's renewal judged again (the
		// office's compliance counts), in the decision's write.
		msgs := w.relay.Take()
		if len(msgs) != 2 || !strings.Contains(msgs[0].Body, "submission_decision") ||
			msgs[1].Queue != accounts.RenewalsQueue || msgs[1].Body != `{"rejudge":["`+sub.HolderID+`"]}` {
			t.Fatalf("messages %+v", msgs)
		}
		st, err := w.tr.Status(ctx, holder("ana"), 2028)
		if err != nil || !st.Year.Met || st.Year.Counted != cec.Of(6) || len(st.Entries) != 3 {
			t.Fatalf("status after approval: %+v %v", st.Year, err)
		}
		if e := st.Entries[2]; e.Activity.Source != credits.SelfReported || e.Activity.DocumentationType != "certificate_of_completion" {
			t.Fatalf("self-reported entry %+v", e)
		}
		if _, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{Approve: false, Reason: "no"}); code(err) != "illegal_transition" {
			t.Fatalf("decided twice: %v", err)
		}
		// Decided, the year is open for a new submission.
		if _, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
			Activities: []credits.Activity{course("association_course", 1, false)}}); err != nil {
			t.Fatalf("submit after decision: %v", err)
		}
	})
	t.Run("RejectSingleActivity", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		sub := submit(t, w, course("association_course", 2, false), course("college_course", 1, false))
		review(t, w)
		got, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{Approve: true,
			Rejections: []submissions.ActivityRejection{{Index: 1, Reason: "certificate unreadable"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != submissions.Approved || got.Items[1].Decision != submissions.ActivityReject ||
			got.Items[1].DecisionReason != "certificate unreadable" || got.Result.Met || got.Result.Outstanding != cec.Of(1) {
			t.Fatalf("partly approved: %+v %+v", got.Items, got.Result)
		}
		st, err := w.tr.Status(ctx, holder("ana"), 2028)
		if err != nil || st.Year.Counted != cec.Of(5) || st.Year.Met {
			t.Fatalf("status: %+v %v", st.Year, err)
		}
	})
	t.Run("RejectAll", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		sub := submit(t, w, course("association_course", 3, false))
		review(t, w)
		if _, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{}); code(err) != "invalid_request" {
			t.Fatalf("reject without reason: %v", err)
		}
		got, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{Reason: "no documentation"})
		if err != nil || got.Status != submissions.Rejected || got.Items[0].Decision != submissions.ActivityReject || got.Result.Met {
			t.Fatalf("rejected: %+v %v", got, err)
		}
		st, _ := w.tr.Status(ctx, holder("ana"), 2028)
		if st.Year.Counted != cec.Of(3) {
			t.Fatalf("rejected activities counted: %s", st.Year.Counted)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		sub := submit(t, w, course("association_course", 3, false))
		review(t, w)
		for _, tc := range []struct {
			name   string
			caller identity.Caller
			id     string
			d      submissions.Decision
			want   string
		}{
			{"Holder", holder("ana"), sub.ID, submissions.Decision{Approve: true}, "forbidden"},
			{"Anonymous", identity.Caller{}, sub.ID, submissions.Decision{Approve: true}, "unauthenticated"},
			{"Missing", staff, "SUB-none", submissions.Decision{Approve: true}, "submission_not_found"},
			{"BadIndex", staff, sub.ID, submissions.Decision{Approve: true, Rejections: []submissions.ActivityRejection{{Index: 3, Reason: "x"}}}, "invalid_request"},
			{"NoActivityReason", staff, sub.ID, submissions.Decision{Approve: true, Rejections: []submissions.ActivityRejection{{Index: 0}}}, "invalid_request"},
			{"AllRejected", staff, sub.ID, submissions.Decision{Approve: true, Rejections: []submissions.ActivityRejection{{Index: 0, Reason: "x"}}}, "invalid_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := w.svc.Decide(ctx, tc.caller, tc.id, tc.d); code(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
			})
		}
	})
}

func TestService_Isolation(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	sub, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
		Activities: []credits.Activity{course("association_course", 3, false)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []identity.Caller{holder("bo"), holder("zed")} {
		if _, err := w.svc.Get(ctx, c, sub.ID); code(err) != "submission_not_found" {
			t.Fatalf("%s read ana's submission: %v", c.Sub, err)
		}
	}
	// bo may submit for the same year: the lock is per holder.
	if _, err := w.svc.Submit(ctx, holder("bo"), submissions.NewSubmission{RenewalYear: 2028,
		Activities: []credits.Activity{course("association_course", 6, true)}}); err != nil {
		t.Fatalf("bo: %v", err)
	}
	st, err := w.tr.Status(ctx, holder("bo"), 2028)
	if err != nil || st.Year.Counted != 0 {
		t.Fatalf("bo's status: %+v %v", st.Year, err)
	}
}

// TestService_OfHolder: staff list any holder's submissions, as the holder
// lists their own; a holder without any gets an empty list, an unknown ID
// holder_not_found; nobody but staff may.
func TestService_OfHolder(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	sub, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
		Activities: []credits.Activity{course("association_course", 3, false)}})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(subs []submissions.Submission) []string {
		var out []string
		for _, s := range subs {
			out = append(out, s.HolderID+"/"+s.ID)
		}
		return out
	}
	for _, name := range []string{"ana", "bo"} {
		t.Run(name, func(t *testing.T) {
			mine, _, err := w.svc.Mine(ctx, holder(name), submissions.Page{})
			if err != nil {
				t.Fatal(err)
			}
			got, next, err := w.svc.OfHolder(ctx, staff, w.holders[name], submissions.Page{})
			if err != nil || next != "" || !slices.Equal(ids(got), ids(mine)) {
				t.Fatalf("staff read %v (next %q, %v); the holder reads %v", ids(got), next, err, ids(mine))
			}
		})
	}
	if got, _, _ := w.svc.OfHolder(ctx, staff, w.holders["ana"], submissions.Page{}); len(got) != 1 || got[0].ID != sub.ID {
		t.Fatalf("ana's submissions: %v", ids(got))
	}
	for _, tt := range []struct {
		name   string
		caller identity.Caller
		id     string
		want   string
	}{
		{"ErrAnonymous", identity.Caller{}, w.holders["ana"], "unauthenticated"},
		{"ErrHolder", holder("ana"), w.holders["ana"], "forbidden"},
		{"ErrNoSuchHolder", staff, "H-0000000000", "holder_not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := w.svc.OfHolder(ctx, tt.caller, tt.id, submissions.Page{}); code(err) != tt.want {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

// A submission attaches the holder's checked documents that no submission
// names yet, each once, at most the policy's number per activity; any
// other is a problem on the activity's documents, and nothing is written.
func TestService_SubmitAttachments(t *testing.T) {
	docStore := func(w *world) *store.Documents { return store.NewDocuments(w.tbl) }
	seed := func(t *testing.T, w *world) map[string]documents.Document {
		t.Helper()
		now := w.clock.Now().UTC()
		out := map[string]documents.Document{}
		for _, d := range []struct {
			name, holder string
			status       documents.Status
			submission   string
		}{
			{"ready", "ana", documents.Ready, ""}, {"ready2", "ana", documents.Ready, ""}, {"awaiting", "ana", documents.AwaitingUpload, ""},
			{"attached", "ana", documents.Ready, "SUB-OLD"}, {"bos", "bo", documents.Ready, ""},
			{"r3", "ana", documents.Ready, ""}, {"r4", "ana", documents.Ready, ""}, {"r5", "ana", documents.Ready, ""}, {"r6", "ana", documents.Ready, ""},
		} {
			doc := documents.Document{ID: "DOC-" + strings.ToUpper(d.name), HolderID: w.holders[d.holder], Name: d.name + ".pdf",
				ContentType: "application/pdf", Size: 1234, Status: d.status, SubmissionID: d.submission, CreatedAt: now,
				KeepUntil: now.AddDate(3, 0, 0), Version: 1}
			if err := docStore(w).Create(t.Context(), doc); err != nil {
				t.Fatal(err)
			}
			out[d.name] = doc
		}
		return out
	}
	submit := func(w *world, attach ...[]string) (submissions.Submission, error) {
		return w.svc.Submit(t.Context(), holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
			Activities: []credits.Activity{course("association_course", 3, false), course("association_course", 1, false)}, Attachments: attach})
	}
	for _, c := range []struct {
		name   string
		attach [][]string // by the seeded documents' names
		want   string     // "" or the detail code on activities[i].documents
	}{
		{"Ready", [][]string{{"ready"}, {"ready2"}}, ""},
		{"OnTheSecondOnly", [][]string{nil, {"ready"}}, ""},
		{"Unknown", [][]string{{"nope"}}, "document_not_found"},
		{"AnotherHolders", [][]string{{"bos"}}, "document_not_found"},
		{"NotChecked", [][]string{{"awaiting"}}, "document_not_ready"},
		{"AttachedElsewhere", [][]string{{"attached"}}, "document_attached"},
		{"Twice", [][]string{{"ready"}, {"ready"}}, "document_attached"},
		{"TooMany", [][]string{{"ready", "ready2", "r3", "r4", "r5", "r6"}}, "count"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			docs := seed(t, w)
			ids := make([][]string, len(c.attach))
			for i, names := range c.attach {
				for _, n := range names {
					id := "DOC-" + strings.ToUpper(n)
					ids[i] = append(ids[i], id)
				}
			}
			sub, err := submit(w, ids...)
			if c.want != "" {
				var f *fault.Error
				if !errors.As(err, &f) || f.Code != "invalid_request" || len(f.Details) != 1 || !strings.HasSuffix(f.Details[0].Field, ".documents") || f.Details[0].Code != c.want {
					t.Fatalf("got %v %+v, want a %s problem on an activity's documents", err, f, c.want)
				}
				if len(w.pending(t)) != 0 {
					t.Fatal("a refused submission queued a message")
				}
				for _, d := range docs {
					if got, _ := docStore(w).Get(t.Context(), d.HolderID, d.ID); got.SubmissionID != d.SubmissionID || got.Version != 1 {
						t.Fatalf("a refused submission changed %s: %+v", d.ID, got)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, names := range c.attach {
				var got []string
				for _, r := range sub.Items[i].Documents {
					got = append(got, r.Name)
				}
				var want []string
				for _, n := range names {
					want = append(want, n+".pdf")
				}
				if !slices.Equal(got, want) {
					t.Errorf("activity %d documents %v, want %v", i, got, want)
				}
				for _, n := range names {
					d, err := docStore(w).Get(t.Context(), docs[n].HolderID, docs[n].ID)
					if err != nil || d.SubmissionID != sub.ID || d.Version != 2 {
						t.Errorf("%s after the submission: %+v, %v", n, d, err)
					}
				}
			}
			stored, err := w.svc.Get(t.Context(), holder("ana"), sub.ID)
			if err != nil || !slices.EqualFunc(stored.Items, sub.Items, func(a, b submissions.Item) bool { return slices.Equal(a.Documents, b.Documents) }) {
				t.Fatalf("stored documents differ: %+v, %v", stored.Items, err)
			}
		})
	}
}

// The documentation audit as a process: a submission picked for it asks
// its holder for the files its activities lack, by the policy's days;
// the holder sends them (and only theirs, checked, once each) while staff
// have not decided; the request is provided once every activity has its
// files, and the history says so. The due marker lives exactly while the
// request waits.
func TestService_Audit(t *testing.T) {
	ctx := t.Context()
	setup := func(t *testing.T, rate int) (*world, func(name string) string) {
		t.Helper()
		w := newWorld(t)
		w.pol.Renewal.AuditRatePercent = rate
		now := w.clock.Now().UTC()
		for _, n := range []string{"D1", "D2", "D3", "D4"} {
			if err := store.NewDocuments(w.tbl).Create(ctx, documents.Document{ID: "DOC-" + n, HolderID: w.holders["ana"], Name: n + ".pdf",
				ContentType: "application/pdf", Size: 10, Status: documents.Ready, CreatedAt: now, KeepUntil: now.AddDate(3, 0, 0), Version: 1}); err != nil {
				t.Fatal(err)
			}
		}
		return w, func(name string) string { return "DOC-" + name }
	}
	review := func(t *testing.T, w *world, attach ...[]string) submissions.Submission {
		t.Helper()
		sub, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
			Activities: []credits.Activity{course("association_course", 2, false), course("college_course", 1, false)}, Attachments: attach})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range w.relay.TakeBodies(submissions.Queue) {
			if err := w.svc.Review(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		got, err := w.svc.Get(ctx, staff, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	dueOn := func(t *testing.T, w *world, date string) []string {
		t.Helper()
		dues, _, err := store.NewReminders(w.tbl).DueAudits(ctx, date, reminders.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range dues {
			ids = append(ids, d.SubmissionID)
		}
		return ids
	}

	t.Run("AsksForTheMissingFiles", func(t *testing.T) {
		w, doc := setup(t, 100)
		sub := review(t, w, []string{doc("D1")})
		a := sub.AuditRequest
		if !sub.Audit || a == nil || a.State != submissions.AuditRequested || a.Due.Format(time.DateOnly) != "2027-04-11" {
			t.Fatalf("the audit's request: %+v", a)
		}
		mails := w.relay.TakeBodies(notify.Queue)
		if len(mails) != 1 || !strings.Contains(mails[0], `"auditDue":"2027-04-11"`) ||
			!strings.Contains(mails[0], "activity 2, Course college_course: certificate of completion") || strings.Contains(mails[0], "activity 1,") {
			t.Fatalf("the received email asks for %v", mails)
		}
		if got := dueOn(t, w, "2027-04-11"); !slices.Equal(got, []string{sub.ID}) {
			t.Fatalf("due audits on its last day: %v", got)
		}
		for _, c := range []struct {
			name  string
			who   string
			files []submissions.ActivityFiles
			want  string
		}{
			{"Nothing", "ana", nil, "invalid_request"},
			{"AnotherHolder", "bo", []submissions.ActivityFiles{{Index: 1, Documents: []string{doc("D2")}}}, "submission_not_found"},
			{"AttachedAlready", "ana", []submissions.ActivityFiles{{Index: 1, Documents: []string{doc("D1")}}}, "invalid_request"},
			{"NoSuchActivity", "ana", []submissions.ActivityFiles{{Index: 5, Documents: []string{doc("D2")}}}, "invalid_request"},
			{"NotTheirs", "ana", []submissions.ActivityFiles{{Index: 1, Documents: []string{"DOC-NONE"}}}, "invalid_request"},
			{"TooManyAtOnce", "ana", []submissions.ActivityFiles{{Index: 1, Documents: slices.Repeat([]string{"DOC-X"}, submissions.MaxFilesPerWrite+1)}}, "invalid_request"},
		} {
			if _, err := w.svc.Provide(ctx, holder(c.who), sub.ID, c.files); code(err) != c.want {
				t.Errorf("%s: %v, want %s", c.name, err, c.want)
			}
		}
		done, err := w.svc.Provide(ctx, holder("ana"), sub.ID, []submissions.ActivityFiles{{Index: 1, Documents: []string{doc("D2")}}})
		if err != nil {
			t.Fatal(err)
		}
		last := done.History[len(done.History)-1]
		if done.AuditRequest.State != submissions.AuditProvided || done.AuditRequest.ProvidedAt.IsZero() ||
			!strings.Contains(last.Reason, "1 file added by the holder: the documentation the audit asked for is complete") ||
			len(done.Items[1].Documents) != 1 || done.Items[1].Documents[0].ID != doc("D2") {
			t.Fatalf("after the files: %+v, history %+v", done.AuditRequest, last)
		}
		if stored, _ := w.svc.Get(ctx, staff, sub.ID); stored.AuditRequest.State != submissions.AuditProvided || stored.Version != done.Version {
			t.Fatalf("stored: %+v", stored)
		}
		// Files added keep its place in staff's queue: it waits since it
		// entered review, not since the files came.
		if !done.StatusSince().Equal(sub.StatusSince()) {
			t.Fatalf("waiting since %v after the files, since %v before", done.StatusSince(), sub.StatusSince())
		}
		if d, _ := store.NewDocuments(w.tbl).Get(ctx, w.holders["ana"], doc("D2")); d.SubmissionID != sub.ID {
			t.Fatalf("D2 after: %+v", d)
		}
		if got := dueOn(t, w, "2027-04-11"); len(got) != 0 {
			t.Fatalf("the due marker outlived the request: %v", got)
		}
		// More may come while staff have not decided; once decided, none.
		if _, err := w.svc.Provide(ctx, holder("ana"), sub.ID, []submissions.ActivityFiles{{Index: 0, Documents: []string{doc("D3")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{Approve: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Provide(ctx, holder("ana"), sub.ID, []submissions.ActivityFiles{{Index: 0, Documents: []string{doc("D4")}}}); code(err) != "submission_decided" {
			t.Fatalf("files after the decision: %v", err)
		}
	})

	t.Run("DecidedWhileWaiting", func(t *testing.T) {
		w, doc := setup(t, 100)
		sub := review(t, w, []string{doc("D1")})
		if _, err := w.svc.Decide(ctx, staff, sub.ID, submissions.Decision{Approve: false, Reason: "No documentation came."}); err != nil {
			t.Fatal(err)
		}
		if got := dueOn(t, w, "2027-04-11"); len(got) != 0 {
			t.Fatalf("a decided submission is still due: %v", got)
		}
	})

	t.Run("AnsweredAtOnce", func(t *testing.T) {
		w, doc := setup(t, 100)
		sub := review(t, w, []string{doc("D1")}, []string{doc("D2")})
		if sub.AuditRequest == nil || sub.AuditRequest.State != submissions.AuditProvided {
			t.Fatalf("every activity documented, yet %+v", sub.AuditRequest)
		}
		if mails := w.relay.TakeBodies(notify.Queue); len(mails) != 1 || !strings.Contains(mails[0], `"auditProvided":"true"`) {
			t.Fatalf("the received email: %v", mails)
		}
		if got := dueOn(t, w, "2027-04-11"); len(got) != 0 {
			t.Fatalf("nothing is asked for, yet due: %v", got)
		}
	})

	t.Run("NotPicked", func(t *testing.T) {
		w, doc := setup(t, 0)
		sub := review(t, w)
		if sub.Audit || sub.AuditRequest != nil {
			t.Fatalf("not picked, yet %+v", sub.AuditRequest)
		}
		// Files may still be added while it waits for staff.
		got, err := w.svc.Provide(ctx, holder("ana"), sub.ID, []submissions.ActivityFiles{{Index: 0, Documents: []string{doc("D1")}}})
		if err != nil || got.AuditRequest != nil || len(got.Items[0].Documents) != 1 {
			t.Fatalf("adding a file: %+v, %v", got, err)
		}
	})
}

// A submission refused whole has its files removed, in a step of its own
// after the decision (the file store is not the table): the step removes
// each file and its record, and does it again harmlessly. An approved
// submission keeps its files, a rejected activity of it too.
func TestService_RemoveFilesOfRefused(t *testing.T) {
	ctx := t.Context()
	for _, c := range []struct {
		name   string
		d      submissions.Decision
		remove bool
	}{
		{"RefusedWhole", submissions.Decision{Approve: false, Reason: "Not CEC-eligible."}, true},
		{"Approved", submissions.Decision{Approve: true}, false},
		{"OneActivityRejected", submissions.Decision{Approve: true, Rejections: []submissions.ActivityRejection{{Index: 0, Reason: "No record."}}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			disk, err := diskfiles.New(t.TempDir(), "http://127.0.0.1:9/files", bytes.Repeat([]byte{5}, 32), w.clock.Now)
			if err != nil {
				t.Fatal(err)
			}
			docs := documents.NewService(store.NewDocuments(w.tbl), disk, nil, w.pol, w.clock, ids.New)
			w.svc.WithFiles(docs)
			now := w.clock.Now().UTC()
			d := documents.Document{ID: "DOC-KEPT", HolderID: w.holders["ana"], Name: "c.pdf", ContentType: "application/pdf", Size: 8,
				Status: documents.Ready, CreatedAt: now, KeepUntil: now.AddDate(3, 0, 0), Version: 1}
			if err := store.NewDocuments(w.tbl).Create(ctx, d); err != nil {
				t.Fatal(err)
			}
			// The file itself, where a checked file is kept.
			if err := putFile(disk, d.UploadKey()); err != nil {
				t.Fatal(err)
			}
			if err := disk.Copy(ctx, d.UploadKey(), d.Key()); err != nil {
				t.Fatal(err)
			}
			sub, err := w.svc.Submit(ctx, holder("ana"), submissions.NewSubmission{RenewalYear: 2028,
				Activities: []credits.Activity{course("association_course", 2, false), course("college_course", 1, false)}, Attachments: [][]string{{d.ID}}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range w.relay.TakeBodies(submissions.Queue) {
				if err := w.svc.Review(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := w.svc.Decide(ctx, staff, sub.ID, c.d); err != nil {
				t.Fatal(err)
			}
			steps := w.relay.TakeBodies(submissions.Queue)
			if got := len(steps) == 1 && strings.Contains(steps[0], submissions.StepRemoveFiles); got != c.remove {
				t.Fatalf("steps after the decision: %v", steps)
			}
			for range 2 { // delivered twice: removed once, no error
				for _, m := range steps {
					if err := w.svc.Review(ctx, m); err != nil {
						t.Fatal(err)
					}
				}
			}
			_, _, ferr := disk.Open(ctx, d.Key())
			_, rerr := store.NewDocuments(w.tbl).Get(ctx, d.HolderID, d.ID)
			if gone := errors.Is(ferr, files.ErrNotFound) && errors.Is(rerr, documents.ErrNotFound); gone != c.remove {
				t.Fatalf("file gone %v (%v), record gone %v (%v); want removed %v", errors.Is(ferr, files.ErrNotFound), ferr,
					errors.Is(rerr, documents.ErrNotFound), rerr, c.remove)
			}
		})
	}
}

// putFile puts a small PDF at key of disk as a post would.
func putFile(disk *diskfiles.Disk, key string) error {
	srv := httptest.NewServer(disk.Handler())
	defer srv.Close()
	up, err := disk.PresignUpload(context.Background(), files.UploadRequest{Key: key, ContentType: "application/pdf", MaxBytes: 100, Expires: time.Minute})
	if err != nil {
		return err
	}
	up.URL = strings.Replace(up.URL, "http://127.0.0.1:9", srv.URL, 1)
	st, err := testkit.PostFile(up, nil, []byte("%PDF-1.7"))
	if err == nil && st != http.StatusNoContent {
		err = fmt.Errorf("post: %d", st)
	}
	return err
}

// TestService_SubmitOwnCycle: under 5-year cycles anchored on the holder's
// credential (policy/examples/brpt-recertification.yaml), a submission is
// judged against the holder's own cycle, and one for a year in which no
// renewal of theirs falls due is refused on its year, naming the one that
// does; nothing is recorded.
func TestService_SubmitOwnCycle(t *testing.T) {
	pol, err := policy.LoadFile("../../policy/examples/brpt-recertification.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tbl := testkit.TempTable(t, testkit.NoSync)
	clk := testkit.SettableAt(time.Date(2027, 9, 1, 14, 0, 0, 0, time.UTC))
	newID := testkit.IDs()
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, newID, testkit.NoDispatch{})
	testkit.Accounts{Service: acc, Staff: staff}.Holder(t, holder("ana"), accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "ana@example.com"},
		testkit.Credentials("2022-12-20", "RPSGT"))
	svc := submissions.NewService(store.NewSubmissions(tbl), acc, pol, clk, newID, &testkit.Relay{})
	act := func(kind, day string, hours int64) credits.Activity {
		d, _ := time.Parse(time.DateOnly, day)
		return credits.Activity{Kind: kind, Title: "Course " + day, Organisation: "Sleep Academy", Date: d, Hours: cec.Of(hours),
			DocumentationType: "certificate_of_completion", DocumentationRef: "cert"}
	}
	_, err = svc.Submit(t.Context(), holder("ana"), submissions.NewSubmission{RenewalYear: 2026, Activities: []credits.Activity{act("college_course", "2026-03-01", 40)}})
	var f *fault.Error
	if !errors.As(err, &f) || f.Kind != fault.Unprocessable || f.Code != "not_a_renewal_year" || len(f.Details) != 1 || f.Details[0].Field != "year" ||
		f.Details[0].Message != "You have no renewal due in 2026. Your next is due on December 20, 2027, for CECs earned from December 20, 2022 to December 19, 2027: enter 2027." {
		t.Fatalf("a submission for 2026: %v %+v", err, f)
	}
	// 2027's cycle began on 20 December 2022: 19 December 2022 is outside it.
	_, err = svc.Submit(t.Context(), holder("ana"), submissions.NewSubmission{RenewalYear: 2027, Activities: []credits.Activity{
		act("college_course", "2022-12-19", 10), act("college_course", "2026-03-01", 40)}})
	if !errors.As(err, &f) || f.Code != "requirement_not_met" || !strings.Contains(fmt.Sprint(f.Details), "earned from December 20, 2022 to December 19, 2027 only") {
		t.Fatalf("a submission short of the cycle's 50: %v %+v", err, f)
	}
	sub, err := svc.Submit(t.Context(), holder("ana"), submissions.NewSubmission{RenewalYear: 2027, Activities: []credits.Activity{
		act("college_course", "2022-12-20", 10), act("college_course", "2026-03-01", 40)}})
	if err != nil || sub.RenewalYear != 2027 || sub.Status != submissions.Received {
		t.Fatalf("a submission meeting the cycle: %+v, %v", sub, err)
	}
}

// TestService_ProratedToNothing: over periods of three calendar years with
// a prorated first period, a CAM earned in the period's last month owes
// nothing for it: the status is met and says it is prorated, and a
// submission for it is refused in words, not as "no credential".
func TestService_ProratedToNothing(t *testing.T) {
	doc := string(cecportal.DefaultPolicy)
	for _, r := range [][2]string{
		{"cecsPerYear: 6", "cecsPerPeriod: 18"}, {"cecsPerYear: 3", "cecsPerPeriod: 9"}, {"yearCapCecs", "periodCapCecs"},
		{"  earnedYearsBefore: 1", "  earnedYearsBefore: 1\n  periodYears: 3\n  periodStartYear: 2024\n  prorateFirstPeriod: true"},
	} {
		doc = strings.ReplaceAll(doc, r[0], r[1])
	}
	pol, err := policy.Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tbl := testkit.TempTable(t, testkit.NoSync)
	clk := testkit.SettableAt(time.Date(2026, 12, 28, 14, 0, 0, 0, time.UTC))
	newID := testkit.IDs()
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, newID, testkit.NoDispatch{})
	testkit.Accounts{Service: acc, Staff: staff}.Holder(t, holder("ana"), accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "ana@example.com"},
		testkit.Credentials("2026-12-20", "CAM"))
	st, err := transcript.NewService(store.NewTranscript(tbl), acc, pol, clk).Status(t.Context(), holder("ana"), 2027)
	if err != nil || st.NoRequirement || !st.Year.Met || st.Year.Required != 0 || !st.Year.Period.Prorated {
		t.Fatalf("status: %+v, %v; want met, prorated to 0, not 'no credential'", st.Year, err)
	}
	svc := submissions.NewService(store.NewSubmissions(tbl), acc, pol, clk, newID, &testkit.Relay{})
	_, err = svc.Submit(t.Context(), holder("ana"), submissions.NewSubmission{RenewalYear: 2027, Activities: []credits.Activity{{Kind: "college_course",
		Title: "Finance", Organisation: "State College", Date: time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC), Hours: cec.Of(2),
		DocumentationType: "certificate_of_completion", DocumentationRef: "cert"}}})
	if code(err) != "nothing_required" {
		t.Fatalf("a submission for a period that needs nothing: %v", err)
	}
}

package attendance_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
)

// corrected: the upload's first report, Ana and Bo credited, José's name
// mismatched (row 4), reported on 12 March 2027.
func corrected(t *testing.T) (*world, attendance.Upload) {
	t.Helper()
	w := newWorld(t)
	u, _, err := w.svc.Report(context.Background(), acme, w.program.ID, 0, "csv", w.csv(
		"Ana,Ana,Lima,2027-03-10", "Bo,Bo,Berg,2027-03-10", "José,Jose,Nunes,2027-03-10"), false)
	if err != nil {
		t.Fatal(err)
	}
	w.credit(t)
	return w, u
}

// mails returns the correction emails the service handed on: template,
// recipient and action.
func (w *world) mails(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range w.q.Take() {
		if m.Queue != notify.Queue {
			continue
		}
		var j notify.Job
		if err := json.Unmarshal([]byte(m.Body), &j); err != nil {
			t.Fatal(err)
		}
		out = append(out, j.Template+" "+j.To[0]+" "+j.Data["action"])
	}
	return out
}

func wantFaultCode(t *testing.T, err error, kind fault.Kind, code string, fields ...string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	var got []string
	for _, d := range fe.Details {
		got = append(got, d.Field)
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("%s: problems on %v, want %v", code, got, fields)
	}
}

func TestService_Corrections(t *testing.T) {
	w, u := corrected(t)
	ctx := context.Background()
	ana, jose := w.holders["Ana"].ID, w.holders["José"].ID
	remove := attendance.NewCorrection{Action: attendance.CorrectionRemove, HolderID: ana, Reason: "Ana was not there; Ann Lima was."}

	// Removed, once: the credit withdrawn, the holder emailed.
	c, err := w.svc.Correct(ctx, acme, w.program.ID, u.ID, remove)
	if err != nil {
		t.Fatal(err)
	}
	if c.Action != "remove" || c.HolderID != ana || c.Completed.String() != "2027-03-10" || c.Hours.String() != "6" || c.ByStaff || c.FirstName != "Ana" {
		t.Fatalf("correction %+v", c)
	}
	if got := w.mails(t); !slices.Equal(got, []string{"attendance_correction lima@example.com remove"}) {
		t.Fatalf("mails %q", got)
	}
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, remove)
	wantFaultCode(t, err, fault.Conflict, "not_credited")
	if got := w.mails(t); len(got) != 0 {
		t.Fatalf("a refused correction mailed %q", got)
	}
	// Withdrawn for good: a new report credits her again.
	u2, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2027-03-10"), false)
	if err != nil {
		t.Fatal(err)
	}
	w.credit(t)
	if got := verdicts(w.result(t, u2.ID).Rows); got != "2:ok" {
		t.Fatalf("Ana after the removal: %s", got)
	}
	// Bo is credited by the first upload, not the second.
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u2.ID, attendance.NewCorrection{Action: "remove", HolderID: w.holders["Bo"].ID, Reason: "x"})
	wantFaultCode(t, err, fault.Conflict, "not_credited")

	// Added, once, as a row would be.
	add := attendance.NewCorrection{Action: attendance.CorrectionAdd, HolderID: jose, FirstName: "José", LastName: "Núñez",
		CompletionDate: "3/10/2027", Reason: "His name was misspelt on the roster."}
	if _, err := w.svc.Correct(ctx, acme, w.program.ID, u.ID, add); err != nil {
		t.Fatal(err)
	}
	if got := w.mails(t); !slices.Equal(got, []string{"attendance_correction núñez@example.com add"}) {
		t.Fatalf("mails %q", got)
	}
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, add)
	wantFaultCode(t, err, fault.Conflict, "already_credited")

	// An unlisted holder's name is not shown to the provider in a removal.
	no := false
	if _, err := w.acc.UpdateContact(ctx, identity.Caller{Sub: "sub-Bo", Roles: []string{identity.RoleHolder}},
		accounts.ContactUpdate{ListedInDirectory: &no}); err != nil {
		t.Fatal(err)
	}
	if rc, err := w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: "remove", HolderID: w.holders["Bo"].ID,
		Reason: "Not Bo."}); err != nil || rc.FirstName != "" || rc.LastName != "" {
		t.Fatalf("an unlisted holder's removal: %+v, %v", rc, err)
	}
	w.mails(t)
	if _, err := w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: "add", HolderID: w.holders["Bo"].ID,
		FirstName: "Bo", LastName: "Berg", CompletionDate: "2027-03-10", Reason: "Bo after all."}); err != nil {
		t.Fatal(err)
	}
	w.mails(t)

	// Every problem of a request at once.
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: "move"})
	wantFaultCode(t, err, fault.Invalid, "invalid_request", "action", "holderId", "reason")
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: "add", HolderID: w.holders["Bo"].ID,
		FirstName: "Bob", LastName: "Berg", CompletionDate: "2027-03-11", Reason: "x"})
	wantFaultCode(t, err, fault.Invalid, "invalid_request", "lastName", "completionDate")
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: "add", HolderID: "H-NOSUCHHOLD",
		FirstName: "X", LastName: "Y", CompletionDate: "2027-02-30", Reason: "x"})
	wantFaultCode(t, err, fault.Invalid, "invalid_request", "completionDate")

	// Another provider's upload is not found; the list is the upload's, oldest first.
	_, err = w.svc.Correct(ctx, other, w.program.ID, u.ID, remove)
	wantFaultCode(t, err, fault.NotFound, "program_not_found")
	list, until, err := w.svc.Corrections(ctx, acme, w.program.ID, u.ID)
	if err != nil || len(list) != 4 || list[0].Action != "remove" || list[1].Action != "add" || until.String() != "2027-04-11" {
		t.Fatalf("corrections %+v until %v, %v", list, until, err)
	}

	// After the window (30 days after 12 March), only staff.
	w.clk.Set(time.Date(2027, 4, 12, 15, 0, 0, 0, time.UTC))
	bo := attendance.NewCorrection{Action: "remove", HolderID: w.holders["Bo"].ID, Reason: "Left at the break."}
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, bo)
	wantFaultCode(t, err, fault.Conflict, "correction_window_closed")
	sc, err := w.svc.Correct(ctx, staff, w.program.ID, u.ID, bo)
	if err != nil || !sc.ByStaff {
		t.Fatalf("staff's correction %+v, %v", sc, err)
	}
	all, _, err := w.svc.AllCorrections(ctx, staff, attendance.Page{})
	if err != nil || len(all) != 5 || all[0].ID != sc.ID {
		t.Fatalf("every correction, newest first: %+v, %v", all, err)
	}
	_, _, err = w.svc.AllCorrections(ctx, acme, attendance.Page{})
	wantFaultCode(t, err, fault.Forbidden, "forbidden")
}

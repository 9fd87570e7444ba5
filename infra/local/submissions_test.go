package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLocalStack_Submissions: a CAM holder credited 3 CECs by attendance
// submits 3 more in one submission; one that would leave the year short is
// refused with the shortfall; staff approve; the status shows the year met.
func TestLocalStack_Submissions(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	acme := c.acmeProvider()
	staff := c.token("sub-staff", "staff", "office@example.org")
	program := approvedProgram(t, c, acme, staff, 3)

	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	id := fmt.Sprint(holder["holderId"])
	c.do("PUT", "/holders/"+id+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)
	roster := "Program ID,Holder ID,First Name,Last Name,Completion Date\n" + fmt.Sprintf("%s,%s,Ana,Lima,2027-03-10\n", program, id)
	var acc map[string]any
	c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv", roster, 202, &acc)
	if got := verdictsOf(c.waitForUpload(acme, program, fmt.Sprint(acc["uploadId"]))); got != "2:ok" {
		t.Fatalf("upload %s", got)
	}
	// The credited program's certificate of completion, Ana's only.
	cert := c.download("/holders/me/certificates/"+program, ana, "application/pdf")
	for _, part := range []string{"%PDF-", "Certificate of completion", "Ana Lima", program} {
		if !strings.Contains(cert, part) {
			t.Fatalf("the certificate lacks %q", part)
		}
	}
	c.do("GET", "/holders/me/certificates/PRG-NOTCREDITED", ana, nil, 404, nil)

	activity := func(kind string, hours float64) map[string]any {
		return map[string]any{"kind": kind, "title": "Leasing law", "organisation": "Chapter 7", "date": "2027-03-02",
			"hours": hours, "compliance": false, "documentation": map[string]any{"type": "certificate_of_completion", "reference": "cert-42"}}
	}
	type problem struct {
		Error struct {
			Code    string
			Details []struct{ Field, Code, Message string }
		}
	}

	// 3 credited + 2 from other sources = 5 of 6: refused as a whole.
	var refused problem
	c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2028,
		"activities": []any{activity("college_course", 2)}}, 422, &refused)
	if refused.Error.Code != "requirement_not_met" || len(refused.Error.Details) != 1 ||
		refused.Error.Details[0].Field != "total" || !strings.Contains(refused.Error.Details[0].Message, "1 CEC missing") {
		t.Fatalf("refusal %+v", refused)
	}

	type submission struct {
		SubmissionID string
		Status       string
		Audit        bool
		Activities   []struct{ Decision string }
		Result       *struct {
			Met     bool
			Counted float64
		}
	}
	var sub submission
	c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2028,
		"activities": []any{activity("association_course", 2), activity("college_course", 1)}}, 201, &sub)
	if sub.Status != "received" || len(sub.Activities) != 2 {
		t.Fatalf("submission %+v", sub)
	}
	c.do("POST", "/holders/me/submissions", ana, map[string]any{"year": 2028,
		"activities": []any{activity("association_course", 3)}}, 409, nil)

	// The reviewer step puts it in the staff queue.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got submission
		c.do("GET", "/holders/me/submissions/"+sub.SubmissionID, ana, nil, 200, &got)
		if got.Status == "in_review" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("submission is %s after 15 s", got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var queue struct{ Submissions []submission }
	c.do("GET", "/review/submissions", staff, nil, 200, &queue)
	if len(queue.Submissions) != 1 || queue.Submissions[0].SubmissionID != sub.SubmissionID {
		t.Fatalf("queue %+v", queue)
	}
	bo := c.token("sub-bo", "holder", "bo@example.com")
	c.do("POST", "/holders", bo, map[string]any{"firstName": "Bo", "lastName": "Ode", "email": "bo@example.com"}, 201, nil)
	c.do("GET", "/holders/me/submissions/"+sub.SubmissionID, bo, nil, 404, nil)

	var status struct {
		Met     bool
		Counted float64
	}
	c.do("GET", "/holders/me/status?year=2028", ana, nil, 200, &status)
	if status.Met || status.Counted != 3 {
		t.Fatalf("pending activities counted: %+v", status)
	}

	var decided submission
	c.do("POST", "/submissions/"+sub.SubmissionID+"/decision", staff, map[string]any{"decision": "approve"}, 200, &decided)
	if decided.Status != "approved" || decided.Result == nil || !decided.Result.Met || decided.Result.Counted != 6 {
		t.Fatalf("decided %+v", decided)
	}
	c.do("POST", "/submissions/"+sub.SubmissionID+"/decision", staff, map[string]any{"decision": "reject", "reason": "x"}, 409, nil)
	c.do("GET", "/holders/me/status?year=2028", ana, nil, 200, &status)
	if !status.Met || status.Counted != 6 {
		t.Fatalf("status after approval %+v", status)
	}
	// The year's transcript as a PDF says so, with each activity.
	tr := c.download("/holders/me/transcripts/2028", ana, "application/pdf")
	for _, part := range []string{"CEC transcript, 2028 renewal", "met: 6 of the 6 CECs required count", "Leasing law", "reported by the holder, approved"} {
		if !strings.Contains(tr, part) {
			t.Fatalf("the transcript lacks %q", part)
		}
	}
	var subjects []string
	for _, e := range c.waitForEmails("ana@example.com", 3) {
		subjects = append(subjects, e.Subject)
	}
	if got := strings.Join(subjects, " | "); !strings.Contains(got, "We received your CEC submission") || !strings.Contains(got, "was approved") {
		t.Fatalf("emails: %s", got)
	}
}

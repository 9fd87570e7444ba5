package main

import (
	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/testkit"

	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocalStack_Documents: a holder attaches a PDF and a phone photo to a
// self-report, the files go straight to the file store, the API checks
// them, staff open them; a hostile file is refused and nothing of it stays
// (issue 17).
func TestLocalStack_Documents(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	documentsFlow(t, c, c.token("sub-office-docs", "staff", "office@example.org"))
}

type uploadForm struct {
	URL    string
	Fields map[string]string
}

type docJSON struct {
	DocumentID, Name, ContentType, Status, SHA256, SubmissionID string
	Size                                                        int64
	Download                                                    *struct{ URL string }
}

// postFile posts body to a presigned form as a browser does; it returns
// the file store's status.
func postFile(t *testing.T, up uploadForm, body []byte) int {
	t.Helper()
	st, err := testkit.PostFile(files.Upload{URL: up.URL, Fields: up.Fields}, nil, body)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// attach starts a document, posts body and asks for the check, which must
// answer want; it returns the document.
func attach(t *testing.T, c *client, token, name, ctype string, body []byte, want int) docJSON {
	t.Helper()
	var started struct {
		Document docJSON
		Upload   uploadForm
	}
	c.do("POST", "/holders/me/documents", token, map[string]any{"name": name, "contentType": ctype, "size": len(body)}, 201, &started)
	if st := postFile(t, started.Upload, body); st/100 != 2 {
		t.Fatalf("posting %s to the file store: %d", name, st)
	}
	var checked docJSON
	if want == 200 {
		c.do("POST", "/holders/me/documents/"+started.Document.DocumentID+"/check", token, nil, 200, &checked)
		return checked
	}
	c.do("POST", "/holders/me/documents/"+started.Document.DocumentID+"/check", token, nil, want, nil)
	return started.Document
}

func documentsFlow(t *testing.T, c *client, staff string) {
	t.Helper()
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("certificate "), 500)...)
	photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE1}, bytes.Repeat([]byte{9}, 20000)...)

	dee := c.token("sub-dee-docs", "holder", "dee.docs@example.com")
	var holder struct{ HolderID string }
	c.do("POST", "/holders", dee, map[string]any{"firstName": "Dee", "lastName": "Docs", "email": "dee.docs@example.com"}, 201, &holder)
	c.do("PUT", "/holders/"+holder.HolderID+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)

	cert := attach(t, c, dee, "Ethics certificate.pdf", "application/pdf", pdf, 200)
	sum := sha256.Sum256(pdf)
	if cert.Status != "ready" || cert.Size != int64(len(pdf)) || cert.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("the PDF checked: %+v", cert)
	}
	snap := attach(t, c, dee, "IMG_2041.jpg", "image/jpeg", photo, 200)

	// A script named .pdf: refused, and nothing of it stays.
	bad := attach(t, c, dee, "invoice.pdf", "application/pdf", []byte("#!/bin/sh\nrm -rf ~\n"), 422)
	c.do("GET", "/holders/me/documents/"+bad.DocumentID, dee, nil, 404, nil)

	activity := func(title string, hours int, docs ...string) map[string]any {
		return map[string]any{"kind": "association_course", "title": title, "organisation": "Chapter 7", "date": "2027-03-02",
			"hours": hours, "compliance": true, "documentation": map[string]any{"type": "certificate_of_completion", "reference": ""},
			"documents": docs}
	}
	// A document that is not dee's cannot be attached.
	c.do("POST", "/holders/me/submissions", dee, map[string]any{"year": 2028,
		"activities": []any{activity("Fair housing", 6, "DOC-NOTHERS00")}}, 400, nil)
	var sub struct {
		SubmissionID string
		Activities   []struct {
			Documents []struct {
				DocumentID, Name string
				Size             int64
			}
		}
	}
	c.do("POST", "/holders/me/submissions", dee, map[string]any{"year": 2028,
		"activities": []any{activity("Fair housing", 3, cert.DocumentID), activity("Leasing law", 3, snap.DocumentID)}}, 201, &sub)
	if len(sub.Activities) != 2 || len(sub.Activities[0].Documents) != 1 || sub.Activities[0].Documents[0].Name != "Ethics certificate.pdf" ||
		sub.Activities[1].Documents[0].DocumentID != snap.DocumentID {
		t.Fatalf("the submission's documents: %+v", sub.Activities)
	}
	// Attached: it stays with the submission.
	c.do("DELETE", "/holders/me/documents/"+cert.DocumentID, dee, nil, 409, nil)

	// Staff open each file from the submission; the link serves its bytes.
	for doc, body := range map[string][]byte{cert.DocumentID: pdf, snap.DocumentID: photo} {
		var got docJSON
		c.do("GET", fmt.Sprintf("/holders/%s/documents/%s", holder.HolderID, doc), staff, nil, 200, &got)
		if got.Download == nil || got.SubmissionID != sub.SubmissionID {
			t.Fatalf("staff's view of %s: %+v", doc, got)
		}
		res, err := http.Get(got.Download.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(b, body) || res.Header.Get("Content-Type") != got.ContentType {
			t.Fatalf("downloading %s: %d, %d bytes, %s", doc, res.StatusCode, len(b), res.Header.Get("Content-Type"))
		}
	}
	// Nobody else reads them.
	eve := c.token("sub-eve-docs", "holder", "eve.docs@example.com")
	c.do("POST", "/holders", eve, map[string]any{"firstName": "Eve", "lastName": "Other", "email": "eve.docs@example.com"}, 201, nil)
	c.do("GET", "/holders/me/documents/"+cert.DocumentID, eve, nil, 404, nil)
	c.do("POST", "/holders/me/documents/"+cert.DocumentID+"/check", eve, nil, 404, nil)
	c.do("GET", fmt.Sprintf("/holders/%s/documents/%s", holder.HolderID, cert.DocumentID), eve, nil, 403, nil)

	// Refused whole, the submission's files go: a step after the decision
	// removes each record and its file.
	var before docJSON
	c.do("GET", fmt.Sprintf("/holders/%s/documents/%s", holder.HolderID, snap.DocumentID), staff, nil, 200, &before)
	for deadline := time.Now().Add(15 * time.Second); ; c.waitALittle() {
		var s struct{ Status string }
		c.do("GET", "/holders/me/submissions/"+sub.SubmissionID, dee, nil, 200, &s)
		if s.Status == "in_review" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the submission is %s after 15 s", s.Status)
		}
	}
	c.do("POST", "/submissions/"+sub.SubmissionID+"/decision", staff, map[string]any{"decision": "reject", "reason": "Not CEC-eligible."}, 200, nil)
	for _, doc := range []string{cert.DocumentID, snap.DocumentID} {
		for deadline := time.Now().Add(15 * time.Second); ; c.waitALittle() {
			status, _ := c.raw("GET", fmt.Sprintf("/holders/%s/documents/%s", holder.HolderID, doc), staff, "", "")
			if status == 404 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s of the refused submission is still there after 15 s (%d)", doc, status)
			}
		}
	}
	res, err := http.Get(before.Download.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == 200 {
		t.Fatal("the removed file still downloads")
	}
}

// auditPolicy is the shipped policy with every submission picked for the
// documentation audit.
func auditPolicy(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "policy", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const rate = "  auditRatePercent: 10\n"
	if !bytes.Contains(b, []byte(rate)) {
		t.Fatal("policy/default.yaml's audit rate is not as this test expects")
	}
	path := filepath.Join(t.TempDir(), "audit.yaml")
	if err := os.WriteFile(path, bytes.Replace(b, []byte(rate), []byte("  auditRatePercent: 100\n"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLocalStack_DocumentationAudit: the audit as a process over HTTP
// (issue 17). Two holders' submissions are picked; each is asked for the
// files its activities lack, by 30 days on. One holder is reminded a week
// before and sends them: the request is provided and the history says so.
// The other sends nothing: the day after the deadline the association's
// office is told, and staff see it overdue.
func TestLocalStack_DocumentationAudit(t *testing.T) {
	st := startStack(t, map[string]string{"POLICY_FILE": auditPolicy(t)})
	c := &client{t: t, base: st.URL}
	auditFlow(t, c, c.token("sub-office-audit", "staff", "office@example.org"))
}

// withSubject is the text of the email among mails whose subject has
// subject, or "".
func withSubject(mails []email, subject string) string {
	for _, m := range mails {
		if strings.Contains(m.Subject, subject) {
			return m.Text
		}
	}
	return ""
}

func auditFlow(t *testing.T, c *client, staff string) {
	t.Helper()
	at := func(now string) { c.do("PUT", "/dev/clock", "", map[string]any{"now": now}, 200, nil) }
	at("2027-03-12T09:00:00-05:00")
	type audit struct {
		State, Due string
		ProvidedAt *time.Time
	}
	type submission struct {
		SubmissionID, Status string
		AuditRequest         *audit
		History              []struct{ Reason string }
		Activities           []struct{ Documents []struct{ DocumentID string } }
	}
	holders := map[string]string{}
	subs := map[string]submission{}
	for _, name := range []string{"fay", "gus"} {
		addr := name + ".audit@example.com"
		tok := c.token("sub-"+name+"-audit", "holder", addr)
		var h struct{ HolderID string }
		c.do("POST", "/holders", tok, map[string]any{"firstName": name, "lastName": "Audit", "email": addr}, 201, &h)
		c.do("PUT", "/holders/"+h.HolderID+"/credentials", staff, map[string]any{"membership": "member",
			"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
		holders[name] = tok
		var sub submission
		c.do("POST", "/holders/me/submissions", tok, map[string]any{"year": 2028, "activities": []any{map[string]any{
			"kind": "association_course", "title": "Fair housing", "organisation": "Chapter 7", "date": "2027-03-02", "hours": 6,
			"compliance": true, "documentation": map[string]any{"type": "certificate_of_completion"}}}}, 201, &sub)
		for deadline := time.Now().Add(15 * time.Second); sub.AuditRequest == nil; c.waitALittle() {
			if time.Now().After(deadline) {
				t.Fatalf("%s's submission is %s without an audit request after 15 s", name, sub.Status)
			}
			c.do("GET", "/holders/me/submissions/"+sub.SubmissionID, tok, nil, 200, &sub)
		}
		if *sub.AuditRequest != (audit{State: "requested", Due: "2027-04-11"}) {
			t.Fatalf("%s's audit: %+v", name, *sub.AuditRequest)
		}
		subs[name] = sub
		// The welcome, and the received email that asks for the files.
		received := withSubject(c.waitForEmails(addr, 2), "We received your CEC submission")
		if !strings.Contains(received, "by 2027-04-11") || !strings.Contains(received, "activity 1, Fair housing") {
			t.Fatalf("%s's received email:\n%s", name, received)
		}
	}

	// A week before the deadline both are reminded.
	at("2027-04-04T05:00:00-04:00")
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	for _, name := range []string{"fay", "gus"} {
		if withSubject(c.waitForEmails(name+".audit@example.com", 3), "Send the documentation of your CEC submission by 2027-04-11") == "" {
			t.Fatalf("%s was not reminded", name)
		}
	}
	// Fay sends the certificate.
	fay := holders["fay"]
	doc := attach(t, c, fay, "Fair housing.pdf", "application/pdf", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 300)...), 200)
	var sent submission
	c.do("POST", "/holders/me/submissions/"+subs["fay"].SubmissionID+"/documents", holders["gus"],
		map[string]any{"activities": []any{map[string]any{"index": 0, "documents": []string{doc.DocumentID}}}}, 404, nil)
	c.do("POST", "/holders/me/submissions/"+subs["fay"].SubmissionID+"/documents", fay,
		map[string]any{"activities": []any{map[string]any{"index": 0, "documents": []string{doc.DocumentID}}}}, 200, &sent)
	if sent.AuditRequest == nil || sent.AuditRequest.State != "provided" || sent.AuditRequest.ProvidedAt == nil ||
		len(sent.Activities[0].Documents) != 1 || !strings.Contains(sent.History[len(sent.History)-1].Reason, "complete") {
		t.Fatalf("fay's submission after the files: %+v", sent)
	}

	// The day after the deadline the office hears of Gus's, and only his.
	at("2027-04-12T05:00:00-04:00")
	c.do("POST", "/dev/run/reminders", "", nil, 200, nil)
	office := c.waitForEmails("cec@example.org", 1)
	var overdue []string
	for _, m := range office {
		if strings.Contains(m.Subject, "Audit overdue") {
			overdue = append(overdue, m.Subject)
		}
	}
	if len(overdue) != 1 || !strings.Contains(overdue[0], subs["gus"].SubmissionID) {
		t.Fatalf("the office's overdue emails: %v", overdue)
	}
	var queue struct{ Submissions []submission }
	c.do("GET", "/review/submissions", staff, nil, 200, &queue)
	states := map[string]string{}
	for _, s := range queue.Submissions {
		if s.AuditRequest != nil {
			states[s.SubmissionID] = s.AuditRequest.State
		}
	}
	if states[subs["fay"].SubmissionID] != "provided" || states[subs["gus"].SubmissionID] != "requested" {
		t.Fatalf("staff's queue: %v", states)
	}
}

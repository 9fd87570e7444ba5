package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
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
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range up.Fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "from-the-phone")
	fw.Write(body)
	mw.Close()
	res, err := http.Post(up.URL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
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
}

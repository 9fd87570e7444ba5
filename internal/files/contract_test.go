package files_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/files/diskfiles"
	"github.com/cecportal/cecportal/internal/files/s3files"
	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/testkit"
)

func TestMain(m *testing.M) { moto.Main(m) }

// filesEnv is one adapter with what the suite needs around it.
type filesEnv struct {
	store files.Store
	// enforcesPolicy: the server behind the store refuses a post its
	// policy does not allow. S3 does; moto_server does not (docs/documents.md),
	// which is why the service checks every file after its upload.
	enforcesPolicy bool
	// overridesHeaders: a presigned download serves the type and file name
	// it was signed with (S3's response-content-* parameters). moto_server
	// serves the stored type and no file name.
	overridesHeaders bool
	// later moves the store's clock on, where it has one of its own.
	later func(d time.Duration)
}

func TestDisk_Contract(t *testing.T) {
	runFilesContract(t, func(t *testing.T) filesEnv {
		now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		d, err := diskfiles.New(t.TempDir(), srv.URL+"/files", bytes.Repeat([]byte("k"), 32), func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/files/", d.Handler())
		mux.Handle("/files", d.Handler())
		return filesEnv{store: d, enforcesPolicy: true, overridesHeaders: true, later: func(dur time.Duration) { now = now.Add(dur) }}
	})
}

func TestS3_Contract(t *testing.T) {
	server := moto.Shared(t)
	client := s3files.NewClient(server.Config(t), true)
	runFilesContract(t, func(t *testing.T) filesEnv {
		bucket := fmt.Sprintf("contract-%d", time.Now().UnixNano())
		if err := s3files.CreateBucket(context.Background(), client, bucket); err != nil {
			t.Fatal(err)
		}
		return filesEnv{store: s3files.New(client, bucket)}
	})
}

// post sends a file with up's form as a browser does; it returns the status.
func post(t *testing.T, up files.Upload, fields map[string]string, body []byte) int {
	t.Helper()
	st, err := testkit.PostFile(up, fields, body)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func read(t *testing.T, s files.Store, key string) ([]byte, files.Info, error) {
	t.Helper()
	r, info, err := s.Open(context.Background(), key)
	if err != nil {
		return nil, info, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b, info, nil
}

func runFilesContract(t *testing.T, open func(t *testing.T) filesEnv) {
	ctx := context.Background()
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 2000)...)
	upload := func(t *testing.T, s files.Store, key string, max int64) files.Upload {
		t.Helper()
		up, err := s.PresignUpload(ctx, files.UploadRequest{Key: key, ContentType: "application/pdf", MaxBytes: max, Expires: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return up
	}

	t.Run("PostThenOpen", func(t *testing.T) {
		e := open(t)
		up := upload(t, e.store, "uploads/H1/D1", 10<<20)
		if st := post(t, up, nil, pdf); st/100 != 2 {
			t.Fatalf("post: status %d", st)
		}
		b, info, err := read(t, e.store, "uploads/H1/D1")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, pdf) || info.Size != int64(len(pdf)) || info.ContentType != "application/pdf" {
			t.Fatalf("read %d bytes, info %+v", len(b), info)
		}
	})

	t.Run("OpenMissing", func(t *testing.T) {
		e := open(t)
		if _, _, err := read(t, e.store, "uploads/H1/none"); !errors.Is(err, files.ErrNotFound) {
			t.Fatalf("err %v, want ErrNotFound", err)
		}
	})

	t.Run("CopyThenDelete", func(t *testing.T) {
		e := open(t)
		post(t, upload(t, e.store, "uploads/H1/D2", 10<<20), nil, pdf)
		if err := e.store.Copy(ctx, "uploads/H1/D2", "documents/H1/D2"); err != nil {
			t.Fatal(err)
		}
		if err := e.store.Delete(ctx, "uploads/H1/D2"); err != nil {
			t.Fatal(err)
		}
		b, info, err := read(t, e.store, "documents/H1/D2")
		if err != nil || !bytes.Equal(b, pdf) || info.ContentType != "application/pdf" {
			t.Fatalf("copy: %d bytes, %+v, %v", len(b), info, err)
		}
		if _, _, err := read(t, e.store, "uploads/H1/D2"); !errors.Is(err, files.ErrNotFound) {
			t.Fatalf("deleted object: err %v", err)
		}
		if err := e.store.Delete(ctx, "uploads/H1/D2"); err != nil {
			t.Fatalf("delete again: %v", err)
		}
		if err := e.store.Copy(ctx, "uploads/H1/none", "documents/H1/none"); !errors.Is(err, files.ErrNotFound) {
			t.Fatalf("copy of nothing: err %v", err)
		}
	})

	t.Run("Download", func(t *testing.T) {
		e := open(t)
		post(t, upload(t, e.store, "documents/H1/D3", 10<<20), nil, pdf)
		u, err := e.store.PresignDownload(ctx, "documents/H1/D3", files.Download{ContentType: "application/pdf", FileName: "My certificate (2026).pdf", Expires: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(b, pdf) {
			t.Fatalf("download: status %d, %d bytes", res.StatusCode, len(b))
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Fatalf("served as %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); e.overridesHeaders && cd != `inline; filename="My_certificate_2026_.pdf"` {
			t.Fatalf("offered as %q", cd)
		}
		bad := strings.Replace(u, "D3", "D4", 1)
		if res, err := http.Get(bad); err != nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("another key with D3's signature: %v %v", res.StatusCode, err)
		}
		if e.later != nil {
			e.later(6 * time.Minute)
			if res, err := http.Get(u); err != nil || res.StatusCode != http.StatusForbidden {
				t.Fatalf("expired download: %v %v", res.StatusCode, err)
			}
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		e := open(t)
		for _, k := range []string{"", "../x", "uploads/../x", "a//b", "/a", "a/", "évidence", "a.pdf", strings.Repeat("a", 513)} {
			if _, err := e.store.PresignUpload(ctx, files.UploadRequest{Key: k, ContentType: "application/pdf", MaxBytes: 10, Expires: time.Minute}); err == nil {
				t.Errorf("key %q presigned", k)
			}
			if _, _, err := e.store.Open(ctx, k); err == nil || errors.Is(err, files.ErrNotFound) {
				t.Errorf("key %q opened: %v", k, err)
			}
			if err := e.store.Delete(ctx, k); err == nil {
				t.Errorf("key %q deleted", k)
			}
			if err := e.store.Copy(ctx, "uploads/H1/D1", k); err == nil || errors.Is(err, files.ErrNotFound) {
				t.Errorf("copied to key %q: %v", k, err)
			}
			if _, err := e.store.PresignDownload(ctx, k, files.Download{ContentType: "application/pdf", Expires: time.Minute}); err == nil {
				t.Errorf("key %q presigned for download", k)
			}
		}
	})

	// What the policy refuses, where the server enforces it.
	t.Run("PolicyRefuses", func(t *testing.T) {
		e := open(t)
		if !e.enforcesPolicy {
			t.Skip("this server does not enforce post policies: the service's check after the upload is tested instead (internal/documents)")
		}
		big := make([]byte, 1001)
		rand.Read(big)
		for _, c := range []struct {
			name   string
			fields map[string]string
			body   []byte
			want   int
		}{
			{"too large", nil, big, http.StatusBadRequest},
			{"empty", nil, nil, http.StatusBadRequest},
			{"another key", map[string]string{"key": "uploads/H2/D1"}, pdf[:100], http.StatusForbidden},
			{"another type", map[string]string{"Content-Type": "text/html"}, pdf[:100], http.StatusForbidden},
			{"an extra field", map[string]string{"acl": "public-read"}, pdf[:100], http.StatusForbidden},
			{"a forged signature", map[string]string{"signature": strings.Repeat("0", 64)}, pdf[:100], http.StatusForbidden},
		} {
			up := upload(t, e.store, "uploads/H1/P1", 1000)
			if st := post(t, up, c.fields, c.body); st != c.want {
				t.Errorf("%s: status %d, want %d", c.name, st, c.want)
			}
			for _, k := range []string{"uploads/H1/P1", "uploads/H2/D1"} {
				if _, _, err := read(t, e.store, k); !errors.Is(err, files.ErrNotFound) {
					t.Errorf("%s: %s stored (%v)", c.name, k, err)
				}
			}
		}
		up := upload(t, e.store, "uploads/H1/P2", 1000)
		e.later(11 * time.Minute)
		if st := post(t, up, nil, pdf[:100]); st != http.StatusForbidden {
			t.Errorf("expired form: status %d", st)
		}
	})
}

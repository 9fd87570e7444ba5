package diskfiles_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/files/diskfiles"
	"github.com/cecportal/cecportal/internal/testkit"
)

// Sweep removes what the bucket's lifecycle rules would, by the store's
// clock: uploads a day old, documents their days old, nothing younger.
func TestDisk_Sweep(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	d, err := diskfiles.New(t.TempDir(), srv.URL+"/files", bytes.Repeat([]byte{1}, 32), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/files", d.Handler())
	put := func(key string) {
		up, err := d.PresignUpload(t.Context(), files.UploadRequest{Key: key, ContentType: "image/png", MaxBytes: 100, Expires: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		st, err := testkit.PostFile(up, nil, []byte("\x89PNG\r\n\x1a\n"))
		if err != nil || st != http.StatusNoContent {
			t.Fatalf("post %s: %v %v", key, st, err)
		}
	}
	put("uploads/H1/OLD")
	put("documents/H1/OLD")
	now = now.Add(25 * time.Hour)
	put("uploads/H1/NEW")
	rules := map[string]time.Duration{"uploads/": 24 * time.Hour, "documents/": 30 * 24 * time.Hour}
	if n, err := d.Sweep(t.Context(), rules); err != nil || n != 1 {
		t.Fatalf("first sweep removed %d (%v), want 1", n, err)
	}
	for key, want := range map[string]bool{"uploads/H1/OLD": false, "uploads/H1/NEW": true, "documents/H1/OLD": true} {
		r, _, err := d.Open(t.Context(), key)
		if r != nil {
			r.Close()
		}
		if kept := !errors.Is(err, files.ErrNotFound); kept != want {
			t.Errorf("%s kept: %v, want %v (%v)", key, kept, want, err)
		}
	}
	now = now.Add(30 * 24 * time.Hour)
	if n, err := d.Sweep(t.Context(), rules); err != nil || n != 2 {
		t.Fatalf("second sweep removed %d (%v), want 2", n, err)
	}
	if n, err := d.Sweep(t.Context(), map[string]time.Duration{"nothing/": time.Hour}); err != nil || n != 0 {
		t.Fatalf("a prefix with nothing: %d, %v", n, err)
	}
}

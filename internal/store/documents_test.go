package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// Documents round-trip in the holder's partition, the holder's record
// lists them, a submission attaches them under their versions (a stale one
// writes nothing), an attached one cannot be deleted, and an expired one
// is gone, on both backends.
func TestDocuments_Repository(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, clock *testkit.Clock) {
		ctx := t.Context()
		if err := store.NewAccounts(tbl).CreateHolder(ctx, holderFixture("H-1", "sub-1", "ana@example.com")); err != nil {
			t.Fatal(err)
		}
		repo := store.NewDocuments(tbl)
		now := clock.Now().UTC().Truncate(time.Millisecond)
		doc := func(id string) documents.Document {
			return documents.Document{ID: id, HolderID: "H-1", Name: "Certificate.pdf", ContentType: "application/pdf", Size: 4321,
				SHA256: "ab12", Status: documents.Ready, CreatedAt: now, CheckedAt: now.Add(time.Second), KeepUntil: now.AddDate(3, 0, 0), Version: 1}
		}
		a, b := doc("DOC-A"), doc("DOC-B")
		for _, d := range []documents.Document{a, b} {
			if err := repo.Create(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if err := repo.Create(ctx, a); err == nil {
			t.Fatal("created DOC-A twice")
		}
		got, err := repo.Get(ctx, "H-1", "DOC-A")
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Fatalf("round trip:\n got %+v %v\nwant %+v", got, err, a)
		}
		if _, err := repo.Get(ctx, "H-2", "DOC-A"); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("another holder's partition: %v", err)
		}
		rec, err := store.NewSubmissions(tbl).Record(ctx, "H-1")
		if err != nil || len(rec.Documents) != 2 {
			t.Fatalf("the record's documents: %+v, %v", rec.Documents, err)
		}

		subs := store.NewSubmissions(tbl)
		stale := b
		if _, err := repo.Update(ctx, "H-1", "DOC-B", func(d *documents.Document) error { d.Name = "renamed.pdf"; return nil }); err != nil {
			t.Fatal(err)
		}
		err = subs.Create(ctx, submissionFixture("SUB-X", "H-1", t0), []documents.Document{a, stale})
		if !errors.Is(err, submissions.ErrDocumentChanged) {
			t.Fatalf("attaching a stale document: %v, want ErrDocumentChanged", err)
		}
		if _, err := subs.Get(ctx, "SUB-X"); !errors.Is(err, submissions.ErrNotFound) {
			t.Fatalf("the refused submission was written: %v", err)
		}
		if got, _ := repo.Get(ctx, "H-1", "DOC-A"); got.SubmissionID != "" {
			t.Fatalf("DOC-A attached by a refused write: %+v", got)
		}
		if err := subs.Create(ctx, submissionFixture("SUB-Y", "H-1", t0), []documents.Document{a}); err != nil {
			t.Fatal(err)
		}
		if got, _ := repo.Get(ctx, "H-1", "DOC-A"); got.SubmissionID != "SUB-Y" || got.Version != 2 {
			t.Fatalf("DOC-A after attaching: %+v", got)
		}
		if err := repo.Delete(ctx, "H-1", "DOC-A", false); !errors.Is(err, documents.ErrAttached) {
			t.Fatalf("deleting an attached document: %v", err)
		}
		if err := repo.Delete(ctx, "H-1", "DOC-B", false); err != nil {
			t.Fatal(err)
		}
		if err := repo.Delete(ctx, "H-1", "DOC-B", false); err != nil {
			t.Fatalf("deleting again: %v", err)
		}
		if err := repo.Delete(ctx, "H-1", "DOC-A", true); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.Get(ctx, "H-1", "DOC-A"); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("after deleting: %v", err)
		}

		short := doc("DOC-C")
		short.KeepUntil = now.Add(time.Hour)
		if err := repo.Create(ctx, short); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		if _, err := repo.Get(ctx, "H-1", "DOC-C"); !errors.Is(err, documents.ErrNotFound) {
			t.Fatalf("past its keepUntil: %v", err)
		}
	})
}

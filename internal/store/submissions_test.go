package store_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

func submissionFixture(id, holderID string, at time.Time) submissions.Submission {
	on := time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)
	return submissions.Submission{ID: id, HolderID: holderID, HolderEmail: "ana@example.com", HolderName: "Ana Lima",
		RenewalYear: 2028, Status: submissions.Received, SubmittedAt: at, UpdatedAt: at, Version: 1,
		Items: []submissions.Item{{
			Activity: credits.Activity{ID: id + "-1", Source: credits.SelfReported, Kind: "association_course", Title: "Leasing",
				Organisation: "Chapter", Date: on, Hours: cec.Hours(150), Compliance: true,
				DocumentationType: "certificate_of_completion", DocumentationRef: "cert-1"},
			Verdict: credits.Verdict{ActivityID: id + "-1", Kind: "association_course", Category: "association",
				Status: credits.Counted, Hours: cec.Hours(150), Counts: cec.Hours(150)},
			Decision: submissions.Pending}},
		History: []submissions.Transition{{At: at, By: "sub-ana", To: submissions.Received, Reason: "submitted"}}}
}

func TestSubmissions_Repository(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		h := holderFixture("H-1", "sub-1", "ana@example.com")
		if err := store.NewAccounts(tbl).CreateHolder(ctx, h); err != nil {
			t.Fatal(err)
		}
		repo := store.NewSubmissions(tbl)
		s := submissionFixture("SUB-1", "H-1", t0)
		msg, _ := outbox.New(submissions.Queue, submissions.Step{SubmissionID: "SUB-1"})
		msg.CreatedAt = t0
		if err := repo.Create(ctx, s, nil, msg); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "SUB-1")
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Fatalf("round trip:\n got %+v %v\nwant %+v", got, err, s)
		}
		if p, err := store.NewOutbox(tbl).Pending(ctx, t0.Add(time.Second), 10); err != nil || len(p) != 1 || p[0].ID != msg.ID {
			t.Fatalf("outbox %+v %v", p, err)
		}
		if _, err := repo.Get(ctx, "SUB-none"); !errors.Is(err, submissions.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}

		t.Run("OneOpenPerYear", func(t *testing.T) {
			err := repo.Create(ctx, submissionFixture("SUB-2", "H-1", t0), nil)
			if !errors.Is(err, submissions.ErrOpen) {
				t.Fatalf("got %v, want ErrOpen", err)
			}
			if _, err := repo.Get(ctx, "SUB-2"); !errors.Is(err, submissions.ErrNotFound) {
				t.Fatalf("refused submission was written: %v", err)
			}
		})

		// Pending activities are in the record's submissions, not in what counts.
		rec, err := repo.Record(ctx, "H-1")
		if err != nil || len(rec.Submissions) != 1 || len(rec.Activities) != 0 || rec.Holder.ID != "H-1" {
			t.Fatalf("record %+v %v", rec, err)
		}

		at := t0.Add(time.Hour)
		upd, err := repo.Update(ctx, "SUB-1", func(s *submissions.Submission) ([]outbox.Message, error) {
			s.History = append(s.History, submissions.Transition{At: at, By: "system", From: s.Status, To: submissions.InReview})
			s.Status, s.Audit = submissions.InReview, true
			return nil, nil
		})
		if err != nil || upd.Version != 2 || upd.Status != submissions.InReview {
			t.Fatalf("update: %+v %v", upd, err)
		}
		queue, _, err := repo.ByStatus(ctx, submissions.InReview, submissions.Page{})
		if err != nil || len(queue) != 1 || queue[0].ID != "SUB-1" || !queue[0].Audit {
			t.Fatalf("queue %+v %v", queue, err)
		}
		if _, err := repo.Update(ctx, "SUB-1", func(*submissions.Submission) ([]outbox.Message, error) {
			return nil, submissions.ErrNoChange
		}); !errors.Is(err, submissions.ErrNoChange) {
			t.Fatalf("no change: %v", err)
		}

		_, err = repo.Update(ctx, "SUB-1", func(s *submissions.Submission) ([]outbox.Message, error) {
			s.History = append(s.History, submissions.Transition{At: at.Add(time.Hour), By: "sub-staff", From: s.Status, To: submissions.Approved})
			s.Status = submissions.Approved
			s.Items[0].Decision = submissions.ActivityApprove
			s.Result = &submissions.Result{Met: true, Required: cec.Of(6), Counted: cec.Of(6)}
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if q, _, _ := repo.ByStatus(ctx, submissions.InReview, submissions.Page{}); len(q) != 0 {
			t.Fatalf("decided submission still queued: %+v", q)
		}
		// Approved activities count on the transcript, with their documentation.
		_, acts, err := store.NewTranscript(tbl).Records(ctx, "H-1")
		if err != nil || len(acts) != 1 || acts[0].ID != "SUB-1-1" || acts[0].Source != credits.SelfReported ||
			acts[0].DocumentationRef != "cert-1" || acts[0].Hours != cec.Hours(150) {
			t.Fatalf("records %+v %v", acts, err)
		}
		// Decided, the year is open again.
		if err := repo.Create(ctx, submissionFixture("SUB-3", "H-1", at), nil); err != nil {
			t.Fatalf("create after decision: %v", err)
		}
		if _, err := repo.Record(ctx, "H-none"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("record of nobody: %v", err)
		}
		if _, _, err := repo.ByStatus(ctx, submissions.InReview, submissions.Page{Cursor: "bogus"}); err == nil ||
			!strings.Contains(err.Error(), "cursor") {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

// A holder's own submissions come from the holder's partition, one page at
// a time, and only theirs (GET /holders/me/submissions).
func TestSubmissions_ByHolder(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		for _, h := range []accounts.Holder{holderFixture("H-1", "sub-1", "ana@example.com"), holderFixture("H-2", "sub-2", "bo@example.com")} {
			if err := store.NewAccounts(tbl).CreateHolder(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		repo := store.NewSubmissions(tbl)
		for i, id := range []string{"SUB-A", "SUB-B", "SUB-C"} {
			s := submissionFixture(id, "H-1", t0.Add(time.Duration(i)*time.Hour))
			s.RenewalYear = 2026 + i // one open submission per year
			if err := repo.Create(ctx, s, nil); err != nil {
				t.Fatal(err)
			}
		}
		other := submissionFixture("SUB-X", "H-2", t0)
		if err := repo.Create(ctx, other, nil); err != nil {
			t.Fatal(err)
		}
		var ids []string
		cursor := ""
		for range 10 {
			page, next, err := repo.ByHolder(ctx, "H-1", submissions.Page{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				ids = append(ids, s.ID)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if got := strings.Join(ids, ","); got != "SUB-A,SUB-B,SUB-C" {
			t.Fatalf("H-1's submissions %s, want SUB-A,SUB-B,SUB-C", got)
		}
		if none, _, err := repo.ByHolder(ctx, "H-9", submissions.Page{}); err != nil || len(none) != 0 {
			t.Fatalf("a holder with none: %v, %v", none, err)
		}
	})
}

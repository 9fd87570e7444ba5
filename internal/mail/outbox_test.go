package mail_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/mail"
)

const sender = "portal@cecportal.test"

func verifiedOutbox(t *testing.T, opts ...mail.OutboxOption) *mail.Outbox {
	t.Helper()
	o := openOutbox(t, filepath.Join(t.TempDir(), "local.db"), opts...)
	if err := o.Verify(context.Background(), sender); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOutbox_ListNewestFirst(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	o := verifiedOutbox(t, mail.WithNow(func() time.Time { return now }))
	var ids []string
	for _, subject := range []string{"one", "two", "three"} {
		id, err := o.Send(ctx, mail.Message{From: sender, To: []string{"ann@example.test"}, Subject: subject, Text: "t"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		now = now.Add(time.Minute)
	}
	all, err := o.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].ID != ids[2] || all[2].ID != ids[0] {
		t.Fatalf("List(0) = %+v, want the three newest first", all)
	}
	if want := time.Date(2026, 5, 1, 8, 2, 0, 0, time.UTC); !all[0].At.Equal(want) {
		t.Errorf("newest captured at %v, want %v", all[0].At, want)
	}
	two, err := o.List(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(two) != 2 || two[0].Subject != "three" || two[1].Subject != "two" {
		t.Errorf("List(2) = %+v, want three and two", two)
	}
}

func TestOutbox_Get(t *testing.T) {
	o := verifiedOutbox(t)
	if _, err := o.Get(context.Background(), "0000000000000001-nothing"); !errors.Is(err, mail.ErrNotFound) {
		t.Errorf("Get of an unknown ID = %v, want ErrNotFound", err)
	}
}

func TestOutbox_Verify(t *testing.T) {
	ctx := context.Background()
	o := openOutbox(t, filepath.Join(t.TempDir(), "local.db"))
	for _, bad := range []string{"", "Portal <portal@cecportal.test>", "not a domain", "localhost"} {
		if err := o.Verify(ctx, bad); err == nil {
			t.Errorf("Verify(%q) succeeded", bad)
		}
	}
	if err := o.Verify(ctx, "Portal@CECPortal.test"); err != nil {
		t.Fatal(err)
	}
	send := func(from string) error {
		_, err := o.Send(ctx, mail.Message{From: from, To: []string{"ann@example.test"}, Subject: "s", Text: "t"})
		return err
	}
	if err := send("Portal@cecportal.TEST"); err != nil {
		t.Errorf("domain case must not matter: %v", err)
	}
	if err := send("portal@cecportal.test"); !errors.Is(err, mail.ErrRejected) {
		t.Errorf("another local part = %v, want ErrRejected", err)
	}
}

// The outbox survives a restart and keeps to its "mail:" buckets in a file
// other adapters share.
func TestOutbox_File(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "local.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := mail.NewOutbox(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Verify(ctx, sender); err != nil {
		t.Fatal(err)
	}
	id, err := o.Send(ctx, mail.Message{From: sender, To: []string{"ann@example.test"}, Subject: "kept", Text: "t"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o, err = mail.NewOutbox(db)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := o.Get(ctx, id); err != nil || c.Subject != "kept" {
		t.Errorf("after reopening, Get = %+v, %v", c, err)
	}
	if _, err := o.Send(ctx, mail.Message{From: sender, To: []string{"ann@example.test"}, Subject: "s", Text: "t"}); err != nil {
		t.Errorf("the sender's verification was lost: %v", err)
	}
	db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			if !strings.HasPrefix(string(name), mail.BucketPrefix) {
				t.Errorf("bucket %q lacks the %q prefix", name, mail.BucketPrefix)
			}
			return nil
		})
	})
}

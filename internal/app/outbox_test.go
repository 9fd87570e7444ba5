package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/app/mailapp"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/queue"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/testkit"
)

// unreachable is a mail queue that cannot be reached: SQS is down, or the
// Lambda died between the commit and the send.
type unreachable struct{ calls atomic.Int32 }

func (u *unreachable) Send(context.Context, string) (string, error) {
	u.calls.Add(1)
	return "", errors.New("sqs: dial tcp: connection refused")
}

// TestAccounts_CrashBetweenCommitAndSend checks the outbox's guarantee: a
// crash half-way through a request loses nothing. The holder is committed
// with its welcome job while the mail queue is unreachable; the relay later
// sends the job exactly once, and the mailer sends exactly one email however
// often the queue delivers it.
func TestAccounts_CrashBetweenCommitAndSend(t *testing.T) {
	ctx := context.Background()
	db := testkit.TempBolt(t, testkit.Fsync)
	qs, err := queue.OpenEmbedded(db,
		queue.Config{Name: notify.Queue, VisibilityTimeout: 30 * time.Second, MaxReceives: 5, DeadLetter: notify.Queue + "-dlq"},
		queue.Config{Name: notify.Queue + "-dlq", VisibilityTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mailQueue, err := qs.Queue(notify.Queue)
	if err != nil {
		t.Fatal(err)
	}
	depth := func() (visible, inFlight int) {
		t.Helper()
		v, f, err := qs.Depth(notify.Queue)
		if err != nil {
			t.Fatal(err)
		}
		return v, f
	}

	// The accounts-api Lambda, whose send fails, and the outbox-relay Lambda,
	// which reaches the queue, on the same table.
	down := &unreachable{}
	api := newDeps(t, db, map[string]outbox.Sender{notify.Queue: down})
	relayDeps := newDeps(t, db, map[string]outbox.Sender{notify.Queue: mailQueue})
	pending := func() []outbox.Message {
		t.Helper()
		msgs, err := store.NewOutbox(relayDeps.Table).Pending(ctx, time.Now().Add(time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}

	ana := identity.Caller{Sub: "sub-ana", Email: "ana@example.com", Roles: []string{identity.RoleHolder}}
	holder, err := api.Accounts().CreateHolder(ctx, ana, accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "ana@example.com"})
	if err != nil {
		t.Fatalf("CreateHolder while the queue is down = %v, want success (the commit is durable)", err)
	}
	welcomeID := "welcome:holder:" + holder.ID

	mustRun(t, "CommittedButNotSent", func(t *testing.T) {
		if n := down.calls.Load(); n != 1 {
			t.Errorf("CreateHolder tried the queue %d times, want 1", n)
		}
		got, err := relayDeps.Accounts().MyHolder(ctx, ana)
		if err != nil || got.ID != holder.ID {
			t.Fatalf("MyHolder after the crash = %v, %v; want holder %s", got.ID, err, holder.ID)
		}
		if v, f := depth(); v+f != 0 {
			t.Fatalf("mail queue holds %d visible + %d in flight, want nothing", v, f)
		}
		msgs := pending()
		if len(msgs) != 1 || msgs[0].Queue != notify.Queue || jobOf(t, msgs[0].Body).ID != welcomeID {
			t.Fatalf("outbox holds %+v, want the one welcome job %s", msgs, welcomeID)
		}
	})

	mustRun(t, "SweepWaitsForGrace", func(t *testing.T) {
		// A fresh entry may belong to a Dispatch still in flight.
		n, err := relayDeps.Relay().Sweep(ctx)
		if err != nil || n != 0 {
			t.Fatalf("Sweep within the grace period sent %d, %v; want 0", n, err)
		}
	})

	relay := relayDeps.Relay().WithGrace(0)
	mustRun(t, "SweepSendsOnce", func(t *testing.T) {
		n, err := relay.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("Sweep sent %d, %v; want 1", n, err)
		}
		if msgs := pending(); len(msgs) != 0 {
			t.Fatalf("outbox still holds %+v after the sweep", msgs)
		}
		if n, err := relay.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("second Sweep sent %d, %v; want 0", n, err)
		}
		if v, f := depth(); v != 1 || f != 0 {
			t.Fatalf("mail queue holds %d visible + %d in flight, want 1 visible", v, f)
		}
	})

	t.Run("OneEmailHoweverOftenDelivered", func(t *testing.T) {
		const from = "cec@example.org"
		ses, err := mail.NewOutbox(db)
		if err != nil {
			t.Fatal(err)
		}
		if err := ses.Verify(ctx, from); err != nil {
			t.Fatal(err)
		}
		mailer, err := mailapp.Mailer(relayDeps, ses, from, nil)
		if err != nil {
			t.Fatal(err)
		}
		handler := consumer.Handler("mail", mailer.Handle, relayDeps.Log)

		// First delivery: the mail goes, but the acknowledgement is lost
		// (the consumer dies before deleting), so the message comes back.
		msgs, err := mailQueue.Receive(ctx, queue.MaxBatch, 0)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Receive = %d messages, %v; want 1", len(msgs), err)
		}
		if job := jobOf(t, msgs[0].Body); job.ID != welcomeID || job.Template != "welcome_holder" || !slices.Equal(job.To, []string{"ana@example.com"}) {
			t.Fatalf("queued job %+v, want %s to ana@example.com", job, welcomeID)
		}
		if err := mailer.Handle(ctx, msgs[0].Body); err != nil {
			t.Fatalf("first delivery: %v", err)
		}
		if err := mailQueue.ChangeVisibility(ctx, msgs[0].ReceiptHandle, 0); err != nil {
			t.Fatal(err)
		}

		// Second delivery, through the poller as the local stack and Lambda do.
		poller := queue.NewPoller(mailQueue, queue.Handler(handler), queue.PollerOptions{Logger: relayDeps.Log})
		if n, err := poller.PollOnce(ctx); err != nil || n != 1 {
			t.Fatalf("redelivery: PollOnce = %d, %v; want 1 message handled", n, err)
		}
		if v, f := depth(); v+f != 0 {
			t.Fatalf("after the redelivery the queue holds %d visible + %d in flight, want nothing (acknowledged)", v, f)
		}
		if v, f, err := qs.Depth(notify.Queue + "-dlq"); err != nil || v+f != 0 {
			t.Fatalf("dead-letter queue holds %d + %d (%v), want nothing", v, f, err)
		}

		emails, err := ses.List(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(emails) != 1 {
			t.Fatalf("%d emails sent, want exactly 1: %+v", len(emails), emails)
		}
		e := emails[0]
		if !slices.Equal(e.To, []string{"ana@example.com"}) || e.From != from || !strings.Contains(e.Text, holder.ID) {
			t.Fatalf("welcome email %+v, want one from %s to ana@example.com naming %s", e, from, holder.ID)
		}
	})
}

func jobOf(t *testing.T, body string) notify.Job {
	t.Helper()
	var j notify.Job
	if err := json.Unmarshal([]byte(body), &j); err != nil {
		t.Fatalf("queued body %q is not a mail job: %v", body, err)
	}
	return j
}

// mustRun runs a step of a sequence; the later steps make no sense after a failed one.
func mustRun(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

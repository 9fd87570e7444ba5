package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/queue"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// failingWrites is a table whose writes fail, as DynamoDB's do when
// throttled past the SDK's retries.
type failingWrites struct{ table.Table }

func (failingWrites) Write(context.Context, ...table.Op) error {
	return errors.New("dynamodb: ProvisionedThroughputExceededException")
}

// TestRenewals_CredentialsThroughTheOutbox: staff record a holder's
// credentials after the 2027 invoices went out, and the accounts API dies
// between its commit and the send. The renewals message was written with
// the change; the relay's sweep sends it; RenewalIssuer, the consumer of
// that queue, reports a failed attempt so that the message comes back, and
// issues the invoice once however often the message is delivered.
func TestRenewals_CredentialsThroughTheOutbox(t *testing.T) {
	ctx := context.Background()
	fn, ok := app.FunctionByID("RenewalIssuer")
	if !ok || fn.Kind != app.Consumer || fn.Queue != accounts.RenewalsQueue {
		t.Fatalf("RenewalIssuer is %+v, %v; want the consumer of %s", fn, ok, accounts.RenewalsQueue)
	}
	db := testkit.TempBolt(t, testkit.Fsync)
	qs, err := queue.OpenEmbedded(db,
		queue.Config{Name: fn.Queue, VisibilityTimeout: 30 * time.Second, MaxReceives: 5, DeadLetter: fn.Queue + "-dlq"},
		queue.Config{Name: fn.Queue + "-dlq", VisibilityTimeout: 30 * time.Second},
		queue.Config{Name: notify.Queue, VisibilityTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var qmu sync.Mutex
	qnow := time.Now()
	qs.Now = func() time.Time { qmu.Lock(); defer qmu.Unlock(); return qnow }
	later := func(d time.Duration) { qmu.Lock(); qnow = qnow.Add(d); qmu.Unlock() } // visibility timeouts pass
	renewalsQueue, err := qs.Queue(fn.Queue)
	if err != nil {
		t.Fatal(err)
	}
	mailQueue, err := qs.Queue(notify.Queue)
	if err != nil {
		t.Fatal(err)
	}
	depth := func() (visible, inFlight int) {
		t.Helper()
		v, f, err := qs.Depth(fn.Queue)
		if err != nil {
			t.Fatal(err)
		}
		return v, f
	}

	// 2 November 2026: the 2027 invoices are out.
	clk := testkit.SettableAt(time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC))
	down := &unreachable{}
	api := newDeps(t, db, map[string]outbox.Sender{fn.Queue: down, notify.Queue: down})
	relayDeps := newDeps(t, db, map[string]outbox.Sender{fn.Queue: renewalsQueue, notify.Queue: mailQueue})
	api.Clock, relayDeps.Clock = clk, clk
	pending := func() []outbox.Message {
		t.Helper()
		msgs, err := store.NewOutbox(relayDeps.Table).Pending(ctx, time.Now().Add(time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []outbox.Message
		for _, m := range msgs {
			if m.Queue == fn.Queue {
				out = append(out, m)
			}
		}
		return out
	}

	ana := identity.Caller{Sub: "sub-ana", Email: "ana@example.com", Roles: []string{identity.RoleHolder}}
	staff := identity.Caller{Sub: "sub-staff", Roles: []string{identity.RoleStaff}}
	h, err := api.Accounts().CreateHolder(ctx, ana, accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "ana@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Accounts().SetCredentials(ctx, staff, h.ID, accounts.CredentialsUpdate{Membership: accounts.Member,
		Credentials: []accounts.Credential{{Code: "CAM", EarnedOn: "2020-06-01"}}}); err != nil {
		t.Fatalf("SetCredentials while the queue is down = %v, want success (the commit is durable)", err)
	}
	invoices := relayDeps.Renewals(nil).Store
	invoice := func() (renewals.Invoice, bool) {
		t.Helper()
		inv, err := invoices.Get(ctx, renewals.InvoiceID(h.ID, 2027))
		if errors.Is(err, renewals.ErrNotFound) {
			return renewals.Invoice{}, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return inv, true
	}

	mustRun(t, "CommittedWithTheChange", func(t *testing.T) {
		msgs := pending()
		if len(msgs) != 1 {
			t.Fatalf("outbox holds %+v, want one renewals message", msgs)
		}
		if m, err := accounts.ParseCredentialsSet(msgs[0].Body); err != nil || m.HolderID != h.ID {
			t.Fatalf("renewals message %q: %+v, %v", msgs[0].Body, m, err)
		}
		if v, f := depth(); v+f != 0 {
			t.Fatalf("renewals queue holds %d + %d, want nothing (the send failed)", v, f)
		}
		if inv, ok := invoice(); ok {
			t.Fatalf("an invoice before the message was delivered: %+v", inv)
		}
	})

	mustRun(t, "SweepSends", func(t *testing.T) {
		if _, err := relayDeps.Relay().WithGrace(0).Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if msgs := pending(); len(msgs) != 0 {
			t.Fatalf("outbox still holds %+v", msgs)
		}
		if v, f := depth(); v != 1 || f != 0 {
			t.Fatalf("renewals queue holds %d visible + %d in flight, want 1 visible", v, f)
		}
	})

	mustRun(t, "FailureComesBack", func(t *testing.T) {
		broken := relayDeps
		broken.Table = failingWrites{relayDeps.Table}
		handler := consumer.Handler(fn.Queue, broken.Renewals(nil).CredentialsSet, relayDeps.Log)
		poller := queue.NewPoller(renewalsQueue, queue.Handler(handler), queue.PollerOptions{Logger: relayDeps.Log})
		if n, err := poller.PollOnce(ctx); err != nil || n != 1 {
			t.Fatalf("PollOnce = %d, %v; want 1 message handled", n, err)
		}
		if v, f := depth(); v != 0 || f != 1 {
			t.Fatalf("after a failure the queue holds %d visible + %d in flight, want the message in flight (not deleted)", v, f)
		}
		if inv, ok := invoice(); ok {
			t.Fatalf("an invoice from a failed write: %+v", inv)
		}
		later(31 * time.Second)
		if v, _ := depth(); v != 1 {
			t.Fatalf("%d visible after the visibility timeout, want the message back", v)
		}
	})

	mustRun(t, "OnceHoweverOftenDelivered", func(t *testing.T) {
		svc := relayDeps.Renewals(nil)
		// A delivery that issues the invoice, but whose acknowledgement is
		// lost: the message comes back.
		msgs, err := renewalsQueue.Receive(ctx, queue.MaxBatch, 0)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Receive = %d messages, %v; want 1", len(msgs), err)
		}
		if err := svc.CredentialsSet(ctx, msgs[0].Body); err != nil {
			t.Fatal(err)
		}
		first, ok := invoice()
		if !ok || first.TotalCents != 12500 || first.Credentials[0] != "CAM" {
			t.Fatalf("invoice %+v, %v", first, ok)
		}
		later(31 * time.Second)
		clk.Set(time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC))
		poller := queue.NewPoller(renewalsQueue, queue.Handler(consumer.Handler(fn.Queue, svc.CredentialsSet, relayDeps.Log)),
			queue.PollerOptions{Logger: relayDeps.Log})
		if n, err := poller.PollOnce(ctx); err != nil || n != 1 {
			t.Fatalf("redelivery: PollOnce = %d, %v; want 1", n, err)
		}
		if v, f := depth(); v+f != 0 {
			t.Fatalf("after the redelivery the queue holds %d + %d, want nothing", v, f)
		}
		if again, _ := invoice(); !again.IssuedAt.Equal(first.IssuedAt) || again.Version != first.Version {
			t.Fatalf("the redelivery changed the invoice: %+v, was %+v", again, first)
		}
		if v, f, err := qs.Depth(fn.Queue + "-dlq"); err != nil || v+f != 0 {
			t.Fatalf("dead-letter queue holds %d + %d (%v), want nothing", v, f, err)
		}
	})
}

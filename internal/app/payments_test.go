package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/stripepay"
	"github.com/cecportal/cecportal/internal/testkit"
)

const testSecret = "whsec_app_test_secret"

// capturing is a queue that keeps what it was sent.
type capturing struct {
	mu     sync.Mutex
	bodies []string
}

func (c *capturing) Send(_ context.Context, body string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodies = append(c.bodies, body)
	return "m", nil
}

func (c *capturing) sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bodies...)
}

// feeDueProgram writes a program waiting for its 300.00 USD fee.
func feeDueProgram(t *testing.T, d app.Deps, id string) string {
	t.Helper()
	now := time.Now().UTC()
	inv := programs.InvoiceID(id, 1)
	p := programs.Program{ID: id, ProviderID: "PRV-1", ProviderName: "Acme", ProviderEmail: "desk@acme.example",
		Content: programs.Content{Title: "Ethics"}, Status: programs.FeeDue, Submission: 1, Validated: 1,
		SubmittedAt: now, CreatedAt: now, UpdatedAt: now, Version: 1,
		Fee: &programs.Fee{InvoiceID: inv, AmountCents: 30000, Currency: "USD", CECs: 600, PerCECCents: 5000,
			Status: programs.FeeOpen, IssuedAt: now},
		History: []programs.Transition{{At: now, By: "system", From: programs.Submitted, To: programs.FeeDue, Reason: "invoiced"}}}
	if err := store.NewPrograms(d.Table).Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return inv
}

func signed(t *testing.T, sim stripepay.Simulated) ([]byte, string) {
	t.Helper()
	payload, header, err := stripepay.SignedEvent(sim, testSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return payload, header
}

func getProgram(t *testing.T, d app.Deps, id string) programs.Program {
	t.Helper()
	p, err := store.NewPrograms(d.Table).Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPayments_SameEventThreeTimesConcurrently: three concurrent deliveries
// of one event queue it once, and three concurrent settlements of it change
// the program once, on the real embedded store.
func TestPayments_SameEventThreeTimesConcurrently(t *testing.T) {
	ctx := context.Background()
	q := &capturing{}
	d := newDeps(t, testkit.TempBolt(t, testkit.Fsync), map[string]outbox.Sender{payments.Queue: q})
	inv := feeDueProgram(t, d, "PRG-RACE")
	payload, header := signed(t, stripepay.Simulated{Reference: "cs_race", InvoiceID: inv, AmountCents: 30000, Currency: "USD"})
	hook := d.PaymentWebhook(stripepay.Verifier{Secret: secrets.Value(testSecret)})

	receipts := make([]payments.Receipt, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { receipts[i], errs[i] = hook.Receive(ctx, payload, header) })
	}
	wg.Wait()
	queued := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Fatalf("delivery %d: %v", i, errs[i])
		}
		if receipts[i].Queued {
			queued++
		}
	}
	bodies := q.sent()
	if queued != 1 || len(bodies) != 1 {
		t.Fatalf("queued %d times, %d messages sent; want 1 and 1 (%+v)", queued, len(bodies), receipts)
	}

	settler := d.PaymentSettler()
	for i := range 3 {
		wg.Go(func() { errs[i] = settler.Settle(ctx, bodies[0]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("settlement %d: %v", i, err)
		}
	}
	p := getProgram(t, d, "PRG-RACE")
	if p.Status != programs.InReview || p.Fee.Status != programs.FeePaid || len(p.Fee.Payments) != 1 || len(p.History) != 3 || p.Version != 2 {
		t.Fatalf("after three settlements: status %s, fee %s, payments %+v, history %d, version %d",
			p.Status, p.Fee.Status, p.Fee.Payments, len(p.History), p.Version)
	}
}

// TestPayments_Settle covers what a settled event does to the fee.
func TestPayments_Settle(t *testing.T) {
	ctx := context.Background()
	deliver := func(t *testing.T, d app.Deps, q *capturing, sim stripepay.Simulated) {
		t.Helper()
		payload, header := signed(t, sim)
		if _, err := d.PaymentWebhook(stripepay.Verifier{Secret: secrets.Value(testSecret)}).Receive(ctx, payload, header); err != nil {
			t.Fatal(err)
		}
		bodies := q.sent()
		if err := d.PaymentSettler().Settle(ctx, bodies[len(bodies)-1]); err != nil {
			t.Fatal(err)
		}
	}
	setup := func(t *testing.T, id string) (app.Deps, *capturing, string) {
		q := &capturing{}
		d := newDeps(t, testkit.TempBolt(t, testkit.Fsync), map[string]outbox.Sender{payments.Queue: q})
		return d, q, feeDueProgram(t, d, id)
	}

	t.Run("AmountMismatch", func(t *testing.T) {
		d, q, inv := setup(t, "PRG-SHORT")
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: inv, AmountCents: 100, Currency: "USD"})
		p := getProgram(t, d, "PRG-SHORT")
		if p.Status != programs.FeeDue || p.Fee.Status != programs.FeeOpen || p.Fee.Flag != programs.FlagMismatch ||
			len(p.Fee.Payments) != 1 || p.Fee.Payments[0].Kind != programs.PaymentMismatch {
			t.Fatalf("after a short payment: %s, fee %+v", p.Status, p.Fee)
		}
	})
	t.Run("CurrencyMismatch", func(t *testing.T) {
		d, q, inv := setup(t, "PRG-EUR")
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: inv, AmountCents: 30000, Currency: "EUR"})
		if p := getProgram(t, d, "PRG-EUR"); p.Fee.Status != programs.FeeOpen || p.Fee.Flag != programs.FlagMismatch {
			t.Fatalf("after a payment in EUR: fee %+v", p.Fee)
		}
	})
	t.Run("FailureThenSuccess", func(t *testing.T) {
		d, q, inv := setup(t, "PRG-RETRY")
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: inv, AmountCents: 30000, Currency: "USD", Failed: true})
		if p := getProgram(t, d, "PRG-RETRY"); p.Status != programs.FeeDue || p.Fee.Status != programs.FeeOpen ||
			len(p.Fee.Payments) != 1 || p.Fee.Payments[0].Kind != programs.PaymentFailed {
			t.Fatalf("after a failure: %s, fee %+v", p.Status, p.Fee)
		}
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: inv, AmountCents: 30000, Currency: "USD"})
		if p := getProgram(t, d, "PRG-RETRY"); p.Status != programs.InReview || p.Fee.Status != programs.FeePaid {
			t.Fatalf("success after a failure: %s, fee %s", p.Status, p.Fee.Status)
		}
	})
	t.Run("SuccessThenFailure", func(t *testing.T) {
		d, q, inv := setup(t, "PRG-LATE")
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: inv, AmountCents: 30000, Currency: "USD"})
		before := getProgram(t, d, "PRG-LATE")
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: inv, AmountCents: 30000, Currency: "USD", Failed: true})
		after := getProgram(t, d, "PRG-LATE")
		// Recorded in the fee's payments (issue 13), and nothing else changes.
		if after.Status != programs.InReview || after.Fee.Status != programs.FeePaid || len(after.Fee.Payments) != len(before.Fee.Payments)+1 ||
			after.Fee.Payments[len(after.Fee.Payments)-1].Kind != programs.PaymentFailed || after.Fee.PaidAt != before.Fee.PaidAt {
			t.Fatalf("failure after a success: %s, fee %s, payments %+v", after.Status, after.Fee.Status, after.Fee.Payments)
		}
	})
	t.Run("UnknownInvoiceAcknowledged", func(t *testing.T) {
		d, q, _ := setup(t, "PRG-X")
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: programs.InvoiceID("PRG-GONE", 1), AmountCents: 1, Currency: "USD"})
		deliver(t, d, q, stripepay.Simulated{Reference: "cs_1", InvoiceID: "REN-2027-H1", AmountCents: 1, Currency: "USD"})
	})
}

package attendance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// deliver hands every queued message on as the queues would: crediting
// messages to the service (kept in steps, to be delivered again by a
// test), mail jobs returned as "template to".
func (w *world) deliver(t *testing.T, steps *[]outbox.Message) []string {
	t.Helper()
	var mails []string
	for msgs := w.q.Take(); len(msgs) > 0; msgs = w.q.Take() {
		for _, m := range msgs {
			switch m.Queue {
			case attendance.Queue:
				if steps != nil {
					*steps = append(*steps, m)
				}
				if err := w.svc.CreditChunk(context.Background(), m.Body); err != nil {
					t.Fatal(err)
				}
			case notify.Queue:
				var j notify.Job
				if err := json.Unmarshal([]byte(m.Body), &j); err != nil {
					t.Fatal(err)
				}
				mails = append(mails, j.Template+" "+j.To[0])
			}
		}
	}
	return mails
}

// fee is an upload's filing fee as its result shows it (nil: none).
func (w *world) fee(t *testing.T, c identity.Caller, uploadID string) (*attendance.FilingInvoice, error) {
	t.Helper()
	st, err := w.svc.Result(context.Background(), c, w.program.ID, uploadID, attendance.Page{Limit: 1})
	return st.Fee, err
}

func (w *world) credits(t *testing.T, name string) int {
	t.Helper()
	page, err := w.tbl.Query(context.Background(), table.Query{PK: "HOLDER#" + w.holders[name].ID, Op: table.SKBeginsWith, Value: "CREDIT#"})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

// TestService_FilingFees: reported on 31 August 2021 (the default policy
// charges $5 a member, $10 a guest), Ana (member) and Bo (guest) are held
// until the $15.00 invoice is paid, then credited once, however often the
// payment and the release are delivered.
func TestService_FilingFees(t *testing.T) {
	ctx := context.Background()
	w := newWorldOn(t, time.Date(2021, 8, 20, 9, 0, 0, 0, time.FixedZone("", -5*3600)))
	w.svc = attendance.NewService(store.NewAttendance(w.tbl), store.NewPrograms(w.tbl), w.acc, &payments.Simulator{BaseURL: "http://local"},
		testkit.Policy(t), w.clk, ids.New, w.q)
	w.clk.Set(time.Date(2021, 8, 31, 15, 0, 0, 0, time.UTC))
	u, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2021-08-20", "Bo,Bo,Berg,2021-08-20", "José,Jose,Nunes,2021-08-20"), false)
	if err != nil {
		t.Fatal(err)
	}
	if mails := w.deliver(t, nil); !slices.Equal(mails, []string{"filing_fee_invoice sub-acme@example.org"}) {
		t.Fatalf("mails %v, want the invoice to the provider", mails)
	}
	if got := verdicts(w.result(t, u.ID).Rows); got != "2:ok 3:ok 4:name_mismatch" {
		t.Fatalf("verdicts %s", got)
	}
	if w.credits(t, "Ana")+w.credits(t, "Bo") != 0 {
		t.Fatal("a held row was credited before the filing fee was paid")
	}
	fee, err := w.fee(t, acme, u.ID)
	if err != nil || fee == nil {
		t.Fatalf("filing fee: %v %v", fee, err)
	}
	inv := *fee
	if inv.ID != "FIL-"+u.ID || inv.AmountCents != 1500 || inv.Members != 1 || inv.Guests != 1 || inv.Status != attendance.FilingOpen ||
		inv.IssuedOn != "2021-08-31" || inv.ProviderEmail != "sub-acme@example.org" {
		t.Fatalf("invoice %+v", inv)
	}
	// Staff see it among the unpaid; another provider does not see it at all.
	open, _, err := w.svc.OpenFilingFees(ctx, staff, attendance.Page{})
	if err != nil || len(open) != 1 || open[0].ID != inv.ID {
		t.Fatalf("open filing fees %+v %v", open, err)
	}
	if mine, _, err := w.svc.MyOpenFilingFees(ctx, acme, attendance.Page{}); err != nil || len(mine) != 1 || mine[0].ID != inv.ID {
		t.Fatalf("the provider's unpaid filing fees %+v %v", mine, err)
	}
	if theirs, _, err := w.svc.MyOpenFilingFees(ctx, other, attendance.Page{}); err != nil || len(theirs) != 0 {
		t.Fatalf("another provider's unpaid filing fees %+v %v", theirs, err)
	}
	if _, err := w.fee(t, other, u.ID); codeOf(err) != "program_not_found" {
		t.Fatalf("another provider: %v", err)
	}
	if _, _, err := w.svc.OpenFilingFees(ctx, acme, attendance.Page{}); codeOf(err) != "forbidden" {
		t.Fatalf("a provider listing every filing fee: %v", err)
	}
	// A held holder is reported: a second upload does not hold them again.
	u2, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2021-08-20"), false)
	if err != nil {
		t.Fatal(err)
	}
	w.deliver(t, nil)
	if rows := w.result(t, u2.ID).Rows; len(rows) != 1 || rows[0].Code != attendance.ReasonAlreadyCredited || !strings.Contains(rows[0].Message, "filing fee is paid") {
		t.Fatalf("second upload %+v", rows)
	}
	if fee, _ := w.fee(t, acme, u2.ID); fee != nil {
		t.Fatal("an upload with nothing accepted has a filing fee")
	}
	// No correction until the credits are issued.
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: attendance.CorrectionRemove, HolderID: w.holders["Bo"].ID, Reason: "left early"})
	wantFaultCode(t, err, fault.Conflict, "filing_fee_unpaid")

	co, withCo, err := w.svc.StartFilingCheckout(ctx, acme, w.program.ID, u.ID)
	if err != nil || co.Reference != "cs_sim_FIL-"+u.ID || withCo.Checkout == nil || withCo.Checkout.Reference != co.Reference {
		t.Fatalf("checkout %+v %+v %v", co, withCo, err)
	}
	if _, _, err := w.svc.StartFilingCheckout(ctx, staff, w.program.ID, u.ID); err == nil {
		t.Fatal("staff started a provider's checkout")
	}
	if _, _, err := w.svc.StartFilingCheckout(ctx, acme, w.program.ID, "UPL-NONE"); codeOf(err) != "upload_not_found" {
		t.Fatalf("checkout of no upload: %v", err)
	}
	// Paid the wrong amount: recorded, flagged, nothing released.
	pay := func(id string, cents int64) (attendance.FilingInvoice, bool) {
		t.Helper()
		inv, changed, err := w.svc.SettleFilingFee(ctx, inv.ID, checkout.Payment{EventID: id, Kind: checkout.Succeeded, Reference: co.Reference, AmountCents: cents, Currency: "usd"})
		if err != nil {
			t.Fatal(err)
		}
		return inv, changed
	}
	if got, changed := pay("evt_1", 1000); !changed || got.Status != attendance.FilingOpen || got.Flag != checkout.FlagMismatch {
		t.Fatalf("a mismatch: %+v", got)
	}
	w.deliver(t, nil)
	if w.credits(t, "Ana")+w.credits(t, "Bo") != 0 {
		t.Fatal("a mismatched payment released the credits")
	}
	// Paid: the receipt and the release, in the same write.
	w.clk.Set(time.Date(2021, 9, 2, 15, 0, 0, 0, time.UTC))
	if got, changed := pay("evt_2", 1500); !changed || got.Status != attendance.FilingPaid {
		t.Fatalf("paid: %+v", got)
	}
	if _, changed := pay("evt_2", 1500); changed {
		t.Fatal("the same event settled twice")
	}
	var steps []outbox.Message
	if mails := w.deliver(t, &steps); !slices.Equal(mails, []string{"receipt sub-acme@example.org"}) {
		t.Fatalf("mails %v, want the receipt", mails)
	}
	// Every release step delivered again credits nobody twice.
	for _, m := range steps {
		if err := w.svc.CreditChunk(ctx, m.Body); err != nil {
			t.Fatal(err)
		}
	}
	if a, b, j := w.credits(t, "Ana"), w.credits(t, "Bo"), w.credits(t, "José"); a != 1 || b != 1 || j != 0 {
		t.Fatalf("credits after the payment: Ana %d, Bo %d, José %d", a, b, j)
	}
	if fee, _ = w.fee(t, acme, u.ID); fee == nil {
		t.Fatal("no filing fee")
	}
	inv = *fee
	if !inv.Released() || len(inv.Payments) != 2 {
		t.Fatalf("released invoice %+v", inv)
	}
	if mine, _, _ := w.svc.MyOpenFilingFees(ctx, acme, attendance.Page{}); len(mine) != 0 {
		t.Fatalf("a paid filing fee is still the provider's to pay: %+v", mine)
	}
	if open, _, _ := w.svc.OpenFilingFees(ctx, staff, attendance.Page{}); len(open) != 0 {
		t.Fatalf("a paid filing fee is still listed as unpaid: %+v", open)
	}
	if _, _, err := w.svc.StartFilingCheckout(ctx, acme, w.program.ID, u.ID); codeOf(err) != "filing_fee_not_due" {
		t.Fatalf("checkout of a paid fee: %v", err)
	}
	// The list of uploads tells each fee's state.
	entries, _, err := w.svc.Uploads(ctx, acme, w.program.ID, attendance.Page{})
	if err != nil || len(entries) != 2 || entries[1].Fee == nil || entries[1].Fee.Status != attendance.FilingPaid || entries[0].Fee != nil {
		t.Fatalf("uploads %+v %v", entries, err)
	}
	// Corrections work once the credits are issued.
	if _, err := w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: attendance.CorrectionRemove, HolderID: w.holders["Bo"].ID, Reason: "left early"}); err != nil {
		t.Fatal(err)
	}
	if w.credits(t, "Bo") != 0 {
		t.Fatal("Bo's credit was not withdrawn")
	}
	// Adding an attendee here would credit them without their fee: they
	// are reported with a new upload.
	_, err = w.svc.Correct(ctx, acme, w.program.ID, u.ID, attendance.NewCorrection{Action: attendance.CorrectionAdd, HolderID: w.holders["Bo"].ID,
		FirstName: "Bo", LastName: "Berg", CompletionDate: "2021-08-20", Reason: "was there after all"})
	wantFaultCode(t, err, fault.Conflict, "filing_fee_applies")
	// The provider's correction window counts from the day the credits
	// were issued (2 September), not from the report (31 August).
	if _, until, err := w.svc.Corrections(ctx, acme, w.program.ID, u.ID); err != nil || until.String() != "2021-10-02" {
		t.Fatalf("correctable until %s (%v), want 2021-10-02", until, err)
	}
}

// TestService_FilingFees_FreeRowsCreditAtOnce: a schedule that charges
// nothing holds nothing and issues no invoice.
func TestService_FilingFees_FreeRowsCreditAtOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorldOn(t, time.Date(2021, 8, 20, 9, 0, 0, 0, time.FixedZone("", -5*3600)))
	w.clk.Set(time.Date(2021, 9, 1, 15, 0, 0, 0, time.UTC))
	u, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv("Ana,Ana,Lima,2021-08-20", "Bo,Bo,Berg,2021-08-20"), false)
	if err != nil {
		t.Fatal(err)
	}
	if mails := w.deliver(t, nil); len(mails) != 0 {
		t.Fatalf("mails %v", mails)
	}
	if w.credits(t, "Ana") != 1 || w.credits(t, "Bo") != 1 {
		t.Fatal("free rows were not credited at once")
	}
	if fee, err := w.fee(t, acme, u.ID); fee != nil || err != nil {
		t.Fatalf("a free upload has a filing fee (%v)", err)
	}
}

// TestService_FilingFees_ReleaseInSteps: more held rows than one release
// step takes are released over several steps, each queued by the one
// before, and every row once.
func TestService_FilingFees_ReleaseInSteps(t *testing.T) {
	ctx := context.Background()
	w := newWorldOn(t, time.Date(2021, 8, 20, 9, 0, 0, 0, time.FixedZone("", -5*3600)))
	kit := testkit.Accounts{Service: w.acc, Staff: staff}
	n := attendance.ChunkRows + 7
	var rows []string
	for i := range n {
		first := fmt.Sprintf("Guest%03d", i)
		w.holders[first] = kit.Holder(t, identity.Caller{Sub: "sub-" + first, Roles: []string{identity.RoleHolder}},
			accounts.NewHolder{FirstName: first, LastName: "Many", Email: strings.ToLower(first) + "@example.com"}, nil)
		rows = append(rows, first+","+first+",Many,2021-08-20")
	}
	w.clk.Set(time.Date(2021, 8, 31, 15, 0, 0, 0, time.UTC))
	u, _, err := w.svc.Report(ctx, acme, w.program.ID, 0, "csv", w.csv(rows...), false)
	if err != nil {
		t.Fatal(err)
	}
	w.deliver(t, nil)
	fee, err := w.fee(t, acme, u.ID)
	if err != nil || fee == nil {
		t.Fatalf("filing fee %v", err)
	}
	inv := *fee
	if inv.Guests != n || inv.AmountCents != int64(n)*1000 {
		t.Fatalf("invoice %+v %v", inv, err)
	}
	if _, _, err := w.svc.SettleFilingFee(ctx, inv.ID, checkout.Payment{EventID: "evt_1", Kind: checkout.Succeeded, Reference: "cs_1",
		AmountCents: inv.AmountCents, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	var steps []outbox.Message
	w.deliver(t, &steps)
	if len(steps) != 2 {
		t.Fatalf("%d release steps, want 2", len(steps))
	}
	for i := range n {
		if c := w.credits(t, fmt.Sprintf("Guest%03d", i)); c != 1 {
			t.Fatalf("Guest%03d has %d credits", i, c)
		}
	}
	if fee, _ = w.fee(t, acme, u.ID); fee == nil || !fee.Released() || fee.ReleaseStep != 2 {
		t.Fatalf("invoice after the release %+v", inv)
	}
}

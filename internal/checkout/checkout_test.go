package checkout_test

import (
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/checkout"
)

func TestDecide(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	open := checkout.Ledger{TotalCents: 12500, Currency: "USD", Quotes: []int64{7500}}
	paid := open
	paid.Paid = true
	seen := open
	seen.Payments = []checkout.Payment{{EventID: "evt_1", Kind: checkout.Failed}}
	pay := func(id string, kind checkout.PaymentKind, cents int64, cur string) checkout.Payment {
		return checkout.Payment{EventID: id, Kind: kind, AmountCents: cents, Currency: cur, Reference: "cs_1"}
	}
	for _, tc := range []struct {
		name   string
		l      checkout.Ledger
		ev     checkout.Payment
		effect checkout.Effect
		kind   checkout.PaymentKind
		flag   string
	}{
		{"TheTotalPays", open, pay("evt_2", checkout.Succeeded, 12500, "usd"), checkout.Pays, checkout.Succeeded, ""},
		{"AQuotedAmountPaysFlagged", open, pay("evt_2", checkout.Succeeded, 7500, "USD"), checkout.Pays, checkout.Succeeded, checkout.FlagQuoted},
		{"AnotherAmountIsAMismatch", open, pay("evt_2", checkout.Succeeded, 100, "USD"), checkout.Recorded, checkout.Mismatch, checkout.FlagMismatch},
		{"AnotherCurrencyIsAMismatch", open, pay("evt_2", checkout.Succeeded, 12500, "EUR"), checkout.Recorded, checkout.Mismatch, checkout.FlagMismatch},
		{"AFailureIsRecorded", open, pay("evt_2", checkout.Failed, 12500, "USD"), checkout.Recorded, checkout.Failed, ""},
		{"AFailureAfterThePaymentIsRecorded", paid, pay("evt_2", checkout.Failed, 12500, "USD"), checkout.Recorded, checkout.Failed, ""},
		{"ARefundIsFlagged", paid, pay("evt_2", checkout.Refunded, 12500, "USD"), checkout.Recorded, checkout.Refunded, checkout.FlagRefunded},
		{"ASecondSuccessChangesNothing", paid, pay("evt_2", checkout.Succeeded, 12500, "USD"), checkout.Unchanged, "", ""},
		{"AnEventSeenBeforeChangesNothing", seen, pay("evt_1", checkout.Succeeded, 12500, "USD"), checkout.Unchanged, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := checkout.Decide(tc.l, tc.ev, now)
			if d.Effect != tc.effect || d.Flag != tc.flag || d.Record.Kind != tc.kind {
				t.Fatalf("decision %+v, want effect %d kind %q flag %q", d, tc.effect, tc.kind, tc.flag)
			}
			if d.Effect != checkout.Unchanged && (!d.Record.At.Equal(now) || d.Record.EventID != tc.ev.EventID) {
				t.Fatalf("record %+v: not the event at now", d.Record)
			}
			if tc.kind == checkout.Mismatch && d.Record.Reason == "" {
				t.Fatal("a mismatch says why")
			}
		})
	}
}

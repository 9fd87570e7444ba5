package payments

import (
	"context"
	"errors"
	"testing"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/programs"
)

// feesAnswering settles every fee with the same error.
type feesAnswering struct{ err error }

func (f feesAnswering) SettleFee(context.Context, string, programs.FeePayment) (programs.Program, bool, error) {
	return programs.Program{}, false, f.err
}

// The queue must see every error that may pass (so the event comes back),
// and only those: an event that can never settle is acknowledged.
func TestSettler_Outcome(t *testing.T) {
	body := `{"id":"evt_1","kind":"succeeded","invoiceId":"INV-PRG-ABC-1","amountCents":100,"currency":"USD"}`
	for _, tc := range []struct {
		name  string
		err   error
		again bool // delivered again
	}{
		{"Settled", nil, false},
		{"NeverSettles", fault.New(fault.NotFound, "invoice_not_found", "no such invoice"), false},
		{"LostContention", &fault.Error{Kind: fault.Conflict, Code: "conflict", Message: "try again", Retry: true}, true},
		{"StoreDown", errors.New("connection refused"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := NewSettler(feesAnswering{tc.err}, nil, nil, nil).Settle(t.Context(), body)
			if got := err != nil; got != tc.again {
				t.Fatalf("Settle = %v; delivered again %v, want %v", err, got, tc.again)
			}
		})
	}
}

// filingRecorder records the filing fee events it is given.
type filingRecorder struct{ got []string }

func (f *filingRecorder) SettleFilingFee(_ context.Context, invoiceID string, ev checkout.Payment) (attendance.FilingInvoice, bool, error) {
	f.got = append(f.got, invoiceID+" "+ev.EventID+" "+string(ev.Kind))
	return attendance.FilingInvoice{}, true, nil
}

// Each invoice goes to the domain that issued it, by its prefix.
func TestSettler_Routes(t *testing.T) {
	filing := &filingRecorder{}
	s := NewSettler(feesAnswering{errors.New("not a program fee")}, nil, filing, nil)
	if err := s.Settle(t.Context(), `{"id":"evt_9","kind":"refunded","invoiceId":"FIL-UPL-123","amountCents":100,"currency":"USD"}`); err != nil {
		t.Fatal(err)
	}
	if len(filing.got) != 1 || filing.got[0] != "FIL-UPL-123 evt_9 refunded" {
		t.Fatalf("filing fee events %q", filing.got)
	}
	// A program fee still goes to the programs (whose answer is the error).
	if err := s.Settle(t.Context(), `{"id":"evt_8","kind":"succeeded","invoiceId":"INV-PRG-1-1","amountCents":100,"currency":"USD"}`); err == nil {
		t.Fatal("a program fee event did not reach the programs")
	}
}

package payments

import (
	"context"
	"errors"
	"testing"

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
			err := NewSettler(feesAnswering{tc.err}, nil, nil).Settle(t.Context(), body)
			if got := err != nil; got != tc.again {
				t.Fatalf("Settle = %v; delivered again %v, want %v", err, got, tc.again)
			}
		})
	}
}

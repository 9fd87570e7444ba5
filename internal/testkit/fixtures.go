package testkit

import (
	"testing"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/programs"
)

// Fixtures the service tests of several packages build, through the
// services as people and the queues' consumers would, so that the records
// are what production writes.

// Accounts makes accounts through the accounts service: holders and
// providers sign up themselves, Staff record credentials.
type Accounts struct {
	Service *accounts.Service
	Staff   identity.Caller
}

// Holder creates c's holder from in and, when set is not nil, has staff
// record set (membership and credentials); it returns the holder as the
// last step left it.
func (a Accounts) Holder(tb testing.TB, c identity.Caller, in accounts.NewHolder, set *accounts.CredentialsUpdate) accounts.Holder {
	tb.Helper()
	h, err := a.Service.CreateHolder(tb.Context(), c, in)
	if err != nil {
		tb.Fatalf("create holder of %s: %v", c.Sub, err)
	}
	if set == nil {
		return h
	}
	if h, err = a.Service.SetCredentials(tb.Context(), a.Staff, h.ID, *set); err != nil {
		tb.Fatalf("set credentials of %s: %v", h.ID, err)
	}
	return h
}

// Provider creates c's provider from in.
func (a Accounts) Provider(tb testing.TB, c identity.Caller, in accounts.NewProvider) accounts.Provider {
	tb.Helper()
	p, err := a.Service.CreateProvider(tb.Context(), c, in)
	if err != nil {
		tb.Fatalf("create provider of %s: %v", c.Sub, err)
	}
	return p
}

// Credentials is what staff record for a member holding codes, each earned
// on earnedOn; nil, so that nothing is recorded, when there are no codes.
func Credentials(earnedOn string, codes ...string) *accounts.CredentialsUpdate {
	if len(codes) == 0 {
		return nil
	}
	set := &accounts.CredentialsUpdate{Membership: accounts.Member}
	for _, c := range codes {
		set.Credentials = append(set.Credentials, accounts.Credential{Code: c, EarnedOn: earnedOn})
	}
	return set
}

// Programs takes programs through the programs service as their provider,
// the step consumers, the payment webhook and staff would.
type Programs struct {
	Service  *programs.Service
	Provider identity.Caller // creates and submits
	Staff    identity.Caller // approves
	// Next returns, and forgets, the bodies dispatched to queue since it
	// was last asked (Relay.TakeBodies, or the world's queues); the step
	// consumers are fed them as the queue would.
	Next func(queue string) []string
	// PaymentRef is the payment the fee is recorded paid with.
	PaymentRef string
}

// Reach creates a program from in and takes it as far as upTo, which is
// programs.Draft, InReview (submitted, validated and invoiced by the
// consumers, the fee of its first submission recorded paid) or Approved
// (then approved by staff). It returns the program as the last step left
// it, and fails the test if that is not in status upTo.
func (ps Programs) Reach(tb testing.TB, in programs.Content, upTo programs.Status) programs.Program {
	tb.Helper()
	ctx := tb.Context()
	must := func(step string, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("program fixture: %s: %v", step, err)
		}
	}
	p, err := ps.Service.Create(ctx, ps.Provider, in)
	must("create", err)
	if upTo != programs.Draft {
		_, err = ps.Service.Submit(ctx, ps.Provider, p.ID)
		must("submit", err)
		for _, body := range ps.Next(programs.ValidationQueue) {
			must("validate", ps.Service.Validate(ctx, body))
		}
		for _, body := range ps.Next(programs.FeeQueue) {
			must("invoice", ps.Service.Invoice(ctx, body))
		}
		p, err = ps.Service.RecordFeePaid(ctx, p.ID, programs.InvoiceID(p.ID, 1), ps.PaymentRef)
		must("record the fee paid", err)
	}
	if upTo == programs.Approved {
		p, err = ps.Service.Decide(ctx, ps.Staff, p.ID, programs.Decision{Approve: true})
		must("approve", err)
	}
	if p.Status != upTo {
		tb.Fatalf("program fixture: %s is %s, want %s", p.ID, p.Status, upTo)
	}
	return p
}

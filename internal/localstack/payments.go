package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/stripepay"
)

// webhookSecretFile keeps the local webhook signing secret beside the JWT key.
const webhookSecretFile = "stripe-webhook.secret"

// loadWebhookSecret returns the configured secret, else the one kept in the
// data directory, else a new one it keeps there.
func loadWebhookSecret(configured, dataDir string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	path := filepath.Join(dataDir, webhookSecretFile)
	b, err := os.ReadFile(path)
	if err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "whsec_") {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	secret, err := stripepay.NewSecret()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep the webhook secret: %w", err)
	}
	return secret, nil
}

// settleWait bounds how long a simulated payment waits for its settlement.
const settleWait = 15 * time.Second

// simulatePayment is POST /dev/payments/{reference}/succeed|fail: it builds
// the Stripe event the payment would cause (checkout.session.completed, or
// checkout.session.async_payment_failed) for the invoice's amount and
// currency (or those of an optional body {"amountCents", "currency"}, to
// try a mismatch), signs it with the local webhook secret, POSTs it to the
// gateway's /webhooks/payments like Stripe would, and waits until the
// payments queue's consumer has settled it (for a filing fee, until the
// credits it held are issued).
func (s *Stack) simulatePayment(w http.ResponseWriter, r *http.Request) {
	ref, outcome := r.PathValue("reference"), r.PathValue("outcome")
	if outcome != "succeed" && outcome != "fail" {
		writeError(w, http.StatusNotFound, "route_not_found", "no local endpoint "+r.Method+" "+r.URL.Path+" (succeed or fail)")
		return
	}
	invoice, ok := payments.SimulatedInvoice(ref)
	if !ok {
		writeError(w, http.StatusNotFound, "unknown_reference", "not a checkout reference of the local payment simulator")
		return
	}
	var sim stripepay.Simulated
	var settled func(ctx context.Context, event string) (map[string]any, bool, error)
	success := outcome == "succeed"
	notFound := func(what string) {
		writeError(w, http.StatusNotFound, "unknown_invoice", "no "+what+" has invoice "+invoice)
	}
	readFailed := func(err error) {
		s.log.Error("simulated payment: read the invoice", "reference", ref, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "could not read the invoice")
	}
	if programID, isProgram := programs.ProgramOfInvoice(invoice); isProgram {
		p, err := s.programStore.Get(r.Context(), programID)
		if errors.Is(err, programs.ErrNotFound) || (err == nil && (p.Fee == nil || p.Fee.InvoiceID != invoice)) {
			notFound("program")
			return
		}
		if err != nil {
			readFailed(err)
			return
		}
		sim = stripepay.Simulated{AmountCents: p.Fee.AmountCents, Currency: p.Fee.Currency}
		settled = func(ctx context.Context, event string) (out map[string]any, ok bool, err error) {
			ok, err = poll(ctx, func() (bool, error) {
				p, err := s.programStore.Get(ctx, programID)
				out = map[string]any{"programId": p.ID, "status": p.Status}
				if p.Fee != nil {
					out["feeStatus"] = p.Fee.Status
				}
				return p.Fee != nil && (success && p.Fee.Status == programs.FeePaid || recorded(p.Fee.Payments, event)), err
			})
			return out, ok, err
		}
	} else if _, _, isRenewal := renewals.ParseInvoiceID(invoice); isRenewal {
		inv, err := s.renewalStore.Get(r.Context(), invoice)
		if errors.Is(err, renewals.ErrNotFound) {
			notFound("renewal")
			return
		}
		if err != nil {
			readFailed(err)
			return
		}
		sim = stripepay.Simulated{AmountCents: inv.TotalCents, Currency: inv.Currency}
		settled = func(ctx context.Context, event string) (out map[string]any, ok bool, err error) {
			ok, err = poll(ctx, func() (bool, error) {
				inv, err := s.renewalStore.Get(ctx, invoice)
				out = map[string]any{"holderId": inv.HolderID, "year": inv.Year, "status": inv.Status}
				return success && inv.Status == renewals.Paid || recorded(inv.Payments, event), err
			})
			return out, ok, err
		}
	} else if uploadID, isFiling := attendance.UploadOfInvoice(invoice); isFiling {
		inv, err := s.filingStore.FilingInvoice(r.Context(), uploadID)
		if errors.Is(err, attendance.ErrNotFound) {
			notFound("upload")
			return
		}
		if err != nil {
			readFailed(err)
			return
		}
		sim = stripepay.Simulated{AmountCents: inv.AmountCents, Currency: inv.Currency}
		// A success is settled once the held credits are issued too.
		settled = func(ctx context.Context, event string) (out map[string]any, ok bool, err error) {
			ok, err = poll(ctx, func() (bool, error) {
				inv, err := s.filingStore.FilingInvoice(ctx, uploadID)
				out = map[string]any{"programId": inv.ProgramID, "uploadId": inv.UploadID, "status": inv.Status, "credited": inv.Released()}
				return success && inv.Released() || recorded(inv.Payments, event) && (inv.Status != attendance.FilingPaid || inv.Released()), err
			})
			return out, ok, err
		}
	} else {
		writeError(w, http.StatusNotFound, "unknown_reference", "not a checkout reference of the local payment simulator")
		return
	}
	sim.Reference, sim.InvoiceID, sim.Failed = ref, invoice, outcome == "fail"
	if r.ContentLength != 0 {
		var in struct {
			AmountCents *int64  `json:"amountCents"`
			Currency    *string `json:"currency"`
		}
		if !decode(w, r, &in) {
			return
		}
		if in.AmountCents != nil {
			sim.AmountCents = *in.AmountCents
		}
		if in.Currency != nil {
			sim.Currency = *in.Currency
		}
	}
	// The signature's timestamp is real time, whatever the stack's clock:
	// the webhook's 5-minute tolerance is a replay guard, measured on it.
	payload, header, err := stripepay.SignedEvent(sim, s.webhookSecret, time.Now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	status, body, err := s.deliver(r.Context(), payload, header)
	if err != nil {
		s.log.Error("simulated payment: delivery", "reference", ref, "err", err)
		writeError(w, http.StatusBadGateway, "delivery_failed", "the webhook could not be reached: "+err.Error())
		return
	}
	if status != http.StatusOK {
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	var receipt struct {
		EventID string `json:"eventId"`
		Ignored bool   `json:"ignored"`
	}
	_ = json.Unmarshal(body, &receipt)
	out, ok, err := settled(r.Context(), receipt.EventID)
	if err != nil {
		s.log.Error("simulated payment: settlement", "reference", ref, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "could not read the settlement")
		return
	}
	if !ok {
		writeError(w, http.StatusGatewayTimeout, "settlement_timeout",
			fmt.Sprintf("event %s was delivered but not settled within %s: see the log and the payments queue", receipt.EventID, settleWait))
		return
	}
	out["reference"], out["invoiceId"], out["eventId"], out["outcome"] = ref, invoice, receipt.EventID, outcome
	writeJSON(w, http.StatusOK, out)
}

// deliver POSTs a signed event to the stack's own webhook route.
func (s *Stack) deliver(ctx context.Context, payload []byte, header string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/webhooks/payments", bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// poll asks done every 50 ms until it says so, or settleWait passes (ok
// false), or ctx ends.
func poll(ctx context.Context, done func() (bool, error)) (ok bool, err error) {
	deadline := time.Now().Add(settleWait)
	for {
		if ok, err := done(); ok || err != nil {
			return ok, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recorded reports whether an invoice's payments hold event.
func recorded(payments []checkout.Payment, event string) bool {
	return slices.ContainsFunc(payments, func(x checkout.Payment) bool { return x.EventID == event })
}

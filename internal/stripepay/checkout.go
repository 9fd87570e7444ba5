package stripepay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/secrets"
)

// Checkouts opens Stripe Checkout Sessions for invoices with one POST to
// Stripe's API. It does not use stripe-go's client: that client links every
// Stripe service into the function (about 1.3 MB of the programs and CEC
// APIs' binaries, over issue 8's 12 MB budget) for this one call, whose
// form is small, documented and pinned by a test against stripe-go's own
// encoding (checkout_test.go).
type Checkouts struct {
	key        *secrets.Secret
	successURL string
	cancelURL  string
	base       string
	http       *http.Client
	wait       func(attempt int) time.Duration
}

var _ checkout.Starter = (*Checkouts)(nil)

// APIVersion is the Stripe API version the requests ask for: stripe-go
// v86's (a test keeps them equal), the version the webhook's events are
// read with.
const APIVersion = "2026-05-27.dahlia"

// CheckoutOption configures Checkouts.
type CheckoutOption func(*Checkouts)

// WithAPIBase points the adapter at another server (tests: a stand-in on
// loopback) instead of https://api.stripe.com.
func WithAPIBase(base string, client *http.Client) CheckoutOption {
	return func(c *Checkouts) {
		c.base = strings.TrimRight(base, "/")
		if client != nil {
			c.http = client
		}
	}
}

// NewCheckouts returns the adapter with the secret API key (sk_...), read
// at the first checkout, and the pages Stripe sends the payer back to.
func NewCheckouts(secretKey *secrets.Secret, successURL, cancelURL string, opts ...CheckoutOption) (*Checkouts, error) {
	if secretKey == nil || successURL == "" || cancelURL == "" {
		return nil, errors.New("stripepay: checkouts need a secret key, a success URL and a cancel URL")
	}
	c := &Checkouts{key: secretKey, successURL: successURL, cancelURL: cancelURL, base: "https://api.stripe.com",
		http: &http.Client{Timeout: 30 * time.Second}, wait: retryWait}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Attempts of one checkout: network errors, 409 (an idempotent request
// still in flight), 429 and 5xx are tried again, as stripe-go does; the
// idempotency key makes a retry return the session the first attempt made.
const checkoutAttempts = 3

func retryWait(attempt int) time.Duration {
	d := 500 * time.Millisecond << (attempt - 1)
	return d/2 + rand.N(d/2+1)
}

// StartCheckout creates a Checkout Session for one invoice. The invoice ID
// and the amount are the idempotency key, so asking again for the same
// invoice (within Stripe's 24 hours of idempotency) returns the same
// session, and one whose amount changed since (a renewal's reinstatement
// fee, added after its grace period) gets a session of its own, where
// Stripe would refuse a key reused with other parameters; it is also in
// the metadata of the session and of its PaymentIntent, where the webhook
// finds it.
func (c *Checkouts) StartCheckout(ctx context.Context, req checkout.Request) (checkout.Session, error) {
	if req.InvoiceID == "" || req.AmountCents <= 0 || req.Currency == "" {
		return checkout.Session{}, fmt.Errorf("checkout needs an invoice, a positive amount and a currency: %+v", req)
	}
	form := c.sessionForm(req)
	var last error
	for attempt := 1; attempt <= checkoutAttempts; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(c.wait(attempt - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return checkout.Session{}, fmt.Errorf("create stripe checkout session for %s: %w (after %v)", req.InvoiceID, ctx.Err(), last)
			case <-t.C:
			}
		}
		co, retry, err := c.post(ctx, fmt.Sprintf("checkout-%s-%d", req.InvoiceID, req.AmountCents), form)
		if err == nil {
			return co, nil
		}
		last = err
		if !retry {
			break
		}
	}
	return checkout.Session{}, fmt.Errorf("create stripe checkout session for %s: %w", req.InvoiceID, last)
}

// sessionForm is the request body, in Stripe's form encoding of nested
// parameters.
func (c *Checkouts) sessionForm(req checkout.Request) url.Values {
	name := orDefault(req.Description, req.InvoiceID)
	f := url.Values{}
	f.Set("mode", "payment")
	f.Set("success_url", c.successURL)
	f.Set("cancel_url", c.cancelURL)
	f.Set("client_reference_id", req.InvoiceID)
	f.Set("metadata["+MetadataInvoice+"]", req.InvoiceID)
	f.Set("line_items[0][quantity]", "1")
	f.Set("line_items[0][price_data][currency]", strings.ToLower(req.Currency))
	f.Set("line_items[0][price_data][unit_amount]", strconv.FormatInt(req.AmountCents, 10))
	f.Set("line_items[0][price_data][product_data][name]", name)
	f.Set("payment_intent_data[description]", name)
	f.Set("payment_intent_data[metadata]["+MetadataInvoice+"]", req.InvoiceID)
	if req.Email != "" {
		f.Set("customer_email", req.Email)
	}
	return f
}

// post makes one attempt; retry says whether another may succeed.
func (c *Checkouts) post(ctx context.Context, key string, form url.Values) (co checkout.Session, retry bool, err error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/checkout/sessions", strings.NewReader(form.Encode()))
	if err != nil {
		return co, false, err
	}
	secret, err := c.key.Get(ctx)
	if err != nil {
		return co, false, fmt.Errorf("stripe secret key: %w", err)
	}
	r.Header.Set("Authorization", "Bearer "+secret)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Idempotency-Key", key)
	r.Header.Set("Stripe-Version", APIVersion)
	resp, err := c.http.Do(r)
	if err != nil {
		return co, ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return co, true, fmt.Errorf("read stripe's answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Type, Code, Message string }
		}
		_ = json.Unmarshal(body, &e)
		retry = resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 ||
			resp.Header.Get("Stripe-Should-Retry") == "true"
		if resp.Header.Get("Stripe-Should-Retry") == "false" {
			retry = false
		}
		return co, retry, fmt.Errorf("stripe answered %d %s %s: %s", resp.StatusCode, e.Error.Type, e.Error.Code, e.Error.Message)
	}
	var s struct{ ID, URL string }
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&s); err != nil || s.ID == "" {
		return co, false, fmt.Errorf("stripe's checkout session is unreadable (%v): %.200s", err, body)
	}
	return checkout.Session{Reference: s.ID, URL: s.URL}, false, nil
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

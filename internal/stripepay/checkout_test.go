package stripepay

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/form"

	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/secrets"
)

// standIn is Stripe's API on loopback: it answers each POST with the next
// status of statuses (then 200) and records the requests.
type standIn struct {
	mu       sync.Mutex
	reqs     []*http.Request
	statuses []int
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	status := http.StatusOK
	if len(s.statuses) > 0 {
		status, s.statuses = s.statuses[0], s.statuses[1:]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v1/checkout/sessions" {
		status = http.StatusNotFound
	}
	w.WriteHeader(status)
	if status != http.StatusOK {
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","code":"parameter_invalid","message":"no such thing"}}`))
		return
	}
	_, _ = w.Write([]byte(`{"id":"cs_test_123","object":"checkout.session","url":"https://checkout.stripe.com/c/pay/cs_test_123"}`))
}

func newTestCheckouts(t *testing.T, s *standIn) *Checkouts {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewCheckouts(secrets.Value("sk_test_123"), "https://app.example/paid", "https://app.example/cancelled", WithAPIBase(srv.URL, srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	c.wait = func(int) time.Duration { return time.Millisecond }
	return c
}

var fee = checkout.Request{InvoiceID: "INV-PRG-1-1", AmountCents: 30000, Currency: "USD",
	Description: "CEC application fee", Email: "desk@acme.example"}

// TestCheckouts_StartCheckout runs the adapter against a stand-in for
// Stripe's API on loopback: no network.
func TestCheckouts_StartCheckout(t *testing.T) {
	s := &standIn{}
	c := newTestCheckouts(t, s)
	co, err := c.StartCheckout(context.Background(), fee)
	if err != nil {
		t.Fatal(err)
	}
	if co.Reference != "cs_test_123" || co.URL != "https://checkout.stripe.com/c/pay/cs_test_123" {
		t.Fatalf("checkout %+v", co)
	}
	if len(s.reqs) != 1 {
		t.Fatalf("%d requests", len(s.reqs))
	}
	r := s.reqs[0]
	want := map[string]string{
		"mode": "payment", "success_url": "https://app.example/paid", "cancel_url": "https://app.example/cancelled",
		"client_reference_id": "INV-PRG-1-1", "metadata[invoiceId]": "INV-PRG-1-1",
		"payment_intent_data[metadata][invoiceId]": "INV-PRG-1-1", "customer_email": "desk@acme.example",
		"line_items[0][quantity]": "1", "line_items[0][price_data][currency]": "usd",
		"line_items[0][price_data][unit_amount]": "30000", "line_items[0][price_data][product_data][name]": "CEC application fee",
	}
	for k, v := range want {
		if r.PostForm.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, r.PostForm.Get(k), v)
		}
	}
	for h, v := range map[string]string{"Idempotency-Key": "checkout-INV-PRG-1-1-30000", "Authorization": "Bearer sk_test_123",
		"Stripe-Version": stripe.APIVersion, "Content-Type": "application/x-www-form-urlencoded"} {
		if got := r.Header.Get(h); got != v {
			t.Errorf("%s %q, want %q", h, got, v)
		}
	}
	if _, err := c.StartCheckout(context.Background(), checkout.Request{InvoiceID: "x", Currency: "USD"}); err == nil {
		t.Error("a zero amount was accepted")
	}
	if _, err := NewCheckouts(nil, "a", "b"); err == nil {
		t.Error("no key accepted")
	}
	// A key that cannot be read (a parameter missing) fails the checkout,
	// at its first use, not the function's start.
	unread, err := NewCheckouts(secrets.Value(""), "https://s", "https://c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unread.StartCheckout(context.Background(), fee); !errors.Is(err, secrets.ErrNotConfigured) {
		t.Errorf("a checkout without its key: %v", err)
	}
}

// The body is exactly what stripe-go's client sends for the same
// parameters, so dropping the client changed nothing on the wire.
func TestCheckouts_FormAsStripeGo(t *testing.T) {
	for _, req := range []checkout.Request{fee, {InvoiceID: "REN-H-1-2027", AmountCents: 12500, Currency: "EUR"}} {
		c, err := NewCheckouts(secrets.Value("sk"), "https://s", "https://c")
		if err != nil {
			t.Fatal(err)
		}
		meta := map[string]string{MetadataInvoice: req.InvoiceID}
		name := orDefault(req.Description, req.InvoiceID)
		p := &stripe.CheckoutSessionCreateParams{
			Mode: stripe.String("payment"), SuccessURL: stripe.String("https://s"), CancelURL: stripe.String("https://c"),
			ClientReferenceID: stripe.String(req.InvoiceID), Metadata: meta,
			LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{Quantity: stripe.Int64(1),
				PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{Currency: stripe.String(strings.ToLower(req.Currency)),
					UnitAmount:  stripe.Int64(req.AmountCents),
					ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)}}}},
			PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Description: stripe.String(name), Metadata: meta},
		}
		if req.Email != "" {
			p.CustomerEmail = stripe.String(req.Email)
		}
		var fv form.Values
		form.AppendTo(&fv, p)
		want, err := url.ParseQuery(fv.Encode())
		if err != nil {
			t.Fatal(err)
		}
		got := c.sessionForm(req)
		if got.Encode() != want.Encode() {
			t.Errorf("%s:\n got  %s\n want %s", req.InvoiceID, got.Encode(), want.Encode())
		}
	}
	if APIVersion != stripe.APIVersion {
		t.Errorf("APIVersion %q, stripe-go's %q", APIVersion, stripe.APIVersion)
	}
}

// Transient answers are tried again with the same idempotency key; a
// refusal is not.
func TestCheckouts_Retries(t *testing.T) {
	for _, tc := range []struct {
		statuses []int
		requests int
		ok       bool
	}{
		{[]int{500}, 2, true},
		{[]int{429, 409}, 3, true},
		{[]int{503, 503, 503}, 3, false},
		{[]int{400}, 1, false},
	} {
		s := &standIn{statuses: tc.statuses}
		c := newTestCheckouts(t, s)
		_, err := c.StartCheckout(context.Background(), fee)
		if (err == nil) != tc.ok || len(s.reqs) != tc.requests {
			t.Errorf("%v: %d requests, err %v", tc.statuses, len(s.reqs), err)
		}
		if err != nil && tc.statuses[0] == 400 && !strings.Contains(err.Error(), "no such thing") {
			t.Errorf("the refusal's message is lost: %v", err)
		}
		for _, r := range s.reqs {
			if r.Header.Get("Idempotency-Key") != "checkout-INV-PRG-1-1-30000" {
				t.Errorf("attempt without the idempotency key")
			}
		}
	}
}

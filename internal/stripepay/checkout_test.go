package stripepay

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	stripe "github.com/stripe/stripe-go/v86"

	"github.com/cecportal/cecportal/internal/programs"
)

// TestCheckouts_StartCheckout runs the adapter against a stand-in for
// Stripe's API on loopback: no network.
func TestCheckouts_StartCheckout(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/v1/checkout/sessions" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"cs_test_123","object":"checkout.session","url":"https://checkout.stripe.com/c/pay/cs_test_123"}`))
	}))
	defer srv.Close()

	backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{URL: stripe.String(srv.URL), HTTPClient: srv.Client(),
		MaxNetworkRetries: stripe.Int64(0), LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}})
	c, err := NewCheckouts("sk_test_123", "https://app.example/paid", "https://app.example/cancelled", backends)
	if err != nil {
		t.Fatal(err)
	}
	co, err := c.StartCheckout(context.Background(), programs.CheckoutRequest{InvoiceID: "INV-PRG-1-1", AmountCents: 30000,
		Currency: "USD", Description: "CEC application fee", Email: "desk@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if co.Reference != "cs_test_123" || co.URL != "https://checkout.stripe.com/c/pay/cs_test_123" {
		t.Fatalf("checkout %+v", co)
	}
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	r := got[0]
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
	if k := r.Header.Get("Idempotency-Key"); k != "checkout-INV-PRG-1-1" {
		t.Errorf("Idempotency-Key %q", k)
	}
	if a := r.Header.Get("Authorization"); a != "Bearer sk_test_123" {
		t.Errorf("Authorization %q", a)
	}
	if _, err := c.StartCheckout(context.Background(), programs.CheckoutRequest{InvoiceID: "x", Currency: "USD"}); err == nil {
		t.Error("a zero amount was accepted")
	}
	if _, err := NewCheckouts("", "a", "b", nil); err == nil {
		t.Error("no key accepted")
	}
}

package payments

import (
	"context"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/checkout"
)

func TestSimulator_StartCheckout(t *testing.T) {
	s := &Simulator{BaseURL: "http://127.0.0.1:8080/"}
	req := checkout.Request{InvoiceID: "INV-PRG-1-1", AmountCents: 30000, Currency: "USD"}
	a, err := s.StartCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.StartCheckout(context.Background(), req)
	if a.Reference != b.Reference || !strings.HasPrefix(a.Reference, "cs_sim_") {
		t.Fatalf("same invoice, references %q and %q", a.Reference, b.Reference)
	}
	if a.URL != "http://127.0.0.1:8080/dev/payments/"+a.Reference {
		t.Fatalf("url %q", a.URL)
	}
	if inv, ok := SimulatedInvoice(a.Reference); !ok || inv != "INV-PRG-1-1" {
		t.Fatalf("SimulatedInvoice(%q) = %q, %v", a.Reference, inv, ok)
	}
	if _, ok := SimulatedInvoice("cs_live_x"); ok {
		t.Fatal("a foreign reference was taken for a simulated one")
	}
	req.InvoiceID = "INV-PRG-1-2"
	if c, _ := s.StartCheckout(context.Background(), req); c.Reference == a.Reference {
		t.Fatal("another invoice got the same reference")
	}
	for _, bad := range []checkout.Request{{AmountCents: 1, Currency: "USD"}, {InvoiceID: "x", Currency: "USD"}, {InvoiceID: "x", AmountCents: 1}} {
		if _, err := s.StartCheckout(context.Background(), bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

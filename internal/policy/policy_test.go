package policy_test

import (
	"strings"
	"testing"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/policy"
)

func TestLoad_Default(t *testing.T) {
	p, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatalf("shipped policy does not load: %v", err)
	}
	want := map[string]cec.Hours{"CAM": cec.Of(6), "NALP": cec.Of(3), "CAPS": cec.Of(6), "CAS": cec.Of(3), "AIME": cec.Of(3)}
	for code, h := range want {
		c, ok := p.Credential(code)
		if !ok || c.CECsPerYear != h {
			t.Errorf("credential %s: got %+v (known %v), want %v CECs", code, c, ok, h)
		}
	}
	if pr := p.Programs; pr.Currency != "USD" || pr.ApplicationFeePerCecCents != 5000 || pr.LateFeePerCecCents != 2500 ||
		pr.LateWithinDays != 30 || pr.Refundable || pr.MinContactHours != 50 || pr.MaxContactHours != cec.Of(100) {
		t.Errorf("programs policy %+v", pr)
	}
	if got := p.Association.Location().String(); got != "America/New_York" {
		t.Errorf("time zone %q", got)
	}
}

func TestLoad_Invalid(t *testing.T) {
	base := string(cecportal.DefaultPolicy)
	for _, tc := range []struct {
		name, old, new, field string
	}{
		{"UnknownField", "  shortName: AMI", "  shortNme: AMI", "shortNme"},
		{"BadZone", "America/New_York", "Mars/Olympus", "association.timeZone"},
		{"NoName", "  name: Apartment Management Institute", "  name: \"\"", "association.name"},
		{"BadHours", "cecsPerYear: 6\n  - code: NALP", "cecsPerYear: 1.234\n  - code: NALP", "cecsPerYear"},
		{"ZeroHours", "cecsPerYear: 6\n  - code: NALP", "cecsPerYear: 0\n  - code: NALP", "credentials[0].cecsPerYear"},
		{"DupCode", "code: NALP", "code: CAM", "credentials[1].code"},
		{"LowerCode", "code: NALP", "code: nalp", "credentials[1].code"},
		{"BadEmail", "cec@example.org", "not-an-address", "association.supportEmail"},
		{"BadCurrency", "currency: USD", "currency: dollars", "programs.currency"},
		{"NegativeFee", "applicationFeePerCecCents: 5000", "applicationFeePerCecCents: -1", "programs.applicationFeePerCecCents"},
		{"LateWindow", "lateWithinDays: 30", "lateWithinDays: 400", "programs.lateWithinDays"},
		{"MissingPrograms", "\n# Provider program applications", "\nx: 1\n# Provider program applications", "x"},
		{"MaxBelowMin", "maxContactHours: 100", "maxContactHours: 0.25", "programs.maxContactHours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(base, tc.old, tc.new, 1)
			if doc == base {
				t.Fatalf("test edit %q not applied", tc.old)
			}
			_, err := policy.Load([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %v does not name %q", err, tc.field)
			}
		})
	}
}

package browser

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/web"
)

// TestBrowser_FeePreviewMatchesTheServer runs the forms' fee preview
// (js/fee.js, in Chromium) and the server's pricing (programs.ComputeFee)
// on the same cases, the worked cases of docs/programs.md among them, and
// the forms' conversion of a wall-clock time in a zone to RFC 3339 against
// Go's time package: the preview must say what the invoice will say.
func TestBrowser_FeePreviewMatchesTheServer(t *testing.T) {
	exe, err := chromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	needAxe(t)
	pol, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.NewSite(web.LocalConfig(), pol)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Front(http.NotFoundHandler()))
	t.Cleanup(srv.Close)
	s := &suite{base: srv.URL, browser: startChromium(t, exe)}
	t.Cleanup(func() { s.logReview(t) })
	p := s.personAt(t, "fees", srv.URL+"/#/", false)
	p.waitRendered(t, "/")

	ny, _ := time.LoadLocation("America/New_York")
	la, _ := time.LoadLocation("America/Los_Angeles")
	type feeCase struct {
		Hours     string `json:"hours"`
		StartsAt  string `json:"startsAt"`
		Submitted string `json:"submitted"`
	}
	at := func(loc *time.Location, y int, m time.Month, d, hh, mm int) string {
		return time.Date(y, m, d, hh, mm, 0, 0, loc).Format(time.RFC3339)
	}
	var cases []feeCase
	for _, hours := range []string{"3", "1.5", "0.25", "6.5", "2.33", "0.5", "100"} {
		cases = append(cases,
			feeCase{hours, at(ny, 2027, 4, 10, 9, 0), at(ny, 2027, 3, 10, 12, 0)},       // 31 days: on time
			feeCase{hours, at(ny, 2027, 4, 10, 9, 0), at(ny, 2027, 3, 11, 12, 0)},       // 30 days: late
			feeCase{hours, at(ny, 2027, 4, 10, 9, 0), at(time.UTC, 2027, 3, 11, 4, 30)}, // still 10 March in New York
			feeCase{hours, at(la, 2027, 4, 9, 22, 0), at(ny, 2027, 3, 10, 12, 0)},       // 10 April in New York
			feeCase{hours, at(ny, 2027, 11, 7, 1, 30), at(ny, 2027, 10, 8, 23, 59)},     // across the end of DST
			feeCase{hours, "2027-01-25T09:00:00-06:00", "2027-01-05T10:00:00-05:00"},    // the README's late example
			feeCase{hours, "2027-03-10T09:00:00-06:00", "2027-01-05T10:00:00-05:00"},    // and its on-time one
			feeCase{hours, "2027-01-05T09:00:00-05:00", "2027-01-05T10:00:00-05:00"},    // already started: 0 days
			feeCase{hours, "2028-02-29T09:00:00+01:00", "2028-01-30T23:30:00-05:00"},    // leap day, far offsets
		)
	}
	raw, _ := json.Marshal(cases)
	got := eval[[]struct {
		AmountCents int64 `json:"amountCents"`
		Late        bool  `json:"late"`
		DaysBefore  int   `json:"daysBefore"`
		PerCecCents int64 `json:"perCecCents"`
	}](t, p, "run fee.js", fmt.Sprintf(`Promise.all([import("/js/fee.js"), import("/policy.js")]).then(([fee, pol]) =>
		%s.map((c) => fee.previewFee(pol.default.programs, pol.default.association.timeZone, c.hours, c.startsAt, new Date(c.submitted))))`, raw))
	if len(got) != len(cases) {
		t.Fatalf("%d results for %d cases", len(got), len(cases))
	}
	for i, c := range cases {
		h, err := cec.Parse(c.Hours)
		if err != nil {
			t.Fatal(err)
		}
		starts, _ := time.Parse(time.RFC3339, c.StartsAt)
		submitted, _ := time.Parse(time.RFC3339, c.Submitted)
		want := programs.ComputeFee(pol.Programs, pol.Association.Location(), h, starts, submitted)
		if got[i].AmountCents != want.AmountCents || got[i].Late != want.Late || got[i].DaysBefore != want.DaysBefore || got[i].PerCecCents != want.PerCECCents {
			t.Errorf("%+v: preview %+v, server %d cents late=%v days=%d", c, got[i], want.AmountCents, want.Late, want.DaysBefore)
		}
	}

	type zoneCase struct {
		Local string `json:"local"`
		Zone  string `json:"zone"`
	}
	var zc []zoneCase
	var want []string
	for _, zone := range []string{"America/Chicago", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "Pacific/Honolulu", "UTC"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []time.Month{1, 4, 7, 10, 12} {
			wall := time.Date(2027, m, 10, 9, 30, 0, 0, loc)
			zc = append(zc, zoneCase{wall.Format("2006-01-02T15:04"), zone})
			want = append(want, wall.Format(time.RFC3339))
		}
	}
	raw, _ = json.Marshal(zc)
	conv := eval[[]string](t, p, "run zonedToRFC3339", fmt.Sprintf(`import("/js/fee.js").then((fee) => %s.map((c) => fee.zonedToRFC3339(c.local, c.zone)))`, raw))
	for i := range zc {
		if i >= len(conv) || conv[i] != want[i] {
			t.Errorf("%s in %s: forms say %q, Go says %s", zc[i].Local, zc[i].Zone, conv[i], want[i])
		}
	}
}

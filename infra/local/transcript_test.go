package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLocalStack_Transcript: a CAM holder is credited 6 CECs through an
// attendance upload of a compliance program held on 10 March 2027, then
// checks their status and transcript over HTTP.
func TestLocalStack_Transcript(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	acme := c.acmeProvider()
	staff := c.token("sub-staff", "staff", "office@example.org")
	program := approvedProgram(t, c, acme, staff, 6)

	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	id := fmt.Sprint(holder["holderId"])
	c.do("PUT", "/holders/"+id+"/credentials", staff, map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)

	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)
	roster := "Program ID,Holder ID,First Name,Last Name,Completion Date\n" + fmt.Sprintf("%s,%s,Ana,Lima,2027-03-10\n", program, id)
	var acc map[string]any
	c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv", roster, 202, &acc)
	if got := verdictsOf(c.waitForUpload(acme, program, fmt.Sprint(acc["uploadId"]))); got != "2:ok" {
		t.Fatalf("upload %s", got)
	}

	type status struct {
		RenewalYear int
		Window      struct{ From, To string }
		Credentials []string
		Required    float64
		Counted     float64
		Met         bool
		Outstanding float64
		BySource    struct{ Association, Other, OtherLimit, OtherCounted float64 }
		Compliance  struct{ Counted, Minimum float64 }
		Shortfalls  []struct{ Rule string }
		Activities  []struct {
			ID, Source, Kind, Title, Organisation, Date, Status string
			Hours, Counts                                       float64
			Compliance                                          bool
		}
	}

	t.Run("StatusMet", func(t *testing.T) {
		var s status
		c.do("GET", "/holders/me/status?year=2028", ana, nil, 200, &s)
		if s.RenewalYear != 2028 || s.Window.From != "2027-01-01" || s.Window.To != "2027-12-31" || len(s.Credentials) != 1 ||
			s.Required != 6 || s.Counted != 6 || !s.Met || s.Outstanding != 0 || s.BySource.Association != 6 ||
			s.BySource.OtherLimit != 3 || s.Compliance.Counted != 6 || s.Compliance.Minimum != 1 || len(s.Shortfalls) != 0 {
			t.Fatalf("status %+v", s)
		}
		if len(s.Activities) != 1 {
			t.Fatalf("activities %+v", s.Activities)
		}
		a := s.Activities[0]
		if a.ID != program || a.Source != "program" || a.Kind != "association_course" || a.Title != "Fair Housing" ||
			a.Organisation != "Acme Training" || a.Date != "2027-03-10" || a.Hours != 6 || a.Counts != 6 || !a.Compliance || a.Status != "counted" {
			t.Fatalf("activity %+v", a)
		}
	})

	t.Run("DefaultIsTheComingRenewal", func(t *testing.T) {
		var s status
		c.do("GET", "/holders/me/status", ana, nil, 200, &s)
		if s.RenewalYear != 2028 || !s.Met {
			t.Fatalf("status %+v", s)
		}
	})

	t.Run("EarnedTheYearBeforeOnly", func(t *testing.T) {
		var s status
		c.do("GET", "/holders/me/status?year=2027", ana, nil, 200, &s)
		if s.RenewalYear != 2027 || s.Window.From != "2026-01-01" || s.Required != 6 || s.Counted != 0 || s.Outstanding != 6 || s.Met ||
			len(s.Activities) != 0 || len(s.Shortfalls) != 3 {
			t.Fatalf("status %+v", s)
		}
	})

	t.Run("TranscriptCSV", func(t *testing.T) {
		h, body := c.getWithAccept("/holders/me/transcript?year=2028", ana, "text/csv", 200)
		if ct := h.Get("content-type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("content type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, body)
		}
		want := [][]string{
			{"Date", "Source", "Kind", "Title", "Organisation", "Hours", "Compliance", "Status", "Counts", "Reason"},
			{"2027-03-10", "program", "association_course", "Fair Housing", "Acme Training", "6", "yes", "counted", "6", ""},
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Fatalf("CSV rows\n got %q\nwant %q", rows, want)
		}
	})

	t.Run("TranscriptJSON", func(t *testing.T) {
		var tr struct {
			RenewalYear int
			Entries     []struct{ ID string }
		}
		c.do("GET", "/holders/me/transcript?year=2028", ana, nil, 200, &tr)
		if tr.RenewalYear != 2028 || len(tr.Entries) != 1 || tr.Entries[0].ID != program {
			t.Fatalf("transcript %+v", tr)
		}
		c.do("GET", "/holders/me/transcript?year=2029", ana, nil, 200, &tr)
		if len(tr.Entries) != 0 {
			t.Fatalf("2029 transcript %+v", tr)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name, path, token string
			status            int
			code              string
		}{
			{"Provider", "/holders/me/status?year=2028", acme, 403, "forbidden"},
			{"ProviderTranscript", "/holders/me/transcript", acme, 403, "forbidden"},
			{"Staff", "/holders/me/status", staff, 403, "forbidden"},
			{"Anonymous", "/holders/me/status", "", 401, "unauthorized"}, // the gateway's JWT authorizer answers
			{"YearTooEarly", "/holders/me/status?year=1999", ana, 400, "invalid_request"},
			{"YearNotANumber", "/holders/me/transcript?year=next", ana, 400, "invalid_request"},
			{"NoHolderAccount", "/holders/me/status", c.token("sub-new", "holder", "new@example.com"), 404, "holder_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, e := c.raw("GET", tc.path, tc.token, "", "")
				if status != tc.status || e.Error.Code != tc.code {
					t.Fatalf("got %d %+v, want %d %s", status, e, tc.status, tc.code)
				}
				if tc.status == 400 && e.fields() != "year" {
					t.Fatalf("details on %q, want year", e.fields())
				}
			})
		}
	})
}

// getWithAccept sends a GET with an Accept header, checks the status and
// returns the answer's headers and body.
func (c *client) getWithAccept(path, token, accept string, status int) (http.Header, string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("accept", accept)
	req.Header.Set("authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, status, raw)
	}
	return resp.Header, string(raw)
}

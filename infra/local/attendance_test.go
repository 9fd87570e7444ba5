package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// approvedProgram takes a compliance program of hours CECs through
// application, payment and review over HTTP, as of 5 January 2027; it is
// held from 09:00 on 10 March 2027 in Chicago.
func approvedProgram(t *testing.T, c *client, provider, staff string, hours int) string {
	t.Helper()
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-01-05T10:00:00-05:00"}, 200, nil)
	var p map[string]any
	c.do("POST", "/programs", provider, map[string]any{"title": "Fair Housing", "description": "d", "format": "in_person",
		"startsAt": "2027-03-10T09:00:00-06:00", "endsAt": fmt.Sprintf("2027-03-10T%02d:00:00-06:00", 9+hours), "timeZone": "America/Chicago",
		"location": "Chicago", "contactHours": hours, "objectives": []string{"o"}, "instructors": []string{"i"}, "compliance": true}, 201, &p)
	id := fmt.Sprint(p["programId"])
	c.do("POST", "/programs/"+id+"/submit", provider, nil, 202, nil)
	c.waitForStatus(provider, id, "fee_due")
	var co map[string]any
	c.do("POST", "/programs/"+id+"/checkout", provider, nil, 200, &co)
	c.do("POST", "/dev/payments/"+fmt.Sprint(co["reference"])+"/succeed", "", nil, 200, nil)
	c.do("POST", "/programs/"+id+"/decision", staff, map[string]any{"decision": "approve"}, 200, nil)
	return id
}

func TestLocalStack_Attendance(t *testing.T) {
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	acme := c.acmeProvider()
	staff := c.token("sub-staff", "staff", "office@example.org")
	program := approvedProgram(t, c, acme, staff, 6)

	ids := map[string]string{}
	for _, h := range []struct{ sub, first, last string }{{"ana", "Ana", "Lima"}, {"jose", "José", "Núñez"}, {"bo", "Bo", "O'Brien"}} {
		tok := c.token("sub-"+h.sub, "holder", h.sub+"@example.com")
		var out map[string]any
		c.do("POST", "/holders", tok, map[string]any{"firstName": h.first, "lastName": h.last, "email": h.sub + "@example.com"}, 201, &out)
		ids[h.sub] = fmt.Sprint(out["holderId"])
	}
	c.do("PUT", "/holders/"+ids["ana"]+"/credentials", staff, map[string]any{"membership": "member", "credentials": []any{}}, 200, nil)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)

	// A roster as spreadsheets write it: BOM, CRLF, quotes, spaces, accents
	// folded, a typographic apostrophe, US dates.
	roster := "\ufeffProgram ID , Holder ID,First Name,Last Name,Completion Date\r\n" +
		fmt.Sprintf("%s,%s,ANA,lima,2027-03-10\r\n", program, ids["ana"]) +
		fmt.Sprintf("%s,%s,\" Jose \",\"Nunez\",3/10/2027\r\n", program, ids["jose"]) +
		fmt.Sprintf("%s,%s,Bo,O’Brien,2027-03-10\r\n", program, ids["bo"]) +
		fmt.Sprintf("%s,H-NOSUCHHOLD,Cy,Cole,2027-03-10\r\n", program) +
		fmt.Sprintf("%s,%s,Ana,Lima,2027-03-11\r\n", program, ids["ana"]) +
		fmt.Sprintf("PRG-OTHERPROGR,%s,Ana,Lima,2027-03-10\r\n", ids["ana"])

	t.Run("DryRunWritesNothing", func(t *testing.T) {
		var dry map[string]any
		c.doRaw("POST", "/programs/"+program+"/attendance?dryRun=true", acme, "text/csv", roster, 200, &dry)
		if tot := dry["totals"].(map[string]any); tot["accepted"] != 3.0 || tot["rejected"] != 3.0 {
			t.Fatalf("dry run totals %v", tot)
		}
	})

	var uploadID string
	t.Run("UploadCreditsEachRow", func(t *testing.T) {
		var acc map[string]any
		c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv", roster, 202, &acc)
		uploadID = fmt.Sprint(acc["uploadId"])
		res := c.waitForUpload(acme, program, uploadID)
		got := verdictsOf(res)
		want := "2:ok 3:ok 4:ok 5:holder_not_found 6:completion_outside_program 7:program_mismatch"
		if got != want {
			t.Fatalf("rows\n got %s\nwant %s", got, want)
		}
		tot := res["totals"].(map[string]any)
		if tot["rows"] != 6.0 || tot["accepted"] != 3.0 || tot["rejected"] != 3.0 || tot["fees"].(map[string]any)["amountCents"] != 0.0 {
			t.Fatalf("totals %v (rows = accepted + rejected; no filing fee in 2027)", tot)
		}
	})

	t.Run("ResultsAsCSVAndTheProgramsUploads", func(t *testing.T) {
		csv := c.csv("/programs/"+program+"/attendance/"+uploadID, acme)
		want := "Program ID,Holder ID,First Name,Last Name,Completion Date,Result,Reason\r\n" +
			program + ",H-NOSUCHHOLD,Cy,Cole,2027-03-10,Rejected,no holder H-NOSUCHHOLD: the attendee needs a holder account (a free guest account is enough)\r\n"
		if !strings.HasPrefix(csv, want) || strings.Count(csv, ",Rejected,") != 3 || strings.Count(csv, ",Accepted,\r\n") != 3 ||
			strings.Index(csv, ",Rejected,") > strings.Index(csv, ",Accepted,") {
			t.Fatalf("results CSV, rejected rows first:\n%s", csv)
		}
		var list struct {
			Uploads []struct {
				UploadID, Status string
				Totals           struct{ Accepted, Rejected int }
			}
		}
		c.do("GET", "/programs/"+program+"/attendance", acme, nil, 200, &list)
		if len(list.Uploads) != 1 || list.Uploads[0].UploadID != uploadID || list.Uploads[0].Status != "done" ||
			list.Uploads[0].Totals.Accepted != 3 || list.Uploads[0].Totals.Rejected != 3 {
			t.Fatalf("the program's uploads: %+v", list)
		}
	})

	t.Run("CorrectedCSVGoesBackWithItsExtraColumns", func(t *testing.T) {
		// The downloaded file, its rejected rows fixed or dropped, goes back
		// as a roster: Result and Reason are ignored with a notice.
		fixed := "Program ID,Holder ID,First Name,Last Name,Completion Date,Result,Reason\r\n" +
			fmt.Sprintf("%s,%s,Ana,Lima,2027-03-10,Rejected,the completion date is not within the program's dates\r\n", program, ids["ana"]) +
			fmt.Sprintf("%s,%s,Ana,Lima,2027-03-10,Accepted,\r\n", program, ids["jose"])
		var acc struct {
			UploadID       string
			IgnoredColumns []string
			Notices        []struct{ Code, Message string }
		}
		c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv", fixed, 202, &acc)
		if strings.Join(acc.IgnoredColumns, ",") != "Result,Reason" || len(acc.Notices) != 1 || acc.Notices[0].Code != "columns_ignored" {
			t.Fatalf("the answer: %+v", acc)
		}
		if got := verdictsOf(c.waitForUpload(acme, program, acc.UploadID)); got != "2:already_credited 3:name_mismatch" {
			t.Fatalf("re-uploaded: %s", got)
		}
	})

	t.Run("SameFileAgainCreditsNobody", func(t *testing.T) {
		var acc map[string]any
		c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv", roster, 202, &acc)
		res := c.waitForUpload(acme, program, fmt.Sprint(acc["uploadId"]))
		if got := verdictsOf(res); !strings.HasPrefix(got, "2:already_credited 3:already_credited 4:already_credited") {
			t.Fatalf("second upload %s", got)
		}
	})

	t.Run("JSONRow", func(t *testing.T) {
		body := fmt.Sprintf(`{"rows":[{"programId":%q,"holderId":%q,"firstName":"Cy","lastName":"Cole","completionDate":"2027-03-10"}]}`, program, ids["ana"])
		var acc map[string]any
		c.doRaw("POST", "/programs/"+program+"/attendance", acme, "application/json", body, 202, &acc)
		if got := verdictsOf(c.waitForUpload(acme, program, fmt.Sprint(acc["uploadId"]))); got != "2:name_mismatch" {
			t.Fatalf("json row %s", got)
		}
	})

	t.Run("MalformedRostersWriteNothing", func(t *testing.T) {
		header := "Program ID,Holder ID,First Name,Last Name,Completion Date\n"
		row := fmt.Sprintf("%s,%s,Ana,Lima,2027-03-10\n", program, ids["ana"])
		for _, tc := range []struct {
			name, body string
			status     int
			code       string
			where      string
		}{
			{"WrongHeader", "Holder,Name\n" + row, 400, "invalid_roster", "header"},
			{"WrongColumnCount", header + fmt.Sprintf("%s,%s,Ana,2027-03-10\n", program, ids["ana"]), 400, "invalid_roster", "row 2"},
			{"BadDate", header + row + fmt.Sprintf("%s,%s,Ana,Lima,2027-02-30\n", program, ids["ana"]), 400, "invalid_roster", "row 3, column Completion Date"},
			{"EmptyCell", header + fmt.Sprintf("%s,,Ana,Lima,2027-03-10\n", program), 400, "invalid_roster", "column Holder ID"},
			{"Empty", "", 400, "body_required", ""},
			{"HeaderOnly", header, 400, "empty_roster", ""},
			{"Binary", header + "\x00\x01\x02\xff\xfe,\x89PNG\n", 400, "invalid_roster", "row 2"},
			{"TooLarge", header + strings.Repeat(row, (11<<20)/len(row)), 413, "body_too_large", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, e := c.raw("POST", "/programs/"+program+"/attendance", acme, "text/csv", tc.body)
				if status != tc.status || e.Error.Code != tc.code {
					t.Fatalf("got %d %+v, want %d %s", status, e, tc.status, tc.code)
				}
				if tc.where != "" && !strings.Contains(e.Error.Message+fmt.Sprint(e.Error.Details), tc.where) {
					t.Fatalf("the error does not say %q: %+v", tc.where, e)
				}
			})
		}
		// Nothing of the above was recorded: Ana's only credit is the first upload's.
		var me map[string]any
		c.do("GET", "/programs/"+program+"/attendance/"+uploadID, acme, nil, 200, &me)
	})

	t.Run("Directory", func(t *testing.T) {
		var page struct{ Entries []map[string]any }
		c.do("GET", "/directory?q=nun", acme, nil, 200, &page) // "Núñez", folded
		if len(page.Entries) != 1 || page.Entries[0]["holderId"] != ids["jose"] {
			t.Fatalf("directory %v", page.Entries)
		}
		for k := range page.Entries[0] {
			if k == "email" || k == "contact" {
				t.Fatalf("the directory shows %s", k)
			}
		}
		c.do("GET", "/directory?q="+ids["ana"], staff, nil, 200, &page)
		if len(page.Entries) != 1 || page.Entries[0]["membership"] != "member" {
			t.Fatalf("by ID %v", page.Entries)
		}
		c.do("GET", "/directory?q=lima", c.token("sub-ana", "holder", ""), nil, 403, nil)
	})

	t.Run("WindowAndIsolation", func(t *testing.T) {
		other := c.token("sub-other", "provider", "o@other.example")
		c.do("POST", "/providers", other, map[string]any{"name": "Other", "contactName": "Oz", "email": "o@other.example",
			"phone": "+1 202 555 0199", "address": map[string]any{"line1": "1 A St", "city": "Boston", "country": "US"}}, 201, nil)
		if status, e := c.raw("POST", "/programs/"+program+"/attendance", other, "text/csv", roster); status != 404 || e.Error.Code != "program_not_found" {
			t.Fatalf("another provider: %d %+v", status, e)
		}
		c.do("GET", "/programs/"+program+"/attendance/"+uploadID, other, nil, 404, nil)
		holder := c.token("sub-ana", "holder", "")
		c.do("GET", "/programs/"+program+"/attendance/"+uploadID, holder, nil, 403, nil)
		// 10 March + 45 days = 24 April: the 25th is too late.
		c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-04-25T09:00:00-04:00"}, 200, nil)
		if status, e := c.raw("POST", "/programs/"+program+"/attendance", acme, "text/csv", roster); status != 422 || e.Error.Code != "reporting_window_closed" {
			t.Fatalf("day 46: %d %+v", status, e)
		}
	})
}

// doRaw sends a body of any type, checks the status and decodes the JSON
// answer into out.
func (c *client) doRaw(method, path, token, ctype, body string, status int, out any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("content-type", ctype)
	req.Header.Set("authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// csv GETs path as text/csv and returns the answer, every part of it.
func (c *client) csv(path, token string) string {
	c.t.Helper()
	var b strings.Builder
	for part := 0; path != ""; part++ {
		if part == 10 {
			c.t.Fatalf("more than 10 parts: %s", b.String())
		}
		req, _ := http.NewRequest("GET", c.base+path, nil)
		req.Header.Set("accept", "text/csv")
		req.Header.Set("authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			c.t.Fatalf("GET %s: %v", path, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("content-type") != "text/csv; charset=utf-8" {
			c.t.Fatalf("GET %s as CSV: %d %s: %s", path, resp.StatusCode, resp.Header.Get("content-type"), raw)
		}
		b.Write(raw)
		path = ""
		if link := resp.Header.Get("link"); link != "" {
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	return b.String()
}

func (c *client) waitForUpload(token, program, upload string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var res map[string]any
		c.do("GET", "/programs/"+program+"/attendance/"+upload, token, nil, 200, &res)
		if res["status"] == "done" {
			return res
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("upload %s still %v after 20 s", upload, res["status"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func verdictsOf(res map[string]any) string {
	var v []string
	for _, r := range res["rows"].([]any) {
		row := r.(map[string]any)
		if row["accepted"] == true {
			v = append(v, fmt.Sprintf("%v:ok", row["row"]))
		} else {
			v = append(v, fmt.Sprintf("%v:%v", row["row"], row["reason"]))
		}
	}
	return strings.Join(v, " ")
}

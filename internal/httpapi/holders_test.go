package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/transcript"
)

// holderWorld is the accounts-api and the cec-api on one embedded table at
// 12 March 2027, with ana (subject h1, CAM, one submission for 2028, a
// 2028 renewal invoice paid after a payment of the wrong amount) and bo
// (subject h2, no credential, nothing else).
type holderWorld struct {
	accounts, cec *API
	ana, bo       string // holder IDs
	submission    string
	clock         *clock.Settable
}

func newHolderWorld(t *testing.T) holderWorld {
	t.Helper()
	tbl := testkit.TempTable(t, testkit.NoSync)
	pol := testkit.Policy(t)
	clk := testkit.SettableAt(time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC))
	newID := testkit.IDs()
	kept := &testkit.Relay{}
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, newID, kept)
	kit := testkit.Accounts{Service: acc, Staff: identity.Caller{Sub: "s1", Roles: []string{identity.RoleStaff}}}
	ana := kit.Holder(t, identity.Caller{Sub: "h1", Roles: []string{identity.RoleHolder}},
		accounts.NewHolder{FirstName: "Ana", LastName: "Lima", Email: "ana@example.com"}, testkit.Credentials("2020-01-01", "CAM"))
	bo := kit.Holder(t, identity.Caller{Sub: "h2", Roles: []string{identity.RoleHolder}},
		accounts.NewHolder{FirstName: "Bo", LastName: "Berg", Email: "bo@example.com"}, nil)
	subs := submissions.NewService(store.NewSubmissions(tbl), acc, pol, clk, newID, kept)
	ren := &renewals.Service{Store: store.NewRenewals(tbl), Holders: store.NewAccounts(tbl), Shards: store.RenewableShards,
		Links: store.NewAccounts(tbl), Records: store.NewSubmissions(tbl), Policy: pol, Clock: clk, Relay: kept}
	quiet := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	accAPI, err := NewAccountsAPI(acc, clk, nil, nil, nil, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	cecAPI, err := NewCecAPI(transcript.NewService(store.NewTranscript(tbl), acc, pol, clk), subs, ren, quiet)
	if err != nil {
		t.Fatal(err)
	}
	w := holderWorld{accounts: accAPI, cec: cecAPI, ana: ana.ID, bo: bo.ID, clock: clk}

	resp := subCall(t, cecAPI, "POST", "/holders/me/submissions", "ana", `{"year":2028,"activities":[`+
		strings.Replace(activityBody, "%s", "6", 1)+`]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	var sub struct{ SubmissionID string }
	if err := json.Unmarshal([]byte(resp.Body), &sub); err != nil {
		t.Fatal(err)
	}
	w.submission = sub.SubmissionID
	if _, _, err := ren.EnsureInvoice(t.Context(), ana, 2028); err != nil {
		t.Fatal(err)
	}
	for _, p := range []renewals.Payment{
		{EventID: "evt_1", Kind: renewals.PaymentSucceeded, AmountCents: 100, Currency: "USD", Reference: "cs_1"},
		{EventID: "evt_2", Kind: renewals.PaymentSucceeded, AmountCents: 12500, Currency: "USD", Reference: "cs_2"},
	} {
		if _, _, err := ren.Settle(t.Context(), renewals.InvoiceID(ana.ID, 2028), p); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// TestHolderRoutes: staff read one holder's whole record through four
// routes, each answering what the holder's own route answers them, in the
// shapes openapi.yaml gives; nobody else may, and an unknown holder is 404.
func TestHolderRoutes(t *testing.T) {
	w := newHolderWorld(t)

	t.Run("Record", func(t *testing.T) {
		// Staff change ana's credentials through the API, a minute later:
		// the history keeps before and after.
		w.clock.Set(w.clock.Now().Add(time.Minute))
		put := subCall(t, w.accounts, "PUT", "/holders/"+w.ana+"/credentials", "staff",
			`{"membership":"guest","credentials":[{"code":"CAM","earnedOn":"2020-01-01"},{"code":"NALP","earnedOn":"2021-02-03"}]}`)
		if put.StatusCode != 200 {
			t.Fatalf("put: %d %s", put.StatusCode, put.Body)
		}
		target := "/holders/" + w.ana
		r := subCall(t, w.accounts, "GET", target, "staff", "")
		if r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		subConforms(t, "GET", "/holders/{holderId}", target, r)
		var rec struct {
			Holder struct {
				HolderID, Email, Membership string
				Credentials                 []struct{ Code, EarnedOn string }
			}
			History []struct {
				By, Action, Detail string
				Before, After      *struct {
					Membership  string
					Credentials []struct{ Code, EarnedOn string }
				}
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Holder.HolderID != w.ana || rec.Holder.Email != "ana@example.com" || rec.Holder.Membership != "guest" || len(rec.Holder.Credentials) != 2 {
			t.Fatalf("holder %+v", rec.Holder)
		}
		if len(rec.History) != 2 {
			t.Fatalf("history %+v", rec.History)
		}
		last := rec.History[1]
		if last.Action != "credentials.set" || last.By != "s1" || last.Before == nil || last.After == nil ||
			last.Before.Membership != "member" || len(last.Before.Credentials) != 1 || last.After.Membership != "guest" ||
			len(last.After.Credentials) != 2 || last.After.Credentials[1].Code != "NALP" {
			t.Fatalf("last change %+v (before %+v, after %+v)", last, last.Before, last.After)
		}
		if first := rec.History[0]; first.Before == nil || first.Before.Membership != "guest" || len(first.Before.Credentials) != 0 {
			t.Fatalf("first change %+v", first)
		}
	})

	t.Run("Status", func(t *testing.T) {
		target := "/holders/" + w.ana + "/status?year=2028"
		r := subCall(t, w.cec, "GET", target, "staff", "")
		own := subCall(t, w.cec, "GET", "/holders/me/status?year=2028", "ana", "")
		if r.StatusCode != 200 || r.Body != own.Body {
			t.Fatalf("staff read %d %s\nthe holder reads %s", r.StatusCode, r.Body, own.Body)
		}
		subConforms(t, "GET", "/holders/{holderId}/status", target, r)
		if r := subCall(t, w.cec, "GET", "/holders/"+w.bo+"/status", "staff", ""); r.StatusCode != 200 || !strings.Contains(r.Body, `"standing":"no_credentials"`) {
			t.Fatalf("bo's status: %d %s", r.StatusCode, r.Body)
		}
		if r := subCall(t, w.cec, "GET", "/holders/"+w.ana+"/status?year=1999", "staff", ""); r.StatusCode != 400 || !strings.Contains(r.Body, `"field":"year"`) {
			t.Fatalf("year 1999: %d %s", r.StatusCode, r.Body)
		}
	})

	t.Run("Submissions", func(t *testing.T) {
		target := "/holders/" + w.ana + "/submissions"
		r := subCall(t, w.cec, "GET", target, "staff", "")
		own := subCall(t, w.cec, "GET", "/holders/me/submissions", "ana", "")
		if r.StatusCode != 200 || r.Body != own.Body || !strings.Contains(r.Body, w.submission) {
			t.Fatalf("staff read %d %s\nthe holder reads %s", r.StatusCode, r.Body, own.Body)
		}
		subConforms(t, "GET", "/holders/{holderId}/submissions", target, r)
		if r := subCall(t, w.cec, "GET", "/holders/"+w.bo+"/submissions", "staff", ""); r.StatusCode != 200 || r.Body != `{"submissions":[]}` {
			t.Fatalf("bo's submissions: %d %s", r.StatusCode, r.Body)
		}
	})

	t.Run("Renewals", func(t *testing.T) {
		target := "/holders/" + w.ana + "/renewals"
		r := subCall(t, w.cec, "GET", target, "staff", "")
		if r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		subConforms(t, "GET", "/holders/{holderId}/renewals", target, r)
		var page struct {
			Invoices []struct {
				InvoiceID, Status string
				Year              int
				TotalCents        int64
				Flag              *string
				Payments          []struct {
					Kind, Reference, Reason string
					AmountCents             int64
				}
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Invoices) != 1 {
			t.Fatalf("invoices %s", r.Body)
		}
		inv := page.Invoices[0]
		if inv.InvoiceID != renewals.InvoiceID(w.ana, 2028) || inv.Year != 2028 || inv.Status != "paid" || inv.Flag == nil ||
			*inv.Flag != "payment_mismatch" || len(inv.Payments) != 2 || inv.Payments[0].Kind != "mismatch" ||
			inv.Payments[0].AmountCents != 100 || inv.Payments[0].Reason == "" || inv.Payments[1].Kind != "succeeded" {
			t.Fatalf("invoice %s", r.Body)
		}
		if r := subCall(t, w.cec, "GET", "/holders/"+w.bo+"/renewals", "staff", ""); r.StatusCode != 200 || r.Body != `{"invoices":[]}` {
			t.Fatalf("bo's invoices: %d %s", r.StatusCode, r.Body)
		}
		if r := subCall(t, w.cec, "GET", target+"?limit=0", "staff", ""); r.StatusCode != 400 || !strings.Contains(r.Body, `"field":"limit"`) {
			t.Fatalf("limit 0: %d %s", r.StatusCode, r.Body)
		}
	})

	t.Run("StaffOnly", func(t *testing.T) {
		for _, rt := range []struct {
			api      *API
			template string
		}{
			{w.accounts, "/holders/{holderId}"},
			{w.cec, "/holders/{holderId}/status"},
			{w.cec, "/holders/{holderId}/submissions"},
			{w.cec, "/holders/{holderId}/renewals"},
		} {
			own := strings.Replace(rt.template, "{holderId}", w.ana, 1)
			for caller, want := range map[string]int{"ana": 403, "bo": 403, "provider": 403, "": 401} {
				r := subCall(t, rt.api, "GET", own, caller, "")
				if r.StatusCode != want || strings.Contains(r.Body, "ana@example.com") || strings.Contains(r.Body, "REN-") {
					t.Errorf("GET %s as %q: %d %s, want %d", rt.template, caller, r.StatusCode, r.Body, want)
				}
			}
			unknown := strings.Replace(rt.template, "{holderId}", "H-0000000000", 1)
			if r := subCall(t, rt.api, "GET", unknown, "staff", ""); r.StatusCode != 404 || !strings.Contains(r.Body, `"holder_not_found"`) {
				t.Errorf("GET %s of nobody: %d %s", rt.template, r.StatusCode, r.Body)
			}
		}
	})
}

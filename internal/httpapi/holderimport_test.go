package httpapi

import (
	"context"
	"encoding/json"

	"fmt"
	"github.com/aws/aws-lambda-go/events"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/testkit"
)

// The accounts API takes forms (64 KiB bodies) and one spreadsheet, the
// list of holders to import, up to holderimport.MaxBytes: the route's own
// limit, not the API's.
func TestAccountsAPI_ImportBodyLimit(t *testing.T) {
	tbl := testkit.TempTable(t, testkit.NoSync)
	pol := testkit.Policy(t)
	clk := testkit.SettableAt(time.Date(2027, 1, 5, 14, 0, 0, 0, time.UTC))
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, testkit.IDs(), &testkit.Relay{})
	imports := holderimport.NewService(store.NewHolderImports(tbl), acc, clk, testkit.IDs(), &testkit.Relay{})
	api, err := NewAccountsAPI(acc, clk, nil, imports, nil, nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	list.WriteString(accounts.ImportHeader + "\n")
	for i := 0; list.Len() < 1<<20; i++ { // 1 MiB: sixteen times a form's limit
		fmt.Fprintf(&list, "M%d,Ana,Lima%d,h%d@example.com,member,CAM 2019-05-01\n", i, i, i)
	}
	call := func(target, contentType, body string) int {
		t.Helper()
		e := gatewayEvent(t, "POST", target)
		e.Headers["content-type"] = contentType
		e.Body = body
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "s1", "cognito:groups": "[staff]"}}}
		resp, err := api.Handle(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if got := call("/holder-imports?dryRun=true", "text/csv", list.String()); got != 200 {
		t.Fatalf("a 1 MiB list: %d, want 200", got)
	}
	if got := call("/holders", "application/json", `{"firstName":"`+strings.Repeat("a", 100<<10)+`"}`); got != 413 {
		t.Fatalf("a 100 KiB form: %d, want 413", got)
	}
}

// TestAccountsAPI_ImportResultsCSV: an import's results as CSV, rejected
// rows first, are a list that imports again: what was created is existing
// then, and the rejected row is rejected again.
func TestAccountsAPI_ImportResultsCSV(t *testing.T) {
	tbl := testkit.TempTable(t, testkit.NoSync)
	pol := testkit.Policy(t)
	clk := testkit.SettableAt(time.Date(2027, 1, 5, 14, 0, 0, 0, time.UTC))
	acc := accounts.NewService(store.NewAccounts(tbl), pol, clk, testkit.IDs(), &testkit.Relay{})
	q := &testkit.Relay{}
	imports := holderimport.NewService(store.NewHolderImports(tbl), acc, clk, testkit.IDs(), q)
	api, err := NewAccountsAPI(acc, clk, nil, imports, nil, nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, target, accept, body string) (int, string, map[string]string) {
		t.Helper()
		e := gatewayEvent(t, method, target)
		if body != "" {
			e.Headers["content-type"] = "text/csv"
			e.Body = body
		}
		if accept != "" {
			e.Headers["accept"] = accept
		}
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "s1", "cognito:groups": "[staff]"}}}
		resp, err := api.Handle(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Body, resp.Headers
	}
	list := accounts.ImportHeader + "\n" +
		"A-1,Ana,Lima,ana@example.com,member,CAM 2019-05-01\n" +
		"A-2,Bo,,bo@example.com,guest,\n" +
		"=A-3,Cy,Cole,cy@example.com,Guest,\n"
	status, body, _ := call("POST", "/holder-imports", "", list)
	if status != 202 {
		t.Fatalf("import: %d %s", status, body)
	}
	var im struct{ ImportID string }
	if err := json.Unmarshal([]byte(body), &im); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := call("GET", "/holder-imports/"+im.ImportID, "text/csv", ""); status != 409 {
		t.Fatalf("CSV of a running import: %d, want 409", status)
	}
	for _, m := range q.Take() {
		if err := imports.Step(context.Background(), m.Body); err != nil {
			t.Fatal(err)
		}
	}
	status, csvText, headers := call("GET", "/holder-imports/"+im.ImportID, "text/csv", "")
	if status != 200 || headers["content-disposition"] != `attachment; filename="holders-import-`+im.ImportID+`.csv"` {
		t.Fatalf("CSV: %d %v", status, headers)
	}
	lines := strings.Split(strings.TrimSpace(csvText), "\r\n")
	if len(lines) != 4 || lines[0] != accounts.ImportHeader+",Result,Reason" ||
		lines[1] != "A-2,Bo,,bo@example.com,guest,,Rejected,Last Name is required" || !strings.HasPrefix(lines[2], "'=A-3,Cy,Cole,cy@example.com,Guest,,Rejected,") ||
		!strings.HasPrefix(lines[3], "A-1,Ana,Lima,ana@example.com,member,CAM 2019-05-01,Created,H-") {
		t.Fatalf("CSV lines:\n%s", strings.Join(lines, "\n"))
	}
	// Imported again (a check): what was created is existing, the
	// rejected is rejected again, and the two result columns are ignored.
	status, body, _ = call("POST", "/holder-imports?dryRun=true", "", csvText)
	var dry struct {
		Totals  struct{ Created, Existing, Rejected int }
		Notices []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(body), &dry); err != nil || status != 200 {
		t.Fatalf("re-import: %d %s", status, body)
	}
	if dry.Totals.Existing != 1 || dry.Totals.Rejected != 2 || len(dry.Notices) != 1 || dry.Notices[0].Code != "columns_ignored" {
		t.Fatalf("re-import totals %+v notices %+v", dry.Totals, dry.Notices)
	}
}

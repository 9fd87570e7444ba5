package httpapi

import (
	"context"

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
	api, err := NewAccountsAPI(acc, clk, nil, imports, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

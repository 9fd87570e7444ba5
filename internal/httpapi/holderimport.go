package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/roster"
)

// HolderImportRoutes are staff's import of holders (served by the
// accounts-api Lambda; the upload's body may be a spreadsheet's size).
func HolderImportRoutes(svc *holderimport.Service) []Route {
	h := importHandlers{svc: svc}
	staff := Roles(identity.RoleStaff)
	return []Route{
		{Method: http.MethodPost, Path: "/holder-imports", Access: staff, Handle: h.report, MaxBodyBytes: holderimport.MaxBytes},
		{Method: http.MethodGet, Path: "/holder-imports", Access: staff, Handle: h.list},
		{Method: http.MethodGet, Path: "/holder-imports/{importId}", Access: staff, Handle: h.result},
	}
}

type importHandlers struct{ svc *holderimport.Service }

func importPath(id string) string { return "/holder-imports/" + url.PathEscape(id) }

func importTotalsOut(t holderimport.Totals) map[string]any {
	by := t.ByReason
	if by == nil {
		by = map[string]int{}
	}
	return map[string]any{"rows": t.Rows, "created": t.Created, "existing": t.Existing, "rejected": t.Rejected, "rejectedByReason": by}
}

func importRowsOut(rows []holderimport.RowResult) []map[string]any {
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		m := map[string]any{"row": r.Line, "memberNumber": r.MemberNumber, "firstName": r.FirstName, "lastName": r.LastName,
			"email": r.Email, "outcome": r.Outcome}
		if r.HolderID != "" {
			m["holderId"] = r.HolderID
		}
		if r.Code != "" {
			m["reason"] = r.Code
		}
		if r.Message != "" {
			m["message"] = r.Message
		}
		out = append(out, m)
	}
	return out
}

func importOut(e holderimport.Entry) map[string]any {
	im := e.Import
	status := "processing"
	if e.Done {
		status = "done"
	}
	body := map[string]any{"importId": im.ID, "status": status, "rowCount": im.Rows, "createdAt": im.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if e.Done {
		body["totals"] = importTotalsOut(e.Totals)
	}
	importIgnoredOut(body, im.Ignored)
	return body
}

func importIgnoredOut(body map[string]any, ignored []string) {
	if len(ignored) == 0 {
		return
	}
	body["ignoredColumns"] = ignored
	body["notices"] = []map[string]string{{"code": "columns_ignored",
		"message": roster.IgnoredColumnsNotice(ignored, accounts.ImportColumns, "list of holders")}}
}

func (h importHandlers) report(ctx context.Context, r *Request) (Response, error) {
	dryRun, err := boolQuery(r, "dryRun")
	if err != nil {
		return Response{}, err
	}
	body := r.Body
	im, dry, err := h.svc.Report(ctx, r.Caller, func() (io.Reader, error) { return bytes.NewReader(body), nil }, dryRun)
	if err != nil {
		return Response{}, err
	}
	if dry != nil {
		out := map[string]any{"dryRun": true, "totals": importTotalsOut(dry.Totals), "rows": importRowsOut(dry.Rows), "rowsOmitted": dry.Omitted}
		importIgnoredOut(out, im.Ignored)
		return JSON(http.StatusOK, out), nil
	}
	out := importOut(holderimport.Entry{Import: im})
	resp := JSON(http.StatusAccepted, out)
	resp.Headers = map[string]string{"location": importPath(im.ID)}
	return resp, nil
}

// importResultsHeader is the CSV of an import's row results: the list's
// columns, so that the file goes back in once corrected, and each row's
// result (the import ignores these two).
var importResultsHeader = append(append([]string(nil), accounts.ImportColumns...), "Result", "Reason")

var importOutcomeWords = map[string]string{holderimport.Created: "Created", holderimport.Existing: "Already a holder", holderimport.Rejected: "Rejected"}

// export answers an import's row results as CSV, the rejected rows first,
// in parts as an upload's (csvParts). The list's cells are the import's
// cells as they were typed (trimmed), and for a created row the holder's ID
// as its reason.
func (h importHandlers) export(ctx context.Context, r *Request) (Response, error) {
	return csvParts(r, importResultsHeader, AttendanceCSVPart, func(from string, part *csvPart) (string, string, string, error) {
		st, next, err := h.svc.Export(ctx, r.Caller, r.Params["importId"], from, func(rows []holderimport.RowResult) bool {
			for _, x := range rows {
				reason := x.Message
				if x.Outcome == holderimport.Created {
					reason = x.HolderID
				}
				part.write(spreadsheetText(x.MemberNumber), spreadsheetText(x.FirstName), spreadsheetText(x.LastName),
					spreadsheetText(x.Email), spreadsheetText(x.Membership), spreadsheetText(x.Credentials), importOutcomeWords[x.Outcome], spreadsheetText(reason))
			}
			return !part.full()
		})
		return fmt.Sprintf("holders-import-%s.csv", st.Import.ID), importPath(st.Import.ID), next, err
	})
}

func (h importHandlers) result(ctx context.Context, r *Request) (Response, error) {
	if wantsCSV(r.Header.Get("Accept")) {
		return h.export(ctx, r)
	}
	limit, err := limitIn(r.Query, resultsPageDefault, resultsPageMax)
	if err != nil {
		return Response{}, err
	}
	st, err := h.svc.Result(ctx, r.Caller, r.Params["importId"], holderimport.Page{Limit: limit, Cursor: r.Query.Get("cursor")})
	if err != nil {
		return Response{}, err
	}
	body := importOut(holderimport.Entry{Import: st.Import, Done: st.Done, Totals: st.Totals})
	body["totals"], body["rows"], body["chunks"], body["chunksDone"] = importTotalsOut(st.Totals), importRowsOut(st.Rows), st.Import.Chunks, st.Chunks
	if st.NextCursor != "" {
		body["nextCursor"] = st.NextCursor
	}
	return JSON(http.StatusOK, body), nil
}

func (h importHandlers) list(ctx context.Context, r *Request) (Response, error) {
	return listPage(r, "imports", func(limit int, cursor string) ([]holderimport.Entry, string, error) {
		return h.svc.Imports(ctx, r.Caller, holderimport.Page{Limit: limit, Cursor: cursor})
	}, importOut)
}

package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/roster"
)

// AttendanceMaxBody is the largest roster accepted: 10 MB, API Gateway's
// payload limit (Lambda's own limit, 6 MB, applies first in AWS).
const AttendanceMaxBody = 10 << 20

// NewAttendanceAPI is the handler of the attendance-api Lambda.
func NewAttendanceAPI(svc *attendance.Service, opts Options) (*API, error) {
	if opts.MaxBodyBytes < AttendanceMaxBody {
		opts.MaxBodyBytes = AttendanceMaxBody
	}
	return newAPI(AttendanceRoutes(svc), opts)
}

// AttendanceRoutes are the attendance reporting routes.
func AttendanceRoutes(svc *attendance.Service) []Route {
	h := attendanceHandlers{svc: svc}
	provider := Roles(identity.RoleProvider)
	return []Route{
		{Method: http.MethodPost, Path: "/programs/{programId}/attendance", Access: provider, Handle: h.report},
		{Method: http.MethodGet, Path: "/programs/{programId}/attendance/{uploadId}", Access: provider, Handle: h.result},
	}
}

type attendanceHandlers struct{ svc *attendance.Service }

type attendanceRowJSON struct {
	ProgramID      string `json:"programId"`
	HolderID       string `json:"holderId"`
	FirstName      string `json:"firstName"`
	LastName       string `json:"lastName"`
	CompletionDate string `json:"completionDate"`
}

// jsonRows serves JSON rows through the same cell checks as the CSV reader;
// row numbers count as in a spreadsheet, the first row being row 2.
type jsonRows struct {
	rows []attendanceRowJSON
	i    int
}

func (j *jsonRows) Next() (roster.Row, error) {
	if j.i >= len(j.rows) {
		return roster.Row{}, io.EOF
	}
	r := j.rows[j.i]
	j.i++
	return roster.CheckRow(j.i+1, r.ProgramID, r.HolderID, r.FirstName, r.LastName, r.CompletionDate)
}

func (h attendanceHandlers) report(ctx context.Context, r *Request) (Response, error) {
	dryRun, err := boolQuery(r, "dryRun")
	if err != nil {
		return Response{}, err
	}
	var src attendance.Source
	format := "csv"
	switch r.MediaType {
	case "text/csv":
		body := r.Body
		src = func() (attendance.Rows, error) { return roster.NewReader(bytes.NewReader(body), AttendanceMaxBody) }
	default: // application/json, as the contract allows
		format = "json"
		var in struct {
			Rows []attendanceRowJSON `json:"rows"`
		}
		if err := r.Decode(&in); err != nil {
			return Response{}, err
		}
		src = func() (attendance.Rows, error) { return &jsonRows{rows: in.Rows}, nil }
	}
	u, dry, err := h.svc.Report(ctx, r.Caller, r.Params["programId"], format, src, dryRun)
	if err != nil {
		return Response{}, err
	}
	if dry != nil {
		return JSON(http.StatusOK, map[string]any{"dryRun": true, "programId": dry.ProgramID,
			"totals": totalsOut(dry.Totals), "rows": rowsOut(dry.Rows)}), nil
	}
	resp := JSON(http.StatusAccepted, map[string]any{"uploadId": u.ID, "programId": u.ProgramID, "rows": u.Rows,
		"status": "processing", "reportedOn": u.ReportedOn.String(), "createdAt": u.CreatedAt.Format(time.RFC3339Nano)})
	resp.Headers = map[string]string{"location": fmt.Sprintf("/programs/%s/attendance/%s", u.ProgramID, u.ID)}
	return resp, nil
}

func boolQuery(r *Request, name string) (bool, error) {
	v := r.Query.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fault.New(fault.Invalid, "invalid_request", "invalid query parameter",
			fault.Detail{Field: name, Code: "invalid_value", Message: "must be true or false"})
	}
	return b, nil
}

func (h attendanceHandlers) result(ctx context.Context, r *Request) (Response, error) {
	limit := 1000
	if v := r.Query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return Response{}, fault.New(fault.Invalid, "invalid_request", "invalid query parameter",
				fault.Detail{Field: "limit", Code: "invalid_value", Message: "must be from 1 to 1000"})
		}
		limit = n
	}
	st, err := h.svc.Result(ctx, r.Caller, r.Params["programId"], r.Params["uploadId"],
		attendance.Page{Limit: limit, Cursor: r.Query.Get("cursor")})
	if err != nil {
		return Response{}, err
	}
	status := "processing"
	if st.Done {
		status = "done"
	}
	body := map[string]any{"uploadId": st.Upload.ID, "programId": st.Upload.ProgramID, "status": status,
		"reportedOn": st.Upload.ReportedOn.String(), "createdAt": st.Upload.CreatedAt.Format(time.RFC3339Nano),
		"chunks": st.Upload.Chunks, "chunksDone": st.Chunks, "rowCount": st.Upload.Rows,
		"filingFee": map[string]any{"memberCents": st.Upload.Fee.MemberCents, "guestCents": st.Upload.Fee.GuestCents, "currency": st.Upload.Fee.Currency},
		"totals":    totalsOut(st.Totals), "rows": rowsOut(st.Rows)}
	if st.NextCursor != "" {
		body["nextCursor"] = st.NextCursor
	}
	return JSON(http.StatusOK, body), nil
}

func totalsOut(t attendance.Totals) map[string]any {
	by := t.ByReason
	if by == nil {
		by = map[string]int{}
	}
	return map[string]any{"rows": t.Rows, "accepted": t.Accepted, "rejected": t.Rejected,
		"fees": map[string]any{"amountCents": t.FeeCents, "currency": t.Currency}, "rejectedByReason": by}
}

func rowsOut(rows []attendance.RowResult) []map[string]any {
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		m := map[string]any{"row": r.Line, "programId": r.ProgramID, "holderId": r.HolderID, "firstName": r.FirstName,
			"lastName": r.LastName, "completionDate": r.Completed, "accepted": r.Accepted}
		if r.Accepted {
			m["membership"], m["feeCents"] = r.Membership, r.FeeCents
		} else {
			m["reason"], m["message"] = r.Code, r.Message
		}
		out = append(out, m)
	}
	return out
}

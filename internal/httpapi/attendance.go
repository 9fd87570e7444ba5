package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// AttendanceCSVPart bounds one part of an upload's row results as CSV:
// with a page of the longest rows read after it, and JSON's escaping of
// the body in Lambda's answer, a part stays under Lambda's 6 MB response
// limit. A 20,000-row roster's results are one part.
const AttendanceCSVPart = 2 << 20

// Pages of an upload's row results.
const (
	resultsPageDefault = 1000
	resultsPageMax     = 1000
)

// NewAttendanceAPI is the handler of the attendance-api Lambda.
func NewAttendanceAPI(svc *attendance.Service, opts Options) (*API, error) {
	if opts.MaxBodyBytes < AttendanceMaxBody {
		opts.MaxBodyBytes = AttendanceMaxBody
	}
	return newAPI(AttendanceRoutes(svc), opts)
}

// AttendanceRoutes are the attendance reporting routes.
func AttendanceRoutes(svc *attendance.Service) []Route {
	return attendanceRoutes(attendanceHandlers{svc: svc, csvPart: AttendanceCSVPart})
}

func attendanceRoutes(h attendanceHandlers) []Route {
	provider := Roles(identity.RoleProvider)
	// Staff read any program's uploads and correct them after the window.
	providerOrStaff := Roles(identity.RoleProvider, identity.RoleStaff)
	return []Route{
		{Method: http.MethodPost, Path: "/programs/{programId}/attendance", Access: provider, Handle: h.report},
		{Method: http.MethodGet, Path: "/programs/{programId}/attendance", Access: providerOrStaff, Handle: h.list},
		{Method: http.MethodGet, Path: "/programs/{programId}/attendance/{uploadId}", Access: providerOrStaff, Handle: h.result},
		{Method: http.MethodPost, Path: "/programs/{programId}/attendance/{uploadId}/corrections", Access: providerOrStaff, Handle: h.correct},
		{Method: http.MethodGet, Path: "/programs/{programId}/attendance/{uploadId}/corrections", Access: providerOrStaff, Handle: h.corrections},
		{Method: http.MethodGet, Path: "/review/corrections", Access: Roles(identity.RoleStaff), Handle: h.allCorrections},
		{Method: http.MethodPost, Path: "/programs/{programId}/attendance/{uploadId}/checkout", Access: provider, Handle: h.checkout},
		{Method: http.MethodGet, Path: "/review/filing-fees", Access: Roles(identity.RoleStaff), Handle: h.openFilingFees},
		{Method: http.MethodGet, Path: "/providers/me/filing-fees", Access: provider, Handle: h.myOpenFilingFees},
	}
}

// filingFeeOut is an upload's filing fee invoice as the API shows it.
func filingFeeOut(f attendance.FilingInvoice) map[string]any {
	out := map[string]any{"invoiceId": f.ID, "uploadId": f.UploadID, "programId": f.ProgramID, "programTitle": f.ProgramTitle,
		"providerName": f.ProviderName, "status": f.Status, "amountCents": f.AmountCents, "currency": f.Currency,
		"members": f.Members, "guests": f.Guests, "memberCents": f.MemberCents, "guestCents": f.GuestCents,
		"reportedOn": f.ReportedOn.String(), "issuedAt": f.IssuedAt.UTC().Format(time.RFC3339Nano), "credited": f.Released()}
	if !f.PaidAt.IsZero() {
		out["paidAt"] = f.PaidAt.UTC().Format(time.RFC3339Nano)
	}
	if c := f.Checkout; c != nil {
		out["checkout"] = map[string]any{"reference": c.Reference, "url": c.URL, "createdAt": c.CreatedAt.UTC().Format(time.RFC3339Nano)}
	}
	if f.Flag != "" {
		out["flag"] = f.Flag
	}
	out["payments"] = paymentsOut(f.Payments)
	return out
}

// checkout starts the payment of an upload's filing fee and answers with
// the invoice it pays.
func (h attendanceHandlers) checkout(ctx context.Context, r *Request) (Response, error) {
	programID, uploadID := r.Params["programId"], r.Params["uploadId"]
	co, inv, err := h.svc.StartFilingCheckout(ctx, r.Caller, programID, uploadID)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, map[string]any{"reference": co.Reference, "url": co.URL, "invoiceId": inv.ID,
		"amountCents": inv.AmountCents, "currency": inv.Currency}), nil
}

func (h attendanceHandlers) openFilingFees(ctx context.Context, r *Request) (Response, error) {
	return h.filingFeePage(ctx, r, h.svc.OpenFilingFees)
}

func (h attendanceHandlers) myOpenFilingFees(ctx context.Context, r *Request) (Response, error) {
	return h.filingFeePage(ctx, r, h.svc.MyOpenFilingFees)
}

// filingFeePage answers one page of a list of filing fees.
func (h attendanceHandlers) filingFeePage(ctx context.Context, r *Request, list func(context.Context, identity.Caller, attendance.Page) ([]attendance.FilingInvoice, string, error)) (Response, error) {
	return listPage(r, "filingFees", func(limit int, cursor string) ([]attendance.FilingInvoice, string, error) {
		return list(ctx, r.Caller, attendance.Page{Limit: limit, Cursor: cursor})
	}, filingFeeOut)
}

type correctionInJSON struct {
	Action         string `json:"action"`
	HolderID       string `json:"holderId"`
	FirstName      string `json:"firstName"`
	LastName       string `json:"lastName"`
	CompletionDate string `json:"completionDate"`
	Reason         string `json:"reason"`
}

func correctionOut(c attendance.Correction) map[string]any {
	out := map[string]any{"correctionId": c.ID, "programId": c.ProgramID, "uploadId": c.UploadID, "action": c.Action,
		"holderId": c.HolderID, "firstName": c.FirstName, "lastName": c.LastName, "completionDate": c.Completed.String(),
		"cecs": c.Hours, "reason": c.Reason, "byStaff": c.ByStaff, "at": c.At.UTC().Format(time.RFC3339Nano)}
	return out
}

func (h attendanceHandlers) correct(ctx context.Context, r *Request) (Response, error) {
	var in correctionInJSON
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	c, err := h.svc.Correct(ctx, r.Caller, r.Params["programId"], r.Params["uploadId"], attendance.NewCorrection(in))
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusCreated, correctionOut(c)), nil
}

func (h attendanceHandlers) corrections(ctx context.Context, r *Request) (Response, error) {
	list, until, err := h.svc.Corrections(ctx, r.Caller, r.Params["programId"], r.Params["uploadId"])
	if err != nil {
		return Response{}, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, c := range list {
		out = append(out, correctionOut(c))
	}
	return JSON(http.StatusOK, map[string]any{"corrections": out, "providerMayCorrectUntil": until.String()}), nil
}

func (h attendanceHandlers) allCorrections(ctx context.Context, r *Request) (Response, error) {
	return listPage(r, "corrections", func(limit int, cursor string) ([]attendance.Correction, string, error) {
		return h.svc.AllCorrections(ctx, r.Caller, attendance.Page{Limit: limit, Cursor: cursor})
	}, correctionOut)
}

type attendanceHandlers struct {
	svc     *attendance.Service
	csvPart int // bytes of CSV after which a part ends (AttendanceCSVPart)
}

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
	offering := 0
	if v := r.Query.Get("offering"); v != "" {
		// The operation's schema has checked it is a number from 1 to 20.
		if offering, err = strconv.Atoi(v); err != nil {
			return Response{}, fault.New(fault.Invalid, "invalid_request", "invalid query parameter",
				fault.Detail{Field: "offering", Code: "invalid_value", Message: "must be the offering's number, such as 1"})
		}
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
	u, dry, err := h.svc.Report(ctx, r.Caller, r.Params["programId"], offering, format, src, dryRun)
	if err != nil {
		return Response{}, err
	}
	if dry != nil {
		body := map[string]any{"dryRun": true, "programId": dry.ProgramID, "offering": u.Offering, "totals": totalsOut(dry.Totals), "rows": rowsOut(dry.Rows),
			"rowsOmitted": dry.Omitted}
		ignoredOut(body, u.IgnoredColumns)
		return JSON(http.StatusOK, body), nil
	}
	body := map[string]any{"uploadId": u.ID, "programId": u.ProgramID, "offering": u.Offering, "rows": u.Rows,
		"status": "processing", "reportedOn": u.ReportedOn.String(), "createdAt": u.CreatedAt.Format(time.RFC3339Nano)}
	ignoredOut(body, u.IgnoredColumns)
	resp := JSON(http.StatusAccepted, body)
	resp.Headers = map[string]string{"location": uploadPath(u.ProgramID, u.ID)}
	return resp, nil
}

func uploadPath(programID, uploadID string) string {
	return fmt.Sprintf("/programs/%s/attendance/%s", url.PathEscape(programID), url.PathEscape(uploadID))
}

// ignoredOut adds the roster's ignored columns and the notice that says so.
func ignoredOut(body map[string]any, ignored []string) {
	if len(ignored) == 0 {
		return
	}
	body["ignoredColumns"] = ignored
	body["notices"] = []map[string]string{{"code": "columns_ignored", "message": roster.IgnoredNotice(ignored)}}
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
	if wantsCSV(r.Header.Get("Accept")) {
		return h.export(ctx, r)
	}
	limit, err := limitIn(r.Query, resultsPageDefault, resultsPageMax)
	if err != nil {
		return Response{}, err
	}
	st, err := h.svc.Result(ctx, r.Caller, r.Params["programId"], r.Params["uploadId"],
		attendance.Page{Limit: limit, Cursor: r.Query.Get("cursor")})
	if err != nil {
		return Response{}, err
	}
	body := uploadOut(attendance.Entry{Upload: st.Upload, Done: st.Done, Totals: st.Totals, Fee: st.Fee})
	body["chunks"], body["chunksDone"] = st.Upload.Chunks, st.Chunks
	body["filingFee"] = map[string]any{"memberCents": st.Upload.Fee.MemberCents, "guestCents": st.Upload.Fee.GuestCents, "currency": st.Upload.Fee.Currency}
	body["totals"], body["rows"] = totalsOut(st.Totals), rowsOut(st.Rows)
	if st.NextCursor != "" {
		body["nextCursor"] = st.NextCursor
	}
	return JSON(http.StatusOK, body), nil
}

// uploadOut is what an upload and its list entry say of it: totals only
// once done.
func uploadOut(e attendance.Entry) map[string]any {
	u := e.Upload
	status := "processing"
	if e.Done {
		status = "done"
	}
	body := map[string]any{"uploadId": u.ID, "programId": u.ProgramID, "offering": u.Offering, "status": status, "source": u.Source,
		"reportedOn": u.ReportedOn.String(), "createdAt": u.CreatedAt.Format(time.RFC3339Nano), "rowCount": u.Rows}
	if e.Done {
		body["totals"] = totalsOut(e.Totals)
	}
	if e.Fee != nil {
		body["filingFeeInvoice"] = filingFeeOut(*e.Fee)
	}
	ignoredOut(body, u.IgnoredColumns)
	return body
}

func (h attendanceHandlers) list(ctx context.Context, r *Request) (Response, error) {
	return listPage(r, "uploads", func(limit int, cursor string) ([]attendance.Entry, string, error) {
		return h.svc.Uploads(ctx, r.Caller, r.Params["programId"], attendance.Page{Limit: limit, Cursor: cursor})
	}, uploadOut)
}

// listPage answers one page of a list as {key: [...], nextCursor}: the
// page asked for by ?limit= and ?cursor= (pageIn), each item as out has it
// (a map, or a wire struct).
func listPage[T, O any](r *Request, key string, list func(limit int, cursor string) ([]T, string, error), out func(T) O) (Response, error) {
	pg, err := pageIn(r.Query)
	if err != nil {
		return Response{}, err
	}
	items, next, err := list(pg.Limit, pg.Cursor)
	if err != nil {
		return Response{}, err
	}
	shown := make([]O, 0, len(items))
	for _, it := range items {
		shown = append(shown, out(it))
	}
	body := map[string]any{key: shown}
	if next != "" {
		body["nextCursor"] = next
	}
	return JSON(http.StatusOK, body), nil
}

// resultsHeader is the CSV of an upload's row results: the roster's
// columns, so that the file goes back in as a roster once corrected, and
// each row's result (the roster reader ignores these two).
var resultsHeader = []string{roster.ColProgramID, roster.ColHolderID, roster.ColFirstName, roster.ColLastName, roster.ColCompletionDate, "Result", "Reason"}

// export answers an upload's row results as CSV, the rejected rows first,
// a part of about csvPart bytes at a time: a part that is not the last has
// a Link to the next (rel="next"), which continues it without the header
// row, so that the parts put together make one file.
func (h attendanceHandlers) export(ctx context.Context, r *Request) (Response, error) {
	return csvParts(r, resultsHeader, h.csvPart, func(from string, part *csvPart) (string, string, string, error) {
		st, next, err := h.svc.Export(ctx, r.Caller, r.Params["programId"], r.Params["uploadId"], from, func(rows []attendance.RowResult) bool {
			for _, x := range rows {
				result, reason := "Accepted", ""
				if !x.Accepted {
					result, reason = "Rejected", x.Message
				}
				part.write(spreadsheetText(x.ProgramID), spreadsheetText(x.HolderID), spreadsheetText(x.FirstName),
					spreadsheetText(x.LastName), x.Completed, result, reason)
			}
			return !part.full()
		})
		return fmt.Sprintf("attendance-%s.csv", st.Upload.ID), uploadPath(st.Upload.ProgramID, st.Upload.ID), next, err
	})
}

// csvPart is one part of a CSV answer: about size bytes of rows.
type csvPart struct {
	buf  bytes.Buffer
	w    *csv.Writer
	size int
}

func (p *csvPart) write(cells ...string) { _ = p.w.Write(cells) }

// full reports whether the part has reached its size.
func (p *csvPart) full() bool {
	p.w.Flush()
	return p.buf.Len() >= p.size
}

// csvParts answers a report's row results as CSV (RFC 4180, CRLF), a part
// of about size bytes at a time: a part that is not the last has a Link to
// the next (rel="next", its cursor), which continues it without the header
// row, so that the parts put together make one file. export writes the
// rows from cursor from into part until it is full, and returns the
// file's name, the path of the report and the next cursor.
func csvParts(r *Request, header []string, size int, export func(from string, part *csvPart) (name, path, next string, err error)) (Response, error) {
	from := r.Query.Get("cursor")
	part := &csvPart{size: size}
	part.w = csv.NewWriter(&part.buf)
	part.w.UseCRLF = true
	if from == "" {
		part.write(header...)
	}
	name, path, next, err := export(from, part)
	if err != nil {
		return Response{}, err
	}
	part.w.Flush()
	if err := part.w.Error(); err != nil {
		return Response{}, fmt.Errorf("write results CSV: %w", err)
	}
	headers := map[string]string{"content-disposition": fmt.Sprintf(`attachment; filename="%s"`, name), "vary": "Accept"}
	if next != "" {
		headers["link"] = fmt.Sprintf(`<%s?cursor=%s>; rel="next"`, path, url.QueryEscape(next))
	}
	return Response{Raw: part.buf.Bytes(), ContentType: "text/csv; charset=utf-8", Headers: headers}, nil
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

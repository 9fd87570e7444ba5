package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/testkit"
)

// The attendance service under these tests reads one credited upload from
// memory: the subject is the HTTP mapping (the list, the CSV and its
// parts); the store and the service have their own suites.

// doneUpload is attendance.Store in memory with one done upload of program
// PRG-1 (provider PRV-1): rows 2 to 6, rows 3, 4 and 6 rejected.
type doneUpload struct {
	attendance.Store // the writes, which these tests never call
	upload           attendance.Upload
	rows             []attendance.RowResult
}

func newDoneUpload() *doneUpload {
	u := attendance.Upload{ID: "UPL-1", ProgramID: "PRG-1", ProviderID: "PRV-1", Source: "csv", Rows: 5, Chunks: 1,
		ReportedOn: roster.Date{Year: 2027, Month: time.March, Day: 12}, CreatedAt: time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC),
		Fee: attendance.FilingFee{Currency: "USD"}, IgnoredColumns: []string{"Email"}}
	row := func(line int, holder, first, last, code, msg string) attendance.RowResult {
		r := attendance.RowResult{Line: line, ProgramID: "PRG-1", HolderID: holder, FirstName: first, LastName: last,
			Completed: "2027-03-10", Accepted: code == "", Code: code, Message: msg}
		if r.Accepted {
			r.Membership = "guest"
		}
		return r
	}
	return &doneUpload{upload: u, rows: []attendance.RowResult{
		row(2, "H-ANA", "Ana", "Lima", "", ""),
		row(3, "H-NOSUCHHOLD", "Cy", "=Cole", attendance.ReasonHolderNotFound, "no holder H-NOSUCHHOLD"),
		row(4, "H-BO", "Bob", "Berg", attendance.ReasonNameMismatch, `the name does not match, "Bo"`),
		row(5, "H-JO", "José", "Núñez", "", ""),
		row(6, "H-ANA", "Ana", "Lima", attendance.ReasonDuplicateInFile, "holder H-ANA is already on row 2 of this upload"),
	}}
}

func (d *doneUpload) Upload(_ context.Context, id string) (attendance.Upload, error) {
	if id != d.upload.ID {
		return attendance.Upload{}, attendance.ErrNotFound
	}
	return d.upload, nil
}

// FilingInvoice: the upload owes none (its schedule charged nothing).
func (d *doneUpload) FilingInvoice(context.Context, string) (attendance.FilingInvoice, error) {
	return attendance.FilingInvoice{}, attendance.ErrNotFound
}

func (d *doneUpload) Summaries(context.Context, string) ([]attendance.ChunkSummary, error) {
	s := attendance.ChunkSummary{Rows: len(d.rows), ByReason: map[string]int{}}
	for _, r := range d.rows {
		if r.Accepted {
			s.Accepted++
		} else {
			s.Rejected++
			s.ByReason[r.Code]++
		}
	}
	return []attendance.ChunkSummary{s}, nil
}

// Results pages by the index of the next row, as text.
func (d *doneUpload) Results(_ context.Context, _ string, pg attendance.Page) ([]attendance.RowResult, string, error) {
	from, _ := strconv.Atoi(pg.Cursor)
	to := min(from+pg.Limit, len(d.rows))
	next := ""
	if to < len(d.rows) {
		next = strconv.Itoa(to)
	}
	return slices.Clone(d.rows[from:to]), next, nil
}

func (d *doneUpload) Uploads(_ context.Context, programID string, _ attendance.Page) ([]attendance.Entry, string, error) {
	st := attendance.Totals{Currency: "USD"}
	sums, _ := d.Summaries(context.Background(), "")
	st.Add(sums[0])
	return []attendance.Entry{{Upload: d.upload, Done: true, Totals: st}}, "", nil
}

// oneProgram is the programs store and the provider lookup: PRG-1 of
// PRV-1, whose subject is p1.
type oneProgram struct{}

func (oneProgram) Get(_ context.Context, id string) (programs.Program, error) {
	if id != "PRG-1" {
		return programs.Program{}, programs.ErrNotFound
	}
	return programs.Program{ID: "PRG-1", ProviderID: "PRV-1", Status: programs.Approved}, nil
}

func (oneProgram) MyProvider(_ context.Context, c identity.Caller) (accounts.Provider, error) {
	if c.Sub != "p1" {
		return accounts.Provider{ID: "PRV-OTHER"}, nil
	}
	return accounts.Provider{ID: "PRV-1"}, nil
}

func newAttendanceAPI(t *testing.T, csvPart int) *API {
	t.Helper()
	svc := attendance.NewService(newDoneUpload(), oneProgram{}, oneProgram{}, nil, testkit.Policy(t),
		clock.Fixed(time.Date(2027, 3, 12, 15, 0, 0, 0, time.UTC)), testkit.IDs(), testkit.NoDispatch{})
	api, err := newAPI(attendanceRoutes(attendanceHandlers{svc: svc, csvPart: csvPart}), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func attendanceCall(t *testing.T, api *API, target, sub, accept string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	e := gatewayEvent(t, http.MethodGet, target)
	if accept != "" {
		e.Headers["accept"] = accept
	}
	e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub, "cognito:groups": "[provider]"}}}
	resp, err := api.Handle(context.Background(), e)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	return resp
}

// TestAttendanceAPI_List: a program's uploads with their totals and the
// notice of the ignored columns, as the contract says.
func TestAttendanceAPI_List(t *testing.T) {
	api := newAttendanceAPI(t, AttendanceCSVPart)
	resp := attendanceCall(t, api, "/programs/PRG-1/attendance", "p1", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	conforms(t, "/programs/PRG-1/attendance", resp)
	var page struct {
		Uploads []struct {
			UploadID, Status, Source string
			RowCount                 int
			Totals                   struct{ Rows, Accepted, Rejected int }
			IgnoredColumns           []string
			Notices                  []struct{ Code, Message string }
		}
	}
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Uploads) != 1 {
		t.Fatalf("uploads: %s", resp.Body)
	}
	u := page.Uploads[0]
	if u.UploadID != "UPL-1" || u.Status != "done" || u.Source != "csv" || u.RowCount != 5 || u.Totals.Rows != 5 || u.Totals.Rejected != 3 ||
		len(u.IgnoredColumns) != 1 || len(u.Notices) != 1 || u.Notices[0].Code != "columns_ignored" || !strings.Contains(u.Notices[0].Message, `"Email"`) {
		t.Fatalf("upload %+v", u)
	}
	if resp := attendanceCall(t, api, "/programs/PRG-1/attendance", "p2", ""); resp.StatusCode != 404 {
		t.Fatalf("another provider: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := attendanceCall(t, api, "/programs/PRG-1/attendance?limit=0", "p1", ""); resp.StatusCode != 400 {
		t.Fatalf("limit 0: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestAttendanceAPI_ResultsCSV: the row results as a roster a provider
// corrects and uploads again, the rejected rows first; the same in parts
// when it is long, which put together make the same file.
func TestAttendanceAPI_ResultsCSV(t *testing.T) {
	const target = "/programs/PRG-1/attendance/UPL-1"
	whole := attendanceCall(t, newAttendanceAPI(t, AttendanceCSVPart), target, "p1", "text/csv")
	if whole.StatusCode != 200 || whole.Headers["content-type"] != "text/csv; charset=utf-8" || whole.Headers["link"] != "" ||
		whole.Headers["content-disposition"] != `attachment; filename="attendance-UPL-1.csv"` {
		t.Fatalf("status %d, headers %v: %s", whole.StatusCode, whole.Headers, whole.Body)
	}
	want := "Program ID,Holder ID,First Name,Last Name,Completion Date,Result,Reason\r\n" +
		"PRG-1,H-NOSUCHHOLD,Cy,'=Cole,2027-03-10,Rejected,no holder H-NOSUCHHOLD\r\n" +
		"PRG-1,H-BO,Bob,Berg,2027-03-10,Rejected,\"the name does not match, \"\"Bo\"\"\"\r\n" +
		"PRG-1,H-ANA,Ana,Lima,2027-03-10,Rejected,holder H-ANA is already on row 2 of this upload\r\n" +
		"PRG-1,H-ANA,Ana,Lima,2027-03-10,Accepted,\r\n" +
		"PRG-1,H-JO,José,Núñez,2027-03-10,Accepted,\r\n"
	if whole.Body != want {
		t.Fatalf("CSV\n got %q\nwant %q", whole.Body, want)
	}
	// It reads back as a roster: the header starts with the roster's, and
	// Result and Reason are ignored.
	rd, err := roster.NewReader(strings.NewReader(whole.Body), 0)
	if err != nil || strings.Join(rd.Ignored(), ",") != "Result,Reason" {
		t.Fatalf("as a roster: %v, ignored %q", err, rd.Ignored())
	}
	if recs, err := csv.NewReader(strings.NewReader(whole.Body)).ReadAll(); err != nil || len(recs) != 6 {
		t.Fatalf("RFC 4180: %d records, %v", len(recs), err)
	}

	// One byte a part: a part ends after each page the service reads, and
	// each but the last links to the next.
	api := newAttendanceAPI(t, 1)
	var joined strings.Builder
	next, parts := target, 0
	for next != "" {
		if parts++; parts > 5 {
			t.Fatalf("more than 5 parts: %s", joined.String())
		}
		resp := attendanceCall(t, api, next, "p1", "text/csv")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", next, resp.StatusCode, resp.Body)
		}
		joined.WriteString(resp.Body)
		next = ""
		if link := resp.Headers["link"]; link != "" {
			if !strings.HasPrefix(link, "<"+target+"?cursor=") || !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("link %q", link)
			}
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if parts != 2 || joined.String() != want {
		t.Fatalf("%d parts put together\n got %q\nwant %q", parts, joined.String(), want)
	}

	if resp := attendanceCall(t, api, target+"?cursor=nope", "p1", "text/csv"); resp.StatusCode != 400 || !strings.Contains(resp.Body, "invalid_cursor") {
		t.Fatalf("a made-up cursor: %d %s", resp.StatusCode, resp.Body)
	}
	// JSON stays the default, and pages by limit.
	resp := attendanceCall(t, api, target+"?limit=2", "p1", "")
	conforms(t, target+"?limit=2", resp)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"nextCursor":"2"`) || !strings.Contains(resp.Body, `"ignoredColumns":["Email"]`) {
		t.Fatalf("JSON: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestAttendanceAPI_ResultsCSV_Processing: an upload still being credited
// has no CSV yet (409), while JSON shows how far it is.
func TestAttendanceAPI_ResultsCSV_Processing(t *testing.T) {
	store := newDoneUpload()
	store.upload.Chunks = 2 // one of two chunks done
	svc := attendance.NewService(store, oneProgram{}, oneProgram{}, nil, testkit.Policy(t),
		clock.Fixed(time.Date(2027, 3, 12, 15, 0, 0, 0, time.UTC)), testkit.IDs(), testkit.NoDispatch{})
	api, err := newAPI(AttendanceRoutes(svc), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	resp := attendanceCall(t, api, "/programs/PRG-1/attendance/UPL-1", "p1", "text/csv")
	var e struct{ Error struct{ Code string } }
	if _ = json.Unmarshal([]byte(resp.Body), &e); resp.StatusCode != 409 || e.Error.Code != "upload_processing" {
		t.Fatalf("CSV while crediting: %d %s", resp.StatusCode, resp.Body)
	}
	resp = attendanceCall(t, api, "/programs/PRG-1/attendance/UPL-1", "p1", "")
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"status":"processing"`) || !strings.Contains(resp.Body, `"rowCount":5`) {
		t.Fatalf("JSON while crediting: %d %s", resp.StatusCode, resp.Body)
	}
}

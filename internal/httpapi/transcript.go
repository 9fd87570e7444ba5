package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/transcript"
)

// NewCecAPI is the handler of the cec-api Lambda: a holder's CEC status and
// transcript, CEC submissions with their staff review (SPEC §3) and, when
// ren is not nil, the holder's renewal and the checkout of its dues
// (SPEC §4).
func NewCecAPI(svc *transcript.Service, subs *submissions.Service, ren *renewals.Service, opts Options) (*API, error) {
	var lapses Lapses
	if ren != nil {
		lapses = ren
	}
	routes := append(CecRoutes(svc, lapses), SubmissionRoutes(subs)...)
	if ren != nil {
		routes = append(routes, RenewalRoutes(ren)...)
	}
	return newAPI(routes, opts)
}

// Lapses tells whether a holder's renewal of a year has lapsed
// (renewals.Service): the status says so beside the CECs.
type Lapses interface {
	Lapsed(ctx context.Context, holderID string, year int) (bool, error)
}

// CecRoutes are the holder's CEC status and transcript routes, and staff's
// reading of any holder's status; lapses, when not nil, adds whether the
// year's renewal has lapsed.
func CecRoutes(svc *transcript.Service, lapses Lapses) []Route {
	h := cecHandlers{svc: svc, lapses: lapses}
	holder := Roles(identity.RoleHolder)
	return []Route{
		{Method: http.MethodGet, Path: "/holders/me/status", Access: holder, Handle: h.status},
		{Method: http.MethodGet, Path: "/holders/me/transcript", Access: holder, Handle: h.transcript},
		{Method: http.MethodGet, Path: "/holders/{holderId}/status", Access: Roles(identity.RoleStaff), Handle: h.statusOf},
	}
}

type cecHandlers struct {
	svc    *transcript.Service
	lapses Lapses // nil: never lapsed
}

type windowJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// entryJSON is an activity with its verdict.
type entryJSON struct {
	ID           string    `json:"id"`
	Source       string    `json:"source"`
	Kind         string    `json:"kind"`
	Category     string    `json:"category,omitempty"`
	Title        string    `json:"title"`
	Organisation string    `json:"organisation"`
	Date         string    `json:"date"`
	Hours        cec.Hours `json:"hours"`
	Compliance   bool      `json:"compliance"`
	Status       string    `json:"status"`
	Counts       cec.Hours `json:"counts"`
	Reason       string    `json:"reason,omitempty"`
	Message      string    `json:"message,omitempty"`
	// Documentation of a self-reported activity.
	Documentation *documentationJSON `json:"documentation,omitempty"`
}

type bySourceJSON struct {
	Association  cec.Hours `json:"association"`
	Other        cec.Hours `json:"other"`
	OtherLimit   cec.Hours `json:"otherLimit"`
	OtherCounted cec.Hours `json:"otherCounted"`
}

type complianceJSON struct {
	Counted cec.Hours `json:"counted"`
	Minimum cec.Hours `json:"minimum"`
}

type shortfallJSON struct {
	Rule    string    `json:"rule"`
	Missing cec.Hours `json:"missing"`
	Message string    `json:"message"`
}

type statusJSON struct {
	RenewalYear int             `json:"renewalYear"`
	Window      windowJSON      `json:"window"`
	DueOn       string          `json:"dueOn"`
	Prorated    bool            `json:"prorated"`
	Credentials []string        `json:"credentials"`
	Required    cec.Hours       `json:"required"`
	Counted     cec.Hours       `json:"counted"`
	Met         bool            `json:"met"`
	Standing    string          `json:"standing"` // met, outstanding, no_credentials
	Outstanding cec.Hours       `json:"outstanding"`
	BySource    bySourceJSON    `json:"bySource"`
	Compliance  complianceJSON  `json:"compliance"`
	Shortfalls  []shortfallJSON `json:"shortfalls"`
	Activities  []entryJSON     `json:"activities"`
	Pending     []pendingJSON   `json:"pending"`
	Lapsed      bool            `json:"lapsed"`
}

// pendingJSON is a program whose credit waits for its filing fee.
type pendingJSON struct {
	ProgramID    string    `json:"programId"`
	Title        string    `json:"title"`
	ProviderName string    `json:"providerName"`
	Completed    string    `json:"completed"`
	CECs         cec.Hours `json:"cecs"`
}

type transcriptJSON struct {
	RenewalYear int         `json:"renewalYear"`
	Window      windowJSON  `json:"window"`
	Entries     []entryJSON `json:"entries"`
}

func (h cecHandlers) status(ctx context.Context, r *Request) (Response, error) {
	year, err := yearQuery(r)
	if err != nil {
		return Response{}, err
	}
	st, err := h.svc.Status(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	return h.statusWithLapse(ctx, st)
}

// statusWithLapse answers a status, with whether its year's renewal lapsed.
func (h cecHandlers) statusWithLapse(ctx context.Context, st transcript.Status) (Response, error) {
	out := statusOut(st)
	if h.lapses != nil {
		lapsed, err := h.lapses.Lapsed(ctx, st.HolderID, st.Year.RenewalYear)
		if err != nil {
			return Response{}, err
		}
		out.Lapsed = lapsed
	}
	return JSON(http.StatusOK, out), nil
}

func (h cecHandlers) statusOf(ctx context.Context, r *Request) (Response, error) {
	year, err := yearQuery(r)
	if err != nil {
		return Response{}, err
	}
	st, err := h.svc.StatusOf(ctx, r.Caller, r.Params["holderId"], year)
	if err != nil {
		return Response{}, err
	}
	return h.statusWithLapse(ctx, st)
}

func (h cecHandlers) transcript(ctx context.Context, r *Request) (Response, error) {
	year, err := yearQuery(r)
	if err != nil {
		return Response{}, err
	}
	tr, err := h.svc.Transcript(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	if !wantsCSV(r.Header.Get("Accept")) {
		return JSON(http.StatusOK, transcriptJSON{RenewalYear: tr.RenewalYear, Window: windowOut(tr.From, tr.To),
			Entries: entriesOut(tr.Entries)}), nil
	}
	raw, err := transcriptCSV(tr.Entries)
	if err != nil {
		return Response{}, err
	}
	return Response{Raw: raw, ContentType: "text/csv; charset=utf-8", Headers: map[string]string{
		"content-disposition": fmt.Sprintf(`attachment; filename="cec-transcript-%d.csv"`, tr.RenewalYear),
		"vary":                "Accept",
	}}, nil
}

// yearQuery reads ?year=; 0 when absent (the coming renewal).
func yearQuery(r *Request) (int, error) {
	v := r.Query.Get("year")
	if v == "" {
		return 0, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y == 0 {
		return 0, fault.New(fault.Invalid, "invalid_request", "invalid query parameter",
			fault.Detail{Field: "year", Code: "invalid_value", Message: fmt.Sprintf("must be a renewal year from %d to %d", transcript.MinYear, transcript.MaxYear)})
	}
	return y, nil
}

func statusOut(st transcript.Status) statusJSON {
	y := st.Year
	out := statusJSON{RenewalYear: y.RenewalYear, Window: windowOut(y.From, y.To), DueOn: y.Period.Due.Format(time.DateOnly), Prorated: y.Period.Prorated, Credentials: st.Credentials,
		Required: y.Required, Counted: y.Counted, Met: y.Met, Outstanding: y.Outstanding,
		BySource:   bySourceJSON{Association: y.Association, Other: y.Other, OtherLimit: y.OtherLimit, OtherCounted: y.OtherCounted},
		Compliance: complianceJSON{Counted: y.Compliance, Minimum: st.ComplianceMinimum},
		Shortfalls: make([]shortfallJSON, 0, len(y.Shortfalls)), Activities: entriesOut(st.Entries),
		Pending: make([]pendingJSON, 0, len(st.Pending))}
	for _, p := range st.Pending {
		out.Pending = append(out.Pending, pendingJSON{ProgramID: p.ProgramID, Title: p.Title, ProviderName: p.ProviderName,
			Completed: p.Completed.Format(time.DateOnly), CECs: p.Hours})
	}
	if out.Credentials == nil {
		out.Credentials = []string{}
	}
	switch {
	case st.NoRequirement:
		out.Standing = "no_credentials"
	case y.Met:
		out.Standing = "met"
	default:
		out.Standing = "outstanding"
	}
	for _, s := range y.Shortfalls {
		out.Shortfalls = append(out.Shortfalls, shortfallJSON{Rule: s.Rule, Missing: s.Missing, Message: s.Message})
	}
	return out
}

func windowOut(from, to time.Time) windowJSON {
	return windowJSON{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
}

func entriesOut(entries []transcript.Entry) []entryJSON {
	out := make([]entryJSON, 0, len(entries))
	for _, e := range entries {
		a, v := e.Activity, e.Verdict
		out = append(out, entryJSON{ID: a.ID, Source: string(a.Source), Kind: a.Kind, Category: v.Category, Title: a.Title,
			Organisation: a.Organisation, Date: a.Date.Format(time.DateOnly), Hours: a.Hours, Compliance: a.Compliance,
			Status: string(v.Status), Counts: v.Counts, Reason: v.Reason, Message: v.Message})
		if a.Source == credits.SelfReported {
			out[len(out)-1].Documentation = &documentationJSON{Type: a.DocumentationType, Reference: a.DocumentationRef}
		}
	}
	return out
}

// transcriptHeader is the CSV transcript's header row.
var transcriptHeader = []string{"Date", "Source", "Kind", "Title", "Organisation", "Hours", "Compliance", "Status", "Counts", "Reason"}

// transcriptCSV writes entries as RFC 4180 CSV (CRLF line ends, fields
// quoted where needed).
func transcriptCSV(entries []transcript.Entry) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(transcriptHeader)
	for _, e := range entries {
		a, v := e.Activity, e.Verdict
		_ = w.Write([]string{a.Date.Format(time.DateOnly), string(a.Source), a.Kind, spreadsheetText(a.Title),
			spreadsheetText(a.Organisation), a.Hours.String(), yesNo(a.Compliance), string(v.Status), v.Counts.String(), v.Reason})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write transcript CSV: %w", err)
	}
	return buf.Bytes(), nil
}

// spreadsheetText keeps a free-text cell from being read as a formula by
// a spreadsheet (CSV injection): a cell that starts with = + - @ or a tab
// or carriage return gets a leading apostrophe, which spreadsheets show as
// text and hide.
func spreadsheetText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// wantsCSV reports whether an Accept header prefers text/csv to JSON: CSV
// must be acceptable (q > 0) and strictly preferred, so that a missing
// header, */* or a tie gives JSON. The most specific range that matches a
// type sets its quality, as RFC 9110 says.
func wantsCSV(accept string) bool {
	if accept == "" {
		return false
	}
	csvQ, jsonQ := quality(accept, "text", "csv"), quality(accept, "application", "json")
	return csvQ > 0 && csvQ > jsonQ
}

// quality is the q an Accept header gives type/sub.
func quality(accept, typ, sub string) float64 {
	best, q := -1, 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		t, s, _ := strings.Cut(mt, "/")
		spec := -1
		switch {
		case t == typ && s == sub:
			spec = 2
		case t == typ && s == "*":
			spec = 1
		case t == "*" && s == "*":
			spec = 0
		}
		if spec <= best {
			continue
		}
		best, q = spec, 1
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			} else {
				q = 0
			}
		}
	}
	return q
}

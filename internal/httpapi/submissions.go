package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/submissions"
)

// SubmissionRoutes are the routes of CEC submissions: the holder submits
// and follows, staff review and read a holder's.
func SubmissionRoutes(svc *submissions.Service) []Route {
	h := submissionHandlers{svc: svc}
	holder := Roles(identity.RoleHolder)
	staff := Roles(identity.RoleStaff)
	return []Route{
		{Method: http.MethodPost, Path: "/holders/me/submissions", Access: holder, Handle: h.submit, Precheck: h.precheck},
		{Method: http.MethodGet, Path: "/holders/me/submissions", Access: holder, Handle: h.mine},
		{Method: http.MethodGet, Path: "/holders/me/submissions/{submissionId}", Access: holder, Handle: h.get},
		{Method: http.MethodPost, Path: "/holders/me/submissions/{submissionId}/documents", Access: holder, Handle: h.provide},
		{Method: http.MethodGet, Path: "/holders/{holderId}/submissions", Access: staff, Handle: h.ofHolder},
		{Method: http.MethodGet, Path: "/review/submissions", Access: staff, Handle: h.reviewQueue},
		{Method: http.MethodPost, Path: "/submissions/{submissionId}/decision", Access: staff, Handle: h.decide},
	}
}

type submissionHandlers struct{ svc *submissions.Service }

type documentationJSON struct {
	Type      string `json:"type"`
	Reference string `json:"reference"`
}

type newActivityJSON struct {
	Kind                      string            `json:"kind"`
	Title                     string            `json:"title"`
	Organisation              string            `json:"organisation"`
	Date                      string            `json:"date"`
	Hours                     json.RawMessage   `json:"hours"`
	Compliance                bool              `json:"compliance"`
	Documentation             documentationJSON `json:"documentation"`
	Vendor                    string            `json:"vendor"`
	PurchasedThroughAffiliate bool              `json:"purchasedThroughAffiliate"`
	Documents                 []string          `json:"documents"`
}

type submissionActivityJSON struct {
	Index                     int               `json:"index"`
	ID                        string            `json:"id"`
	Kind                      string            `json:"kind"`
	Title                     string            `json:"title"`
	Organisation              string            `json:"organisation"`
	Date                      string            `json:"date"`
	Hours                     cec.Hours         `json:"hours"`
	Compliance                bool              `json:"compliance"`
	Documentation             documentationJSON `json:"documentation"`
	Vendor                    string            `json:"vendor,omitempty"`
	PurchasedThroughAffiliate bool              `json:"purchasedThroughAffiliate"`
	Verdict                   verdictJSON       `json:"verdict"`
	Decision                  string            `json:"decision"`
	DecisionReason            string            `json:"decisionReason,omitempty"`
	Documents                 []documentRefJSON `json:"documents,omitempty"`
}

type verdictJSON struct {
	Status   string    `json:"status"`
	Category string    `json:"category,omitempty"`
	Counts   cec.Hours `json:"counts"`
	Reason   string    `json:"reason,omitempty"`
	Message  string    `json:"message,omitempty"`
}

type submissionResultJSON struct {
	Met         bool      `json:"met"`
	Required    cec.Hours `json:"required"`
	Counted     cec.Hours `json:"counted"`
	Outstanding cec.Hours `json:"outstanding"`
}

type submissionJSON struct {
	SubmissionID string                   `json:"submissionId"`
	HolderID     string                   `json:"holderId"`
	HolderName   string                   `json:"holderName,omitempty"`
	RenewalYear  int                      `json:"year"`
	Status       string                   `json:"status"`
	Audit        bool                     `json:"audit"`
	AuditRequest *auditRequestJSON        `json:"auditRequest,omitempty"`
	Reason       string                   `json:"reason,omitempty"`
	Activities   []submissionActivityJSON `json:"activities"`
	Result       *submissionResultJSON    `json:"result"`
	History      []transitionJSON         `json:"history"`
	SubmittedAt  time.Time                `json:"submittedAt"`
	UpdatedAt    time.Time                `json:"updatedAt"`
}

type auditRequestJSON struct {
	State       string     `json:"state"`
	RequestedAt time.Time  `json:"requestedAt"`
	Due         string     `json:"due"`
	ProvidedAt  *time.Time `json:"providedAt,omitempty"`
}

type submissionPageJSON struct {
	Submissions []submissionJSON `json:"submissions"`
	NextCursor  string           `json:"nextCursor,omitempty"`
}

func submissionOut(s submissions.Submission) submissionJSON {
	out := submissionJSON{SubmissionID: s.ID, HolderID: s.HolderID, HolderName: s.HolderName, RenewalYear: s.RenewalYear, Status: string(s.Status),
		Audit: s.Audit, Reason: s.Reason, Activities: make([]submissionActivityJSON, 0, len(s.Items)),
		History: make([]transitionJSON, 0, len(s.History)), SubmittedAt: s.SubmittedAt, UpdatedAt: s.UpdatedAt}
	for i, it := range s.Items {
		a, v := it.Activity, it.Verdict
		out.Activities = append(out.Activities, submissionActivityJSON{Index: i, ID: a.ID, Kind: a.Kind, Title: a.Title,
			Organisation: a.Organisation, Date: a.Date.Format(time.DateOnly), Hours: a.Hours, Compliance: a.Compliance,
			Documentation: documentationJSON{Type: a.DocumentationType, Reference: a.DocumentationRef}, Vendor: a.Vendor,
			PurchasedThroughAffiliate: a.PurchasedThroughAffiliate,
			Verdict:                   verdictJSON{Status: string(v.Status), Category: v.Category, Counts: v.Counts, Reason: v.Reason, Message: v.Message},
			Decision:                  string(it.Decision), DecisionReason: it.DecisionReason})
		for _, d := range it.Documents {
			last := &out.Activities[len(out.Activities)-1]
			last.Documents = append(last.Documents, documentRefJSON{DocumentID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size})
		}
	}
	if a := s.AuditRequest; a != nil {
		out.AuditRequest = &auditRequestJSON{State: string(a.State), RequestedAt: a.RequestedAt, Due: a.Due.Format(time.DateOnly)}
		if !a.ProvidedAt.IsZero() {
			at := a.ProvidedAt
			out.AuditRequest.ProvidedAt = &at
		}
	}
	if r := s.Result; r != nil {
		out.Result = &submissionResultJSON{Met: r.Met, Required: r.Required, Counted: r.Counted, Outstanding: r.Outstanding}
	}
	for _, tr := range s.History {
		var from *string
		if tr.From != "" {
			f := string(tr.From)
			from = &f
		}
		out.History = append(out.History, transitionJSON{At: tr.At, By: tr.By, From: from, To: string(tr.To), Reason: tr.Reason})
	}
	return out
}

type newSubmissionJSON struct {
	Year       int               `json:"year"`
	Activities []newActivityJSON `json:"activities"`
}

// domain is the submission in describes, and the problems of the dates and
// numbers it could not read.
func (in newSubmissionJSON) domain() (submissions.NewSubmission, []fault.Detail) {
	ns := submissions.NewSubmission{RenewalYear: in.Year, Activities: make([]credits.Activity, 0, len(in.Activities))}
	var details []fault.Detail
	for i, a := range in.Activities {
		f := fmt.Sprintf("activities[%d].", i)
		on, d := dateIn(f+"date", a.Date)
		if d != nil {
			details = append(details, *d)
		}
		hours, d := hoursIn(f+"hours", a.Hours)
		if d != nil {
			details = append(details, *d)
		}
		ns.Activities = append(ns.Activities, credits.Activity{Kind: a.Kind, Title: a.Title, Organisation: a.Organisation,
			Date: on, Hours: hours, Compliance: a.Compliance, DocumentationType: a.Documentation.Type,
			DocumentationRef: a.Documentation.Reference, Vendor: a.Vendor, PurchasedThroughAffiliate: a.PurchasedThroughAffiliate})
		if len(a.Documents) > 0 {
			for len(ns.Attachments) < i {
				ns.Attachments = append(ns.Attachments, nil)
			}
			ns.Attachments = append(ns.Attachments, a.Documents)
		}
	}
	return ns, details
}

// precheck: every problem of a submission the contract refused, the
// service's own checks included.
func (h submissionHandlers) precheck(r *Request) []fault.Detail {
	var in newSubmissionJSON
	readLeniently(r, &in)
	ns, details := in.domain()
	return mergeDetails(details, h.svc.CheckNewSubmission(ns))
}

func (h submissionHandlers) submit(ctx context.Context, r *Request) (Response, error) {
	var in newSubmissionJSON
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	ns, details := in.domain()
	if len(details) > 0 {
		// The service's checks too, so that every problem is told at once.
		return Response{}, invalidFields(mergeDetails(details, h.svc.CheckNewSubmission(ns))...)
	}
	s, err := h.svc.Submit(ctx, r.Caller, ns)
	if err != nil {
		return Response{}, err
	}
	resp := JSON(http.StatusCreated, submissionOut(s))
	resp.Headers = map[string]string{"location": "/holders/me/submissions/" + url.PathEscape(s.ID)}
	return resp, nil
}

func (h submissionHandlers) get(ctx context.Context, r *Request) (Response, error) {
	s, err := h.svc.Get(ctx, r.Caller, r.Params["submissionId"])
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, submissionOut(s)), nil
}

func (h submissionHandlers) provide(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Activities []struct {
			Index     int      `json:"index"`
			Documents []string `json:"documents"`
		} `json:"activities"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	files := make([]submissions.ActivityFiles, 0, len(in.Activities))
	for _, a := range in.Activities {
		files = append(files, submissions.ActivityFiles{Index: a.Index, Documents: a.Documents})
	}
	s, err := h.svc.Provide(ctx, r.Caller, r.Params["submissionId"], files)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, submissionOut(s)), nil
}

func (h submissionHandlers) reviewQueue(ctx context.Context, r *Request) (Response, error) {
	return submissionPage(r, func(pg submissions.Page) ([]submissions.Submission, string, error) {
		return h.svc.ReviewQueue(ctx, r.Caller, submissions.Status(r.Query.Get("status")), pg)
	})
}

func (h submissionHandlers) mine(ctx context.Context, r *Request) (Response, error) {
	return submissionPage(r, func(pg submissions.Page) ([]submissions.Submission, string, error) {
		return h.svc.Mine(ctx, r.Caller, pg)
	})
}

func (h submissionHandlers) ofHolder(ctx context.Context, r *Request) (Response, error) {
	return submissionPage(r, func(pg submissions.Page) ([]submissions.Submission, string, error) {
		return h.svc.OfHolder(ctx, r.Caller, r.Params["holderId"], pg)
	})
}

// submissionPage answers one page of submissions that list reads.
func submissionPage(r *Request, list func(submissions.Page) ([]submissions.Submission, string, error)) (Response, error) {
	pg, err := pageIn(r.Query)
	if err != nil {
		return Response{}, err
	}
	subs, next, err := list(submissions.Page{Limit: pg.Limit, Cursor: pg.Cursor})
	if err != nil {
		return Response{}, err
	}
	out := submissionPageJSON{Submissions: make([]submissionJSON, 0, len(subs)), NextCursor: next}
	for _, s := range subs {
		out.Submissions = append(out.Submissions, submissionOut(s))
	}
	return JSON(http.StatusOK, out), nil
}

func (h submissionHandlers) decide(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Decision   string `json:"decision"`
		Reason     string `json:"reason"`
		Activities []struct {
			Index    int    `json:"index"`
			Decision string `json:"decision"`
			Reason   string `json:"reason"`
		} `json:"activities"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	var d submissions.Decision
	switch in.Decision {
	case "approve":
		d.Approve = true
	case "reject":
	default:
		return Response{}, invalidFields(fault.Detail{Field: "decision", Code: "enum", Message: "must be approve or reject"})
	}
	d.Reason = in.Reason
	for i, a := range in.Activities {
		if a.Decision != "reject" {
			return Response{}, invalidFields(fault.Detail{Field: fmt.Sprintf("activities[%d].decision", i), Code: "enum", Message: "must be reject"})
		}
		d.Rejections = append(d.Rejections, submissions.ActivityRejection{Index: a.Index, Reason: a.Reason})
	}
	s, err := h.svc.Decide(ctx, r.Caller, r.Params["submissionId"], d)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, submissionOut(s)), nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
)

// Submissions is the submissions.Store on the single table. Key layout
// (see docs/data-model.md):
//
//	HOLDER#<holderId>  SUBMISSION#<id>   the submission with its activities and decisions
//	  GSI2  SUBSTATUS#<status>  <entered status at>#<id>   the staff queue, longest waiting first
//	SUBMISSION#<id>    SUBMISSION        link to the holder, for reads by ID
//	HOLDER#<holderId>  SUBOPEN#<year>    the holder's one open submission for a renewal year
//
// The submission lives in the holder's partition so that the transcript's
// one Query sees its approved activities. The open-year lock is put with
// the submission and deleted in the write that decides it.
type Submissions struct{ t table.Table }

var _ submissions.Store = (*Submissions)(nil)

// NewSubmissions returns the submissions repository on t.
func NewSubmissions(t table.Table) *Submissions { return &Submissions{t: t} }

const (
	typeSubmission = "submission"
)

type submissionItem struct {
	PK          string            `json:"PK"`
	SK          string            `json:"SK"`
	GSI2PK      string            `json:"GSI2PK"`
	GSI2SK      string            `json:"GSI2SK"`
	Type        string            `json:"type"`
	ID          string            `json:"submissionId"`
	HolderID    string            `json:"holderId"`
	HolderEmail string            `json:"holderEmail"`
	HolderName  string            `json:"holderName"`
	RenewalYear int               `json:"renewalYear"`
	Status      string            `json:"status"`
	Activities  []subActivityItem `json:"activities"`
	Audit       bool              `json:"audit"`
	AuditReq    *auditRequestItem `json:"auditRequest,omitempty"`
	Reason      string            `json:"reason,omitempty"`
	Result      *subResultItem    `json:"result,omitempty"`
	History     []transitionItem  `json:"history"`
	SubmittedAt string            `json:"submittedAt"`
	UpdatedAt   string            `json:"updatedAt"`
	Version     int64             `json:"version"`
}

type subActivityItem struct {
	ID                        string       `json:"id"`
	Kind                      string       `json:"kind"`
	Title                     string       `json:"title"`
	Organisation              string       `json:"organisation"`
	Date                      string       `json:"date"` // YYYY-MM-DD
	Hours                     string       `json:"hours"`
	Compliance                bool         `json:"compliance"`
	DocumentationType         string       `json:"documentationType"`
	DocumentationRef          string       `json:"documentationRef"`
	Vendor                    string       `json:"vendor,omitempty"`
	PurchasedThroughAffiliate bool         `json:"purchasedThroughAffiliate"`
	VerdictStatus             string       `json:"verdictStatus"`
	VerdictCategory           string       `json:"verdictCategory,omitempty"`
	VerdictCounts             string       `json:"verdictCounts"`
	VerdictReason             string       `json:"verdictReason,omitempty"`
	VerdictMessage            string       `json:"verdictMessage,omitempty"`
	Decision                  string       `json:"decision"`
	DecisionReason            string       `json:"decisionReason,omitempty"`
	Documents                 []docRefItem `json:"documents,omitempty"`
}

// docRefItem is a document an activity names, as a person recognises it.
type docRefItem struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

type auditRequestItem struct {
	State       string `json:"state"`
	RequestedAt string `json:"requestedAt"`
	Due         string `json:"due"` // YYYY-MM-DD
	ProvidedAt  string `json:"providedAt,omitempty"`
}

type subResultItem struct {
	Met         bool   `json:"met"`
	Required    string `json:"required"`
	Counted     string `json:"counted"`
	Outstanding string `json:"outstanding"`
}

type submissionLinkItem struct {
	PK       string `json:"PK"`
	SK       string `json:"SK"`
	Type     string `json:"type"`
	HolderID string `json:"holderId"`
}

type submissionOpenItem struct {
	PK           string `json:"PK"`
	SK           string `json:"SK"`
	Type         string `json:"type"`
	SubmissionID string `json:"submissionId"`
}

func submissionToItem(s submissions.Submission) (submissionItem, error) {
	k := submissionKey(s.HolderID, s.ID)
	it := submissionItem{PK: k.PK, SK: k.SK, GSI2PK: submissionStatusPK(s.Status),
		GSI2SK: keyTime(s.StatusSince()) + "#" + s.ID, Type: typeSubmission, ID: s.ID, HolderID: s.HolderID,
		HolderEmail: s.HolderEmail, HolderName: s.HolderName, RenewalYear: s.RenewalYear, Status: string(s.Status),
		Activities: make([]subActivityItem, 0, len(s.Items)), Audit: s.Audit, Reason: s.Reason,
		History: make([]transitionItem, 0, len(s.History)), SubmittedAt: formatTime(s.SubmittedAt),
		UpdatedAt: formatTime(s.UpdatedAt), Version: s.Version}
	for _, x := range s.Items {
		a, v := x.Activity, x.Verdict
		hours, err := hoursText(a.Hours)
		if err != nil {
			return submissionItem{}, fmt.Errorf("activity %s hours: %w", a.ID, err)
		}
		counts, err := hoursText(v.Counts)
		if err != nil {
			return submissionItem{}, fmt.Errorf("activity %s counts: %w", a.ID, err)
		}
		it.Activities = append(it.Activities, subActivityItem{ID: a.ID, Kind: a.Kind, Title: a.Title,
			Organisation: a.Organisation, Date: a.Date.Format(time.DateOnly), Hours: hours, Compliance: a.Compliance,
			DocumentationType: a.DocumentationType, DocumentationRef: a.DocumentationRef, Vendor: a.Vendor,
			PurchasedThroughAffiliate: a.PurchasedThroughAffiliate, VerdictStatus: string(v.Status),
			VerdictCategory: v.Category, VerdictCounts: counts, VerdictReason: v.Reason, VerdictMessage: v.Message,
			Decision: string(x.Decision), DecisionReason: x.DecisionReason})
		for _, d := range x.Documents {
			last := &it.Activities[len(it.Activities)-1]
			last.Documents = append(last.Documents, docRefItem{ID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size})
		}
	}
	if a := s.AuditRequest; a != nil {
		it.AuditReq = &auditRequestItem{State: string(a.State), RequestedAt: formatTime(a.RequestedAt),
			Due: a.Due.Format(time.DateOnly), ProvidedAt: formatTime(a.ProvidedAt)}
	}
	if r := s.Result; r != nil {
		it.Result = &subResultItem{Met: r.Met, Required: r.Required.String(), Counted: r.Counted.String(),
			Outstanding: r.Outstanding.String()}
	}
	for _, tr := range s.History {
		it.History = append(it.History, transitionItem{At: formatTime(tr.At), By: tr.By, From: string(tr.From),
			To: string(tr.To), Reason: tr.Reason})
	}
	return it, nil
}

func submissionFromItem(it submissionItem) (submissions.Submission, error) {
	s := submissions.Submission{ID: it.ID, HolderID: it.HolderID, HolderEmail: it.HolderEmail, HolderName: it.HolderName,
		RenewalYear: it.RenewalYear, Status: submissions.Status(it.Status), Items: make([]submissions.Item, 0, len(it.Activities)),
		Audit: it.Audit, Reason: it.Reason, History: make([]submissions.Transition, 0, len(it.History)),
		SubmittedAt: parseTime(it.SubmittedAt), UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version}
	for _, a := range it.Activities {
		on, err := time.Parse(time.DateOnly, a.Date)
		if err != nil {
			return submissions.Submission{}, fmt.Errorf("activity %s date: %w", a.ID, err)
		}
		hours, err := parseHours(a.Hours)
		if err != nil {
			return submissions.Submission{}, fmt.Errorf("activity %s hours: %w", a.ID, err)
		}
		counts, err := parseHours(a.VerdictCounts)
		if err != nil {
			return submissions.Submission{}, fmt.Errorf("activity %s counts: %w", a.ID, err)
		}
		act := credits.Activity{ID: a.ID, Source: credits.SelfReported, Kind: a.Kind, Title: a.Title,
			Organisation: a.Organisation, Date: on, Hours: hours, Compliance: a.Compliance,
			DocumentationType: a.DocumentationType, DocumentationRef: a.DocumentationRef, Vendor: a.Vendor,
			PurchasedThroughAffiliate: a.PurchasedThroughAffiliate}
		s.Items = append(s.Items, submissions.Item{Activity: act,
			Verdict: credits.Verdict{ActivityID: a.ID, Kind: a.Kind, Category: a.VerdictCategory,
				Status: credits.Status(a.VerdictStatus), Hours: hours, Counts: counts, Reason: a.VerdictReason,
				Message: a.VerdictMessage},
			Decision: submissions.ActivityDecision(a.Decision), DecisionReason: a.DecisionReason})
		for _, d := range a.Documents {
			last := &s.Items[len(s.Items)-1]
			last.Documents = append(last.Documents, documents.Ref{ID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size})
		}
	}
	if a := it.AuditReq; a != nil {
		due, err := time.Parse(time.DateOnly, a.Due)
		if err != nil {
			return submissions.Submission{}, fmt.Errorf("audit due: %w", err)
		}
		s.AuditRequest = &submissions.AuditRequest{State: submissions.AuditState(a.State), RequestedAt: parseTime(a.RequestedAt),
			Due: due, ProvidedAt: parseTime(a.ProvidedAt)}
	}
	if r := it.Result; r != nil {
		req, err1 := parseHours(r.Required)
		cnt, err2 := parseHours(r.Counted)
		out, err3 := parseHours(r.Outstanding)
		if err := errors.Join(err1, err2, err3); err != nil {
			return submissions.Submission{}, fmt.Errorf("result: %w", err)
		}
		s.Result = &submissions.Result{Met: r.Met, Required: req, Counted: cnt, Outstanding: out}
	}
	for _, tr := range it.History {
		s.History = append(s.History, submissions.Transition{At: parseTime(tr.At), By: tr.By,
			From: submissions.Status(tr.From), To: submissions.Status(tr.To), Reason: tr.Reason})
	}
	return s, nil
}

func decodeSubmission(item table.Item) (submissions.Submission, error) {
	var it submissionItem
	if err := table.Unmarshal(item, &it); err != nil {
		return submissions.Submission{}, fmt.Errorf("unmarshal submission %s: %w", table.KeyOf(item), err)
	}
	s, err := submissionFromItem(it)
	if err != nil {
		return submissions.Submission{}, fmt.Errorf("decode submission %s: %w", it.ID, err)
	}
	return s, nil
}

// approvedActivities are the activities of s that count on the transcript:
// those staff approved.
func approvedActivities(s submissions.Submission) []credits.Activity {
	var out []credits.Activity
	if s.Status != submissions.Approved {
		return nil
	}
	for _, it := range s.Items {
		if it.Decision == submissions.ActivityApprove {
			out = append(out, it.Activity)
		}
	}
	return out
}

// Record reads the holder's partition with one Query: the holder, what
// counts on their record (credits and approved self-reported activities)
// and their submissions.
func (r *Submissions) Record(ctx context.Context, holderID string) (submissions.Record, error) {
	p, err := readHolderPartition(ctx, r.t, holderID)
	if err != nil {
		return submissions.Record{}, err
	}
	rec := submissions.Record{Holder: p.holder, Activities: p.credits, Submissions: p.submissions, Documents: p.documents}
	for _, s := range p.submissions {
		rec.Activities = append(rec.Activities, approvedActivities(s)...)
	}
	return rec, nil
}

func submissionAsItem(s submissions.Submission) (table.Item, error) {
	it, err := submissionToItem(s)
	if err != nil {
		return nil, fmt.Errorf("submission %s: %w", s.ID, err)
	}
	item, err := table.Marshal(it)
	if err != nil {
		return nil, fmt.Errorf("marshal submission %s: %w", s.ID, err)
	}
	return item, nil
}

// Create writes the submission, its link and the holder's open-year lock
// with msgs, and attaches the documents, in one transaction;
// submissions.ErrOpen when the lock is held, ErrDocumentChanged when a
// document's version moved.
func (r *Submissions) Create(ctx context.Context, s submissions.Submission, attach []documents.Document, msgs ...outbox.Message) error {
	item, err := submissionAsItem(s)
	if err != nil {
		return err
	}
	lk := submissionLinkKey(s.ID)
	link, err := table.Marshal(submissionLinkItem{PK: lk.PK, SK: lk.SK, Type: "submission-link", HolderID: s.HolderID})
	if err != nil {
		return fmt.Errorf("marshal submission link %s: %w", s.ID, err)
	}
	ok := submissionOpenKey(s.HolderID, s.RenewalYear)
	lock, err := table.Marshal(submissionOpenItem{PK: ok.PK, SK: ok.SK, Type: "submission-open", SubmissionID: s.ID})
	if err != nil {
		return fmt.Errorf("marshal submission lock %s: %w", s.ID, err)
	}
	ops := []table.Op{table.Put(item, table.IfNotExists()), table.Put(link, table.IfNotExists()), table.Put(lock, table.IfNotExists())}
	return r.write(ctx, "create", s.ID, ops, attach, msgs, map[table.Key]error{ok: submissions.ErrOpen})
}

// write writes ops, the attachment of attach to submission id and msgs in
// one transaction; a failed condition is named by the error of its key in
// failed, or of a document (ErrDocumentChanged).
func (r *Submissions) write(ctx context.Context, what, id string, ops []table.Op, attach []documents.Document, msgs []outbox.Message, failed map[table.Key]error) error {
	docs, err := attachOps(attach, id)
	if err != nil {
		return err
	}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return err
	}
	err = r.t.Write(ctx, slices.Concat(ops, docs, out)...)
	if err == nil {
		return nil
	}
	for k, e := range failed {
		if table.FailedOn(err, k) {
			return fmt.Errorf("%s submission %s: %w", what, id, e)
		}
	}
	if slices.ContainsFunc(attach, func(d documents.Document) bool { return table.FailedOn(err, documentKey(d.HolderID, d.ID)) }) {
		return fmt.Errorf("%s submission %s: %w", what, id, submissions.ErrDocumentChanged)
	}
	return fmt.Errorf("%s submission %s: %w", what, id, err)
}

// Save writes s under the version it was read at (s.Version-1) with its
// audit marker, attaches the documents and writes msgs, in one transaction.
func (r *Submissions) Save(ctx context.Context, s submissions.Submission, attach []documents.Document, msgs ...outbox.Message) error {
	item, err := submissionAsItem(s)
	if err != nil {
		return err
	}
	k := submissionKey(s.HolderID, s.ID)
	ops := []table.Op{table.Put(item, table.IfEqual("version", table.N(s.Version-1)))}
	marker, err := dueAuditOps(s)
	if err != nil {
		return err
	}
	if !s.Status.Open() {
		return fmt.Errorf("save submission %s: only an open submission is saved this way", s.ID)
	}
	return r.write(ctx, "save", s.ID, append(ops, marker...), attach, msgs, map[table.Key]error{k: submissions.ErrChanged})
}

// Get reads a submission by ID through its link, or submissions.ErrNotFound.
func (r *Submissions) Get(ctx context.Context, id string) (submissions.Submission, error) {
	linkItem, err := r.t.Get(ctx, submissionLinkKey(id))
	if errors.Is(err, table.ErrNotFound) {
		return submissions.Submission{}, submissions.ErrNotFound
	}
	if err != nil {
		return submissions.Submission{}, fmt.Errorf("get submission link %s: %w", id, err)
	}
	var link submissionLinkItem
	if err := table.Unmarshal(linkItem, &link); err != nil {
		return submissions.Submission{}, fmt.Errorf("unmarshal submission link %s: %w", id, err)
	}
	item, err := r.t.Get(ctx, submissionKey(link.HolderID, id))
	if errors.Is(err, table.ErrNotFound) {
		return submissions.Submission{}, submissions.ErrNotFound
	}
	if err != nil {
		return submissions.Submission{}, fmt.Errorf("get submission %s: %w", id, err)
	}
	return decodeSubmission(item)
}

// Update is the read-modify-write of a submission under its version; a
// write that decides it also frees the holder's open-year lock.
func (r *Submissions) Update(ctx context.Context, id string, fn func(s *submissions.Submission) ([]outbox.Message, error)) (submissions.Submission, error) {
	var s, unchanged submissions.Submission
	err := table.UpdateVersioned(ctx, r.t, func() (table.Versioned, error) {
		before, err := r.Get(ctx, id)
		if err != nil {
			return table.Versioned{}, err
		}
		unchanged, s = before, before
		s.Items = append([]submissions.Item{}, before.Items...)
		s.History = append([]submissions.Transition{}, before.History...)
		if before.Result != nil {
			res := *before.Result
			s.Result = &res
		}
		if before.AuditRequest != nil {
			a := *before.AuditRequest
			s.AuditRequest = &a
		}
		msgs, err := fn(&s)
		if err != nil {
			return table.Versioned{}, err
		}
		s.ID, s.HolderID, s.RenewalYear, s.SubmittedAt, s.Version = before.ID, before.HolderID, before.RenewalYear, before.SubmittedAt, before.Version+1
		item, err := submissionAsItem(s)
		if err != nil {
			return table.Versioned{}, err
		}
		with, err := dueAuditOps(s)
		if err != nil {
			return table.Versioned{}, err
		}
		if before.Status.Open() && !s.Status.Open() {
			with = append(with, table.Delete(submissionOpenKey(s.HolderID, s.RenewalYear), table.Condition{}))
		}
		out, err := OutboxOps(msgs...)
		if err != nil {
			return table.Versioned{}, err
		}
		return table.Versioned{Item: item, Version: before.Version, With: append(with, out...)}, nil
	})
	switch {
	case errors.Is(err, submissions.ErrNoChange):
		return unchanged, err
	case err != nil:
		return submissions.Submission{}, err
	}
	return s, nil
}

// ByHolder lists one page of a holder's submissions from the holder's
// partition (one Query), in submission ID order.
func (r *Submissions) ByHolder(ctx context.Context, holderID string, pg submissions.Page) ([]submissions.Submission, string, error) {
	q := table.Query{PK: holderKey(holderID).PK, Op: table.SKBeginsWith, Value: skSubmission, Cursor: pg.Cursor,
		Limit: pageLimit(pg.Limit, listPageDefault, listPageMax)}
	page, err := r.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query submissions of %s: %w", holderID, err))
	}
	return decodeList(ctx, "submissions of "+holderID, page.Items, decodeSubmission), page.Cursor, nil
}

// ByStatus lists submissions in status st, longest in it first (GSI2).
func (r *Submissions) ByStatus(ctx context.Context, st submissions.Status, pg submissions.Page) ([]submissions.Submission, string, error) {
	q := table.Query{Index: table.IndexGSI2, PK: submissionStatusPK(st), Cursor: pg.Cursor, Limit: pageLimit(pg.Limit, listPageDefault, listPageMax)}
	page, err := r.t.Query(ctx, q)
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query submissions %s: %w", st, err))
	}
	return decodeList(ctx, "submissions "+string(st), page.Items, decodeSubmission), page.Cursor, nil
}

package submissions

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/calendar"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/policy"
)

// The renewal years and sizes a submission may have.
const (
	MinYear       = 2000
	MaxYear       = 2100
	MaxActivities = 50
	// MaxFilesPerWrite bounds the documents one write attaches: each is an
	// operation of the write's transaction (at most 100 in all).
	MaxFilesPerWrite = 50
	maxText          = 500
	maxReason        = 2000
)

// system is who the asynchronous step acts as in the history.
const system = "system"

// Holders finds the caller's holder account, and a holder for staff
// (accounts.Service).
type Holders interface {
	// MyHolderID: Unauthenticated; NotFound holder_not_found.
	MyHolderID(ctx context.Context, c identity.Caller) (string, error)
	// Holder: Unauthenticated; Forbidden unless staff; NotFound holder_not_found.
	Holder(ctx context.Context, c identity.Caller, holderID string) (accounts.Holder, error)
}

// Dispatcher sends committed outbox messages on (outbox.Relay).
type Dispatcher interface {
	Dispatch(ctx context.Context, msgs ...outbox.Message)
}

// Service is the submission use cases. Methods return *fault.Error for
// whatever the caller got wrong; any other error is an internal failure.
type Service struct {
	store   Store
	holders Holders
	policy  *policy.Policy
	clock   clock.Clock
	newID   func(prefix string) string
	relay   Dispatcher
	files   FileRemover // nil where no files are removed
}

// NewService wires the submissions service.
func NewService(s Store, h Holders, p *policy.Policy, c clock.Clock, newID func(string) string, relay Dispatcher) *Service {
	return &Service{store: s, holders: h, policy: p, clock: c, newID: newID, relay: relay}
}

var (
	errNotFound = fault.New(fault.NotFound, "submission_not_found", "no such submission among yours")
	errNoHolder = fault.New(fault.NotFound, "holder_not_found", "you have no holder account yet: create one with POST /holders")
)

// NewSubmission is what a holder submits.
type NewSubmission struct {
	RenewalYear int
	Activities  []credits.Activity // Kind, Title, Organisation, Date, Hours, Compliance, documentation, vendor
	// Attachments are the IDs of the documents attached to each activity,
	// by the activity's index (shorter when the last have none).
	Attachments [][]string
}

func invalid(d ...fault.Detail) error {
	return fault.New(fault.Invalid, "invalid_request", "the submission has invalid fields", d...)
}

// CheckNewSubmission reports every problem Submit would find in the fields
// of in, writing nothing (the HTTP edge tells them with the contract's).
func (s *Service) CheckNewSubmission(in NewSubmission) []fault.Detail {
	in.Activities = slices.Clone(in.Activities)
	for i := range in.Activities {
		in.Activities[i] = clean(in.Activities[i])
	}
	return s.checkFields(in, s.clock.Now())
}

func (s *Service) checkFields(in NewSubmission, now time.Time) []fault.Detail {
	return check(in, calendar.Day(now.In(s.policy.Association.Location())), s.policy.Renewal.MaxActivityCECs)
}

// check checks a submission's fields, all at once: today is the date in
// the association's time zone (no activity is dated after it), maxHours the
// policy's bound on one activity.
func check(in NewSubmission, today time.Time, maxHours cec.Hours) []fault.Detail {
	var d []fault.Detail
	if in.RenewalYear < MinYear || in.RenewalYear > MaxYear {
		d = append(d, fault.Detail{Field: "year", Code: "out_of_range", Message: fmt.Sprintf("must be a renewal year from %d to %d", MinYear, MaxYear)})
	}
	if n := len(in.Activities); n < 1 || n > MaxActivities {
		d = append(d, fault.Detail{Field: "activities", Code: "count", Message: fmt.Sprintf("must list 1 to %d activities", MaxActivities)})
	}
	for i, a := range in.Activities {
		f := fmt.Sprintf("activities[%d].", i)
		for _, t := range []struct {
			name, v  string
			required bool
		}{
			{"kind", a.Kind, true}, {"title", a.Title, true}, {"organisation", a.Organisation, true}, {"vendor", a.Vendor, false},
			{"documentation.type", a.DocumentationType, false}, {"documentation.reference", a.DocumentationRef, false},
		} {
			if t.v == "" && t.required {
				d = append(d, fault.Detail{Field: f + t.name, Code: "required", Message: "is required"})
			} else if code, msg := freetext.Check(t.v, maxText, false); code != "" {
				d = append(d, fault.Detail{Field: f + t.name, Code: code, Message: msg})
			}
		}
		switch {
		case a.Hours <= 0:
			d = append(d, fault.Detail{Field: f + "hours", Code: "out_of_range", Message: "must be more than 0"})
		case a.Hours > maxHours:
			d = append(d, fault.Detail{Field: f + "hours", Code: "out_of_range", Message: fmt.Sprintf("must be at most %s CECs for one activity", maxHours)})
		}
		switch {
		case a.Date.IsZero():
			d = append(d, fault.Detail{Field: f + "date", Code: "required", Message: "is required"})
		case a.Date.After(today):
			d = append(d, fault.Detail{Field: f + "date", Code: "future_date", Message: "must not be after today: report what you have done"})
		}
	}
	slices.SortStableFunc(d, func(a, b fault.Detail) int { return cmp.Compare(a.Field, b.Field) })
	return d
}

func clean(a credits.Activity) credits.Activity {
	a.Kind, a.Title = strings.TrimSpace(a.Kind), strings.TrimSpace(a.Title)
	a.Organisation, a.Vendor = strings.TrimSpace(a.Organisation), strings.TrimSpace(a.Vendor)
	a.DocumentationType, a.DocumentationRef = strings.TrimSpace(a.DocumentationType), strings.TrimSpace(a.DocumentationRef)
	a.Source = credits.SelfReported
	return a
}

// window returns the record's activities earned in the renewal period's
// window, as the engine sees them (credited programs count as the policy's
// program kind).
func (s *Service) window(acts []credits.Activity, period policy.Period) []credits.Activity {
	out := make([]credits.Activity, 0, len(acts))
	for _, a := range acts {
		if !period.Contains(a.Date) {
			continue
		}
		if a.Source == credits.Credited {
			a.Kind = s.policy.Renewal.ProgramKind
		}
		out = append(out, a)
	}
	return out
}

// Submit judges the caller's submission for a renewal year with what their
// record already counts for it, and records it (received) only if the year
// then meets its requirement; its reviewer step is queued in the same write.
// Errors: Unauthenticated; NotFound holder_not_found; Invalid
// invalid_request; Unprocessable no_credentials (nothing to renew);
// Unprocessable requirement_not_met (a detail per shortfall rule, field the
// rule, and per refused activity, field activities[i], code the verdict's
// reason) and nothing is recorded; Conflict submission_open.
func (s *Service) Submit(ctx context.Context, c identity.Caller, in NewSubmission) (Submission, error) {
	if c.Anonymous() {
		return Submission{}, identity.ErrSignIn
	}
	for i := range in.Activities {
		in.Activities[i] = clean(in.Activities[i])
	}
	now := s.clock.Now()
	if d := s.checkFields(in, now); len(d) > 0 {
		return Submission{}, invalid(d...)
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return Submission{}, err
	}
	rec, err := s.store.Record(ctx, holderID)
	if errors.Is(err, accounts.ErrNotFound) {
		return Submission{}, errNoHolder
	}
	if err != nil {
		return Submission{}, fmt.Errorf("read record of holder %s: %w", holderID, err)
	}
	period := s.policy.Period(in.RenewalYear, rec.Holder.Held())
	if len(period.Credentials) == 0 {
		return Submission{}, fault.New(fault.Unprocessable, "no_credentials",
			"you hold no credential that needs renewal CECs: staff record the credentials you hold")
	}
	if period.Year != in.RenewalYear {
		// Periods of several years: the holder renews in some years only.
		return Submission{}, fault.New(fault.Unprocessable, "not_a_renewal_year", fmt.Sprintf("you have no renewal due in %d", in.RenewalYear),
			fault.Detail{Field: "year", Code: "not_a_renewal_year", Message: fmt.Sprintf(
				"You have no renewal due in %d. Your next is due on %s, for CECs earned %s: enter %d.", in.RenewalYear,
				period.Due.Format("January 2, 2006"), period.WindowWords(), period.Year)})
	}
	if period.Required == 0 { // prorated to nothing: earned in the period's last month
		return Submission{}, fault.Errorf(fault.Unprocessable, "nothing_required",
			"your %d renewal needs no CECs: you earned your credential at the end of its period; your CECs count toward the next renewal", period.Year)
	}
	for _, o := range rec.Submissions {
		if o.RenewalYear == in.RenewalYear && o.Status.Open() {
			return Submission{}, openConflict(o)
		}
	}
	attach, refs, d := s.attachments(in, rec.Documents)
	if len(d) > 0 {
		return Submission{}, invalid(d...)
	}
	id := s.newID("SUB")
	existing := s.window(rec.Activities, period)
	all := slices.Clone(existing)
	for i := range in.Activities {
		in.Activities[i].ID = fmt.Sprintf("%s-%d", id, i+1)
		all = append(all, in.Activities[i])
	}
	y := credits.Judge(s.policy, period, all)
	verdicts := y.Verdicts[len(existing):]
	if !y.Met {
		var d []fault.Detail
		for _, sf := range y.Shortfalls {
			d = append(d, fault.Detail{Field: sf.Rule, Code: "shortfall",
				Message: fmt.Sprintf("%s CEC missing: %s", sf.Missing, sf.Message),
				Figures: map[string]cec.Hours{"missing": sf.Missing, "counted": sf.Counted, "required": sf.Required}})
		}
		for i, v := range verdicts {
			if v.Status == credits.Refused {
				d = append(d, fault.Detail{Field: fmt.Sprintf("activities[%d]", i), Code: v.Reason, Message: v.Message})
			}
		}
		return Submission{}, fault.New(fault.Unprocessable, "requirement_not_met",
			fmt.Sprintf("with this submission the %d renewal would still not meet its requirement; nothing was recorded", in.RenewalYear), d...)
	}
	now = now.UTC()
	sub := Submission{ID: id, HolderID: rec.Holder.ID, HolderEmail: rec.Holder.Email,
		HolderName: strings.TrimSpace(rec.Holder.FirstName + " " + rec.Holder.LastName), RenewalYear: in.RenewalYear,
		Status: Received, Items: make([]Item, len(in.Activities)), SubmittedAt: now, UpdatedAt: now, Version: 1,
		History: []Transition{{At: now, By: c.Sub, To: Received, Reason: "submitted by the holder"}}}
	for i, a := range in.Activities {
		sub.Items[i] = Item{Activity: a, Verdict: verdicts[i], Decision: Pending, Documents: refs[i]}
	}
	m, err := outbox.New(Queue, Step{SubmissionID: id})
	if err != nil {
		return Submission{}, err
	}
	err = s.store.Create(ctx, sub, attach, m)
	if errors.Is(err, ErrOpen) {
		return Submission{}, fault.Errorf(fault.Conflict, "submission_open", "you already have an open submission for the %d renewal", in.RenewalYear)
	}
	if errors.Is(err, ErrDocumentChanged) {
		e := fault.New(fault.Conflict, "document_changed", "one of the attached files changed while you submitted: submit again")
		e.Retry = true
		return Submission{}, e
	}
	if err != nil {
		return Submission{}, fmt.Errorf("create submission: %w", err)
	}
	s.relay.Dispatch(ctx, m)
	return sub, nil
}

// attachments resolves in's attachments among the holder's documents: the
// documents to attach and each activity's references, or a detail per
// problem on field activities[i].documents.
func (s *Service) attachments(in NewSubmission, docs []documents.Document) ([]documents.Document, [][]documents.Ref, []fault.Detail) {
	if len(in.Attachments) > len(in.Activities) {
		return nil, nil, []fault.Detail{{Field: "activities", Code: "count", Message: "names documents for activities it does not have"}}
	}
	wanted := make([]ActivityFiles, 0, len(in.Attachments))
	for i, ids := range in.Attachments {
		wanted = append(wanted, ActivityFiles{Index: i, Documents: ids})
	}
	return s.resolve(wanted, make([]int, len(in.Activities)), docs)
}

// resolve finds each of wanted's documents among the holder's docs: it
// must be theirs, checked, named by no submission and named once, and an
// activity may have at most the policy's number of files, counting the
// have it has already. It returns the documents to attach and each
// activity's new references, or a detail per problem.
func (s *Service) resolve(wanted []ActivityFiles, have []int, docs []documents.Document) ([]documents.Document, [][]documents.Ref, []fault.Detail) {
	var (
		attach []documents.Document
		refs   = make([][]documents.Ref, len(have))
		d      []fault.Detail
		seen   = map[string]bool{}
	)
	total := 0
	for _, w := range wanted {
		total += len(w.Documents)
	}
	if total > MaxFilesPerWrite {
		return nil, nil, []fault.Detail{{Field: "activities", Code: "count",
			Message: fmt.Sprintf("Attach at most %d files at a time: send the others in a second round", MaxFilesPerWrite)}}
	}
	for _, w := range wanted {
		field := fmt.Sprintf("activities[%d].documents", w.Index)
		if w.Index < 0 || w.Index >= len(have) {
			d = append(d, fault.Detail{Field: fmt.Sprintf("activities[%d].index", w.Index), Code: "out_of_range",
				Message: fmt.Sprintf("must name one of the %d activities", len(have))})
			continue
		}
		if max := s.policy.Attachments.PerActivity; have[w.Index]+len(refs[w.Index])+len(w.Documents) > max {
			d = append(d, fault.Detail{Field: field, Code: "count", Message: fmt.Sprintf("Attach at most %d files to one activity", max)})
			continue
		}
		for _, id := range w.Documents {
			k := slices.IndexFunc(docs, func(x documents.Document) bool { return x.ID == id })
			switch {
			case k < 0:
				d = append(d, fault.Detail{Field: field, Code: "document_not_found", Message: "One of the files is not among yours, or it was removed: attach it again"})
			case docs[k].Status != documents.Ready:
				d = append(d, fault.Detail{Field: field, Code: "document_not_ready", Message: "One of the files has not finished uploading: wait for it, or attach it again"})
			case docs[k].SubmissionID != "" || seen[id]:
				d = append(d, fault.Detail{Field: field, Code: "document_attached", Message: "One of the files already documents another activity: attach a copy of it instead"})
			default:
				seen[id] = true
				attach = append(attach, docs[k])
				refs[w.Index] = append(refs[w.Index], docs[k].Ref())
			}
		}
	}
	return attach, refs, d
}

// ActivityFiles are documents to attach to the activity at Index.
type ActivityFiles struct {
	Index     int
	Documents []string
}

// Provide attaches the caller's checked documents to activities of their
// submission while staff have not decided it: the files a documentation
// audit asks for, or any the holder adds meanwhile. Once every activity
// has its files, an audit's request is provided. The documents, the
// submission and its history change in one write.
// Errors: Unauthenticated; NotFound holder_not_found, submission_not_found
// (also another holder's); Conflict submission_decided; Invalid
// invalid_request (no files; an activity out of range; a document not the
// caller's, not ready, already attached, or one too many, each on
// activities[i].documents); Conflict document_changed, submission_changed
// (retry).
func (s *Service) Provide(ctx context.Context, c identity.Caller, id string, files []ActivityFiles) (Submission, error) {
	if c.Anonymous() {
		return Submission{}, identity.ErrSignIn
	}
	n := 0
	for _, f := range files {
		n += len(f.Documents)
	}
	if n == 0 {
		return Submission{}, invalid(fault.Detail{Field: "activities", Code: "required", Message: "must name at least one file"})
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return Submission{}, err
	}
	rec, err := s.store.Record(ctx, holderID)
	if err != nil {
		return Submission{}, fmt.Errorf("read record of holder %s: %w", holderID, err)
	}
	k := slices.IndexFunc(rec.Submissions, func(x Submission) bool { return x.ID == id })
	if k < 0 {
		return Submission{}, errNotFound
	}
	sub := rec.Submissions[k]
	if !sub.Status.Open() {
		return Submission{}, fault.Errorf(fault.Conflict, "submission_decided",
			"your submission %s is %s: files can no longer be added to it", sub.ID, sub.Status)
	}
	have := make([]int, len(sub.Items))
	for i, it := range sub.Items {
		have[i] = len(it.Documents)
	}
	attach, refs, d := s.resolve(files, have, rec.Documents)
	if len(d) > 0 {
		return Submission{}, invalid(d...)
	}
	now := s.clock.Now().UTC()
	sub.Items = slices.Clone(sub.Items)
	for i := range sub.Items {
		sub.Items[i].Documents = append(slices.Clone(sub.Items[i].Documents), refs[i]...)
	}
	reason := fmt.Sprintf("%d %s added by the holder", len(attach), plural(len(attach), "file", "files"))
	if a := sub.AuditRequest; a != nil && a.State == AuditRequested && len(sub.Missing()) == 0 {
		req := *a
		req.State, req.ProvidedAt = AuditProvided, now
		sub.AuditRequest = &req
		reason += ": the documentation the audit asked for is complete"
	}
	sub.History = append(slices.Clone(sub.History), Transition{At: now, By: c.Sub, From: sub.Status, To: sub.Status, Reason: reason})
	sub.UpdatedAt, sub.Version = now, sub.Version+1
	err = s.store.Save(ctx, sub, attach)
	switch {
	case errors.Is(err, ErrDocumentChanged):
		e := fault.New(fault.Conflict, "document_changed", "one of the files changed while you sent it: send it again")
		e.Retry = true
		return Submission{}, e
	case errors.Is(err, ErrChanged):
		e := fault.New(fault.Conflict, "submission_changed", "your submission changed while you sent the files: send them again")
		e.Retry = true
		return Submission{}, e
	case err != nil:
		return Submission{}, fmt.Errorf("save submission %s: %w", id, err)
	}
	return sub, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func openConflict(o Submission) error {
	return fault.Errorf(fault.Conflict, "submission_open",
		"your submission %s for the %d renewal is still %s: wait for its decision", o.ID, o.RenewalYear, o.Status)
}

// Step is the message to the reviewer step.
type Step struct {
	SubmissionID string `json:"submissionId"`
	// Step is what to do: "" reviews a new submission; StepRemoveFiles
	// removes the files of a submission refused whole.
	Step string `json:"step,omitempty"`
}

// StepRemoveFiles is the step that removes the files of a submission
// refused whole: they document nothing any more.
const StepRemoveFiles = "remove_files"

// FileRemover removes a holder's document and its files, whatever it is
// attached to (documents.Service).
type FileRemover interface {
	Remove(ctx context.Context, holderID, documentID string) error
}

// WithFiles lets the service remove the files of submissions refused
// whole (the consumer of the submissions queue needs it; nothing else).
func (s *Service) WithFiles(r FileRemover) *Service {
	s.files = r
	return s
}

// Review is the submissions queue's consumer: received → in_review, picks
// the submission for a documentation audit at the policy's rate (the same
// ID always gives the same answer) and emails the holder a receipt. A
// duplicate message, or one of a submission already past received,
// changes nothing.
func (s *Service) Review(ctx context.Context, body string) error {
	var st Step
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.SubmissionID == "" {
		return fmt.Errorf("malformed submission message %q", body)
	}
	switch st.Step {
	case "":
	case StepRemoveFiles:
		return s.removeFiles(ctx, st.SubmissionID)
	default:
		return fmt.Errorf("submission message of unknown step %q", st.Step)
	}
	_, err := s.update(ctx, st.SubmissionID, func(sub *Submission) ([]outbox.Message, error) {
		if sub.Status != Received {
			return nil, ErrNoChange
		}
		if err := sub.move(InReview, s.clock.Now().UTC(), system, "queued for staff review"); err != nil {
			return nil, err
		}
		sub.Audit = Audited(sub.ID, s.policy.Renewal.AuditRatePercent)
		data := map[string]string{"audit": fmt.Sprint(sub.Audit)}
		if sub.Audit {
			s.requestAudit(sub, data)
		}
		m, err := s.mail(sub, "submission_received", data)
		return []outbox.Message{m}, err
	})
	if errors.Is(err, ErrNoChange) || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// removeFiles removes the files of every activity of a submission refused
// whole. Each removal is idempotent, so a message delivered again does it
// again harmlessly; a submission not refused keeps its files.
func (s *Service) removeFiles(ctx context.Context, id string) error {
	sub, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read submission %s: %w", id, err)
	}
	if sub.Status != Rejected {
		return nil
	}
	if s.files == nil {
		return fmt.Errorf("remove the files of submission %s: this process keeps no files", id)
	}
	for _, it := range sub.Items {
		for _, d := range it.Documents {
			if err := s.files.Remove(ctx, sub.HolderID, d.ID); err != nil {
				return fmt.Errorf("remove document %s of submission %s: %w", d.ID, id, err)
			}
		}
	}
	return nil
}

// requestAudit asks the holder of sub, picked for the audit, for the files
// of each activity by the policy's days from today; a submission whose
// every activity has its files already has provided them. data gets what
// the received email says of it.
func (s *Service) requestAudit(sub *Submission, data map[string]string) {
	now := s.clock.Now().UTC()
	due := calendar.Day(now.In(s.policy.Association.Location())).AddDate(0, 0, s.policy.Renewal.AuditDocumentsDays)
	sub.AuditRequest = &AuditRequest{State: AuditRequested, RequestedAt: now, Due: due}
	missing := sub.Missing()
	if len(missing) == 0 {
		sub.AuditRequest.State, sub.AuditRequest.ProvidedAt = AuditProvided, now
	}
	data["auditDue"] = due.Format(time.DateOnly)
	data["auditProvided"] = fmt.Sprint(len(missing) == 0)
	data["auditMissing"] = s.missingText(*sub, missing)
}

// missingText lists the activities of sub at indexes, one a line, with
// the documentation each asks for.
func (s *Service) missingText(sub Submission, indexes []int) string {
	lines := make([]string, 0, len(indexes))
	for _, i := range indexes {
		a := sub.Items[i].Activity
		lines = append(lines, fmt.Sprintf("- activity %d, %s: %s", i+1, a.Title, strings.ReplaceAll(a.DocumentationType, "_", " ")))
	}
	return strings.Join(lines, "\n")
}

func (sub *Submission) move(to Status, at time.Time, by, reason string) error {
	if !sub.Status.CanBecome(to) {
		return fault.Errorf(fault.Conflict, "illegal_transition", "a submission that is %s cannot become %s", sub.Status, to)
	}
	sub.History = append(sub.History, Transition{At: at, By: by, From: sub.Status, To: to, Reason: reason})
	sub.Status, sub.UpdatedAt = to, at
	return nil
}

// mail queues an email about sub to its holder.
func (s *Service) mail(sub *Submission, template string, data map[string]string) (outbox.Message, error) {
	data["submissionId"], data["holderName"], data["renewalYear"] = sub.ID, sub.HolderName, fmt.Sprint(sub.RenewalYear)
	data["activities"] = fmt.Sprint(len(sub.Items))
	return notify.Job{ID: fmt.Sprintf("%s:%s:%d", template, sub.ID, len(sub.History)), Template: template,
		To: []string{sub.HolderEmail}, Data: data}.Message()
}

func (s *Service) update(ctx context.Context, id string, fn func(*Submission) ([]outbox.Message, error)) (Submission, error) {
	return outbox.Apply(ctx, s.relay, s.store.Update, id, fn)
}

// Get returns one of the caller's submissions; staff may read any.
// Errors: Unauthenticated; NotFound submission_not_found (also for another
// holder's submission).
func (s *Service) Get(ctx context.Context, c identity.Caller, id string) (Submission, error) {
	if c.Anonymous() {
		return Submission{}, identity.ErrSignIn
	}
	sub, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Submission{}, errNotFound
	}
	if err != nil {
		return Submission{}, fmt.Errorf("read submission %s: %w", id, err)
	}
	if c.Has(identity.RoleStaff) {
		return sub, nil
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	var f *fault.Error
	if errors.As(err, &f) && f.Kind == fault.NotFound {
		return Submission{}, errNotFound
	}
	if err != nil {
		return Submission{}, err
	}
	if sub.HolderID != holderID {
		return Submission{}, errNotFound
	}
	return sub, nil
}

// Mine lists one page of the caller's submissions, the latest first
// within the page (a holder has a few a year: one page nearly always).
// Errors: Unauthenticated; NotFound holder_not_found; Invalid invalid_cursor.
func (s *Service) Mine(ctx context.Context, c identity.Caller, pg Page) ([]Submission, string, error) {
	if c.Anonymous() {
		return nil, "", identity.ErrSignIn
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return nil, "", err
	}
	return s.byHolder(ctx, holderID, pg)
}

// OfHolder lists one page of holder holderID's submissions for staff, as
// Mine does for the holder. A holder without submissions is told from no
// holder at all by reading the account, only then.
// Errors: Unauthenticated; Forbidden unless staff; NotFound
// holder_not_found; Invalid invalid_cursor.
func (s *Service) OfHolder(ctx context.Context, c identity.Caller, holderID string, pg Page) ([]Submission, string, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return nil, "", err
	}
	subs, next, err := s.byHolder(ctx, holderID, pg)
	if err != nil {
		return nil, "", err
	}
	if len(subs) == 0 && pg.Cursor == "" {
		if _, err := s.holders.Holder(ctx, c, holderID); err != nil {
			return nil, "", err
		}
	}
	return subs, next, nil
}

// byHolder is one page of a holder's submissions, the latest first.
func (s *Service) byHolder(ctx context.Context, holderID string, pg Page) ([]Submission, string, error) {
	subs, next, err := s.store.ByHolder(ctx, holderID, pg)
	if err != nil {
		return nil, "", err
	}
	slices.SortStableFunc(subs, func(a, b Submission) int { return b.SubmittedAt.Compare(a.SubmittedAt) })
	return subs, next, nil
}

// ReviewQueue lists submissions in a status for staff (default
// in_review), longest waiting first.
// Errors: Unauthenticated; Forbidden; Invalid unknown status.
func (s *Service) ReviewQueue(ctx context.Context, c identity.Caller, st Status, pg Page) ([]Submission, string, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return nil, "", err
	}
	if st == "" {
		st = InReview
	}
	if !st.Valid() {
		return nil, "", fault.New(fault.Invalid, "invalid_request", "unknown status",
			fault.Detail{Field: "status", Code: "invalid_value", Message: fmt.Sprintf("%q is not a submission status", st)})
	}
	return s.store.ByStatus(ctx, st, pg)
}

// ActivityRejection rejects one activity of a submission (by its index
// in the submission, from 0).
type ActivityRejection struct {
	Index  int
	Reason string
}

// Decision is staff's verdict on a submission in review.
type Decision struct {
	Approve bool
	Reason  string
	// Rejections reject single activities of an approval; the rest are
	// approved.
	Rejections []ActivityRejection
}

func checkDecision(d Decision, n int) error {
	var det []fault.Detail
	if !d.Approve && d.Reason == "" {
		det = append(det, fault.Detail{Field: "reason", Code: "required", Message: "is required to reject"})
	}
	if code, msg := freetext.Check(d.Reason, maxReason, true); code != "" {
		det = append(det, fault.Detail{Field: "reason", Code: code, Message: msg})
	}
	if !d.Approve && len(d.Rejections) > 0 {
		det = append(det, fault.Detail{Field: "activities", Code: "not_allowed", Message: "a rejection rejects every activity; reject single activities of an approval"})
	}
	seen := map[int]bool{}
	for i, r := range d.Rejections {
		f := fmt.Sprintf("activities[%d]", i)
		switch {
		case r.Index < 0 || r.Index >= n:
			det = append(det, fault.Detail{Field: f + ".index", Code: "out_of_range", Message: fmt.Sprintf("must be an activity index from 0 to %d", n-1)})
		case seen[r.Index]:
			det = append(det, fault.Detail{Field: f + ".index", Code: "duplicate", Message: "names an activity twice"})
		}
		seen[r.Index] = true
		if r.Reason == "" {
			det = append(det, fault.Detail{Field: f + ".reason", Code: "required", Message: "is required to reject an activity"})
		}
		if code, msg := freetext.Check(r.Reason, maxReason, true); code != "" {
			det = append(det, fault.Detail{Field: f + ".reason", Code: code, Message: msg})
		}
	}
	if len(det) > 0 {
		return fault.New(fault.Invalid, "invalid_request", "the decision is invalid", det...)
	}
	if d.Approve && n > 0 && len(d.Rejections) == n {
		return fault.New(fault.Invalid, "invalid_request", "the decision is invalid",
			fault.Detail{Field: "decision", Code: "all_rejected", Message: "rejecting every activity is a rejection: decide reject with a reason"})
	}
	return nil
}

// Decide approves (all activities, or all but those rejected with a
// reason) or rejects a submission in review, re-evaluates the renewal year
// with the approved activities (stored on the submission) and emails the
// holder in the same write.
// Errors: Unauthenticated; Forbidden; NotFound submission_not_found;
// Invalid invalid_request; Conflict illegal_transition.
func (s *Service) Decide(ctx context.Context, c identity.Caller, id string, d Decision) (Submission, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Submission{}, err
	}
	d.Reason = strings.TrimSpace(d.Reason)
	for i := range d.Rejections {
		d.Rejections[i].Reason = strings.TrimSpace(d.Rejections[i].Reason)
	}
	cur, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Submission{}, fault.Errorf(fault.NotFound, "submission_not_found", "no submission %s", id)
	}
	if err != nil {
		return Submission{}, fmt.Errorf("read submission %s: %w", id, err)
	}
	if err := checkDecision(d, len(cur.Items)); err != nil {
		return Submission{}, err
	}
	rec, err := s.store.Record(ctx, cur.HolderID)
	if err != nil {
		return Submission{}, fmt.Errorf("read record of holder %s: %w", cur.HolderID, err)
	}
	sub, err := s.update(ctx, id, func(sub *Submission) ([]outbox.Message, error) {
		to, verdict := Rejected, "rejected"
		if d.Approve {
			to, verdict = Approved, "approved"
		}
		if err := sub.move(to, s.clock.Now().UTC(), c.Sub, d.Reason); err != nil {
			return nil, err
		}
		sub.Reason = d.Reason
		rejected := map[int]string{}
		for _, r := range d.Rejections {
			rejected[r.Index] = r.Reason
		}
		var approved []credits.Activity
		for i := range sub.Items {
			it := &sub.Items[i]
			reason, one := rejected[i]
			switch {
			case !d.Approve:
				it.Decision, it.DecisionReason = ActivityReject, d.Reason
			case one:
				it.Decision, it.DecisionReason = ActivityReject, reason
			default:
				it.Decision, it.DecisionReason = ActivityApprove, ""
				approved = append(approved, it.Activity)
			}
		}
		period := s.policy.Period(sub.RenewalYear, rec.Holder.Held())
		y := credits.Judge(s.policy, period, append(s.window(rec.Activities, period), approved...))
		sub.Result = &Result{Met: y.Met, Required: y.Required, Counted: y.Counted, Outstanding: y.Outstanding}
		m, err := s.mail(sub, "submission_decision", map[string]string{"decision": verdict, "reason": d.Reason,
			"approved": fmt.Sprint(len(approved)), "rejected": fmt.Sprint(len(sub.Items) - len(approved)),
			"met": fmt.Sprint(y.Met), "counted": y.Counted.String(), "required": y.Required.String(),
			"outstanding": y.Outstanding.String()})
		if err != nil {
			return nil, err
		}
		msgs := []outbox.Message{m}
		if len(approved) > 0 { // the holder's CECs changed: their renewal, judged again
			rj, err := accounts.Rejudge{HolderIDs: []string{sub.HolderID}}.Message()
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, rj)
		}
		if !d.Approve && slices.ContainsFunc(sub.Items, func(it Item) bool { return len(it.Documents) > 0 }) {
			// Refused whole: its files go, in a step of their own after
			// this write (the store of files is not the table's).
			rm, err := outbox.New(Queue, Step{SubmissionID: sub.ID, Step: StepRemoveFiles})
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, rm)
		}
		return msgs, nil
	})
	if errors.Is(err, ErrNotFound) {
		return Submission{}, fault.Errorf(fault.NotFound, "submission_not_found", "no submission %s", id)
	}
	return sub, err
}

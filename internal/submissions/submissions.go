// Package submissions owns a holder's CEC submissions for a renewal year
// (SPEC §3 "one submission"): the activities a holder reports themselves,
// judged by the rules engine (internal/credits) together with what is
// already on their record, refused as a whole when the year would still
// fall short, otherwise recorded and put in the staff review queue, where
// staff approve them, reject them, or reject single activities with a
// reason. Approved activities then count on the holder's transcript.
//
//	received → in_review → approved | rejected
//
// Every change of status is kept in the submission's history; the queue
// message and the emails of a change are written in the same write.
package submissions

import (
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/outbox"
)

// Queue is the logical name of the queue between a new submission and its
// reviewer (the consumer that puts it in the staff queue).
const Queue = "cec-submissions"

// Status is where a submission stands.
type Status string

const (
	Received Status = "received"  // recorded; the reviewer step follows asynchronously
	InReview Status = "in_review" // in the staff review queue
	Approved Status = "approved"  // some or all of its activities approved
	Rejected Status = "rejected"  // all of it rejected
)

// Statuses lists every status, in the order of the machine.
var Statuses = []Status{Received, InReview, Approved, Rejected}

var transitions = map[Status][]Status{
	Received: {InReview},
	InReview: {Approved, Rejected},
}

// CanBecome reports whether the machine allows s → t.
func (s Status) CanBecome(t Status) bool { return slices.Contains(transitions[s], t) }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether a submission in s still waits for a decision: a
// holder may have one open submission per renewal year.
func (s Status) Open() bool { return s == Received || s == InReview }

// ActivityDecision is staff's decision on one activity.
type ActivityDecision string

const (
	Pending         ActivityDecision = "pending"
	ActivityApprove ActivityDecision = "approved"
	ActivityReject  ActivityDecision = "rejected"
)

// AuditState is where a documentation audit stands.
type AuditState string

const (
	// AuditRequested: the holder is asked for the files of every activity
	// (reminded before the deadline, the office told after it).
	AuditRequested AuditState = "requested"
	// AuditProvided: every activity has its files; staff decide with them
	// in view.
	AuditProvided AuditState = "provided"
)

// AuditRequest is the documentation audit of a submission picked for it
// (SPEC §3): the holder sends the files of each activity by Due.
type AuditRequest struct {
	State       AuditState
	RequestedAt time.Time
	// Due is the last day to send them, a date in the association's
	// calendar (midnight UTC of that date, as calendar.Day gives).
	Due        time.Time
	ProvidedAt time.Time
}

// Overdue reports whether the request still waits after its last day, on
// today (a calendar.Day).
func (a *AuditRequest) Overdue(today time.Time) bool {
	return a != nil && a.State == AuditRequested && today.After(a.Due)
}

// Missing lists the indexes of the activities of s without a file.
func (s Submission) Missing() []int {
	var out []int
	for i, it := range s.Items {
		if len(it.Documents) == 0 {
			out = append(out, i)
		}
	}
	return out
}

// Item is one self-reported activity of a submission, with the engine's
// verdict when it was submitted and staff's decision.
type Item struct {
	Activity       credits.Activity // Source credits.SelfReported; ID <submissionId>-<n>
	Verdict        credits.Verdict  // as judged at submission
	Decision       ActivityDecision
	DecisionReason string
	// Documents are the files the holder attached to it.
	Documents []documents.Ref
}

// Result is the renewal year re-evaluated with the approved activities,
// stored on the submission when staff decide.
type Result struct {
	Met         bool
	Required    cec.Hours
	Counted     cec.Hours
	Outstanding cec.Hours
}

// Transition is one change of status.
type Transition struct {
	At     time.Time
	By     string
	From   Status // "" for the creation
	To     Status
	Reason string
}

// Submission is a holder's submission for a renewal year.
type Submission struct {
	ID          string
	HolderID    string
	HolderEmail string
	HolderName  string
	RenewalYear int
	Status      Status
	Items       []Item
	Audit       bool // picked for a documentation audit by the reviewer step
	// AuditRequest is the audit's request for files, when Audit.
	AuditRequest *AuditRequest
	Reason       string  // staff's reason for the decision
	Result       *Result // after the decision
	History      []Transition
	SubmittedAt  time.Time
	UpdatedAt    time.Time
	Version      int64
}

// StatusSince is when s entered its status: the staff queue serves first
// whoever waited longest.
func (s Submission) StatusSince() time.Time {
	// The last entry that changed the status: files added meanwhile are in
	// the history too, and must not send it to the back of the queue.
	for i := len(s.History) - 1; i >= 0; i-- {
		if h := s.History[i]; h.From != h.To {
			return h.At
		}
	}
	return s.SubmittedAt
}

// Page is a page request of a list.
type Page struct {
	Limit  int
	Cursor string
}

// Record is what a holder's partition says about them for submissions.
type Record struct {
	Holder accounts.Holder
	// Activities are everything that counts on the record: programs
	// credited through attendance and approved self-reported activities.
	Activities  []credits.Activity
	Submissions []Submission
	// Documents are the holder's documents: those ready and not attached
	// may be attached to a new submission.
	Documents []documents.Document
}

// Errors of Store.
var (
	ErrNotFound = errors.New("submissions: not found")
	// ErrOpen: the holder already has an open submission for the year.
	ErrOpen = errors.New("submissions: an open submission exists for the year")
	// ErrDocumentChanged: a document to attach changed since it was read
	// (attached elsewhere, deleted).
	ErrDocumentChanged = errors.New("submissions: a document changed")
	// ErrChanged: the submission changed since it was read.
	ErrChanged = errors.New("submissions: changed since read")
	// ErrNoChange: an update function's way to say there is nothing to write.
	ErrNoChange = errors.New("submissions: no change")
)

// Store keeps submissions.
type Store interface {
	// Record reads the holder's partition in one query; accounts.ErrNotFound
	// when no holder has id.
	Record(ctx context.Context, holderID string) (Record, error)
	// Create writes a new submission with msgs at once, and attaches
	// attach to it, each under the version it was read at; ErrOpen when
	// the holder has an open submission for its year, ErrDocumentChanged
	// when a document changed since.
	Create(ctx context.Context, s Submission, attach []documents.Document, msgs ...outbox.Message) error
	// Save writes s, read at version s.Version-1, and attaches attach to
	// it (each under the version it was read at) with msgs, at once;
	// ErrChanged when the submission moved on, ErrDocumentChanged when a
	// document did.
	Save(ctx context.Context, s Submission, attach []documents.Document, msgs ...outbox.Message) error
	// Get reads a submission by ID, or ErrNotFound.
	Get(ctx context.Context, id string) (Submission, error)
	// Update is a read-modify-write under the submission's version: fn's
	// changes and messages are written at once. fn may return ErrNoChange.
	Update(ctx context.Context, id string, fn func(s *Submission) ([]outbox.Message, error)) (Submission, error)
	// ByStatus lists submissions in a status, longest in it first.
	ByStatus(ctx context.Context, st Status, pg Page) ([]Submission, string, error)
	// ByHolder lists one page of a holder's submissions (from the holder's
	// partition: one Query).
	ByHolder(ctx context.Context, holderID string, pg Page) ([]Submission, string, error)
}

// AuditBucket is a reproducible number in 0..99 for a submission ID: the
// FNV-1a hash of the ID modulo 100.
func AuditBucket(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % 100)
}

// Audited reports whether a submission is picked for a documentation
// audit at ratePercent: the same ID always gives the same answer.
func Audited(id string, ratePercent int) bool { return AuditBucket(id) < ratePercent }

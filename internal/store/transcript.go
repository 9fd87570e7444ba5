package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/transcript"
)

// Transcript is the transcript.Store on the table. It reads the holder's
// partition, which holds (see docs/data-model.md):
//
//	HOLDER#<id>  PROFILE                          the holder
//	HOLDER#<id>  CREDIT#<date>#PROGRAM#<program>  a program credited through attendance reporting
//	HOLDER#<id>  SUBMISSION#<submission>           a CEC submission: its approved activities count
//	HOLDER#<id>  EVENT#<at>#<rand>                audit history (skipped)
//
// and any item of a kind it does not know, which it skips, so that a later
// feature can add its own items to the partition.
type Transcript struct{ t table.Table }

var _ transcript.Store = (*Transcript)(nil)

// NewTranscript returns the transcript repository on t.
func NewTranscript(t table.Table) *Transcript { return &Transcript{t: t} }

// recordsPageSize is the items a page asks for: a holder's partition is a
// profile, some history and a few dozen activities a year, so one page
// nearly always does (DynamoDB ends a page at 1 MB anyway).
const recordsPageSize = 1000

// Records reads the holder's partition with one Query (following its
// pages): the profile, the credits and the activities of approved
// submissions that staff approved, in sort-key order (credits by date,
// then submissions by ID).
func (r *Transcript) Records(ctx context.Context, holderID string) (accounts.Holder, []credits.Activity, error) {
	p, err := readHolderPartition(ctx, r.t, holderID)
	if err != nil {
		return accounts.Holder{}, nil, err
	}
	acts := p.credits
	for _, s := range p.submissions {
		acts = append(acts, approvedActivities(s)...)
	}
	return p.holder, acts, nil
}

// Pending reads the holder's credits held for a filing fee (GSI2: one
// Query; a holder is on a few reports at a time).
func (r *Transcript) Pending(ctx context.Context, holderID string) ([]transcript.Pending, error) {
	page, err := r.t.Query(ctx, table.Query{Index: table.IndexGSI2, PK: gsiHolderHeld + holderID, Limit: listPageMax})
	if err != nil {
		return nil, fmt.Errorf("query held credits of %s: %w", holderID, err)
	}
	out := make([]transcript.Pending, 0, len(page.Items))
	for _, item := range page.Items {
		c, err := heldCreditFromItem(item)
		if err != nil {
			return nil, err
		}
		out = append(out, transcript.Pending{ProgramID: c.ProgramID, Title: c.Title, ProviderName: c.ProviderName,
			Completed: c.Completed.Time(time.UTC), Hours: c.Hours})
	}
	return out, nil
}

// holderPartition is what one Query of a holder's partition read.
type holderPartition struct {
	holder      accounts.Holder
	credits     []credits.Activity
	submissions []submissions.Submission
	documents   []documents.Document
}

// readHolderPartition reads the holder's partition with one Query
// (following its pages); accounts.ErrNotFound when there is no profile.
func readHolderPartition(ctx context.Context, t table.Table, holderID string) (holderPartition, error) {
	var (
		p     = holderPartition{credits: []credits.Activity{}}
		found bool
	)
	q := table.Query{PK: holderKey(holderID).PK, Limit: recordsPageSize}
	for {
		page, err := t.Query(ctx, q)
		if err != nil {
			return holderPartition{}, fmt.Errorf("query records of holder %s: %w", holderID, err)
		}
		for _, item := range page.Items {
			sk := table.KeyOf(item).SK
			switch {
			case sk == skProfile:
				var it holderItem
				if err := table.Unmarshal(item, &it); err != nil {
					return holderPartition{}, fmt.Errorf("unmarshal holder %s: %w", holderID, err)
				}
				p.holder, found = holderFromItem(it), true
			case strings.HasPrefix(sk, skCredit):
				var it creditItem
				if err := table.Unmarshal(item, &it); err != nil {
					return holderPartition{}, fmt.Errorf("unmarshal credit %s: %w", sk, err)
				}
				a, err := creditActivity(it)
				if err != nil {
					return holderPartition{}, fmt.Errorf("holder %s, credit %s: %w", holderID, sk, err)
				}
				p.credits = append(p.credits, a)
			case strings.HasPrefix(sk, skSubmission):
				s, err := decodeSubmission(item)
				if err != nil {
					return holderPartition{}, fmt.Errorf("holder %s: %w", holderID, err)
				}
				p.submissions = append(p.submissions, s)
			case strings.HasPrefix(sk, skDocument):
				d, err := decodeDocument(item)
				if err != nil {
					return holderPartition{}, fmt.Errorf("holder %s: %w", holderID, err)
				}
				p.documents = append(p.documents, d)
			}
		}
		if page.Cursor == "" {
			break
		}
		q.Cursor = page.Cursor
	}
	if !found {
		return holderPartition{}, accounts.ErrNotFound
	}
	return p, nil
}

// creditActivity is a program credited through attendance reporting, as
// the rules engine sees it: an association course, documented by the
// provider's report.
func creditActivity(it creditItem) (credits.Activity, error) {
	on, err := time.Parse(time.DateOnly, it.Completed)
	if err != nil {
		return credits.Activity{}, fmt.Errorf("completion date %q: %w", it.Completed, err)
	}
	hours, err := cec.Parse(it.Hours)
	if err != nil {
		return credits.Activity{}, fmt.Errorf("hours: %w", err)
	}
	// The kind a credited program counts as is the policy's to say; the
	// transcript service sets it.
	return credits.Activity{ID: it.ProgramID, Source: credits.Credited, Title: it.Title,
		Organisation: it.ProviderName, Date: on, Hours: hours, Compliance: it.Compliance, Format: it.Format}, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/table"
)

// MailLedger is the notify.Ledger on the table:
//
//	MAILJOB#<job id>  MAILJOB   status sending (with claimedAt) or sent
type MailLedger struct{ t table.Table }

var _ notify.Ledger = (*MailLedger)(nil)

// NewMailLedger returns the mail ledger on t.
func NewMailLedger(t table.Table) *MailLedger { return &MailLedger{t: t} }

// sentRetention keeps a record of a sent job long enough that no redelivery,
// replay or rerun of a yearly job can send it again.
const sentRetention = 400 * 24 * time.Hour

type mailJobItem struct {
	PK        string `json:"PK"`
	SK        string `json:"SK"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	ClaimedAt string `json:"claimedAt"`
	MessageID string `json:"messageId,omitempty"`
	SentAt    string `json:"sentAt,omitempty"`
	TTL       int64  `json:"ttl,omitempty"`
}

// Claim creates the claim, or takes over one whose lease has run out.
func (l *MailLedger) Claim(ctx context.Context, id string, now time.Time, lease time.Duration) (notify.ClaimResult, error) {
	k := mailJobKey(id)
	claim, err := table.Marshal(mailJobItem{PK: k.PK, SK: k.SK, Type: "mailjob", Status: "sending", ClaimedAt: formatTime(now)})
	if err != nil {
		return 0, err
	}
	err = l.t.Write(ctx, table.Put(claim, table.IfNotExists()))
	if err == nil {
		return notify.Claimed, nil
	}
	if !table.IsConditionFailed(err) {
		return 0, fmt.Errorf("claim mail job %s: %w", id, err)
	}
	item, err := l.t.Get(ctx, k)
	if errors.Is(err, table.ErrNotFound) {
		return notify.HeldElsewhere, nil // released meanwhile: let the redelivery try
	}
	if err != nil {
		return 0, fmt.Errorf("read mail job %s: %w", id, err)
	}
	var cur mailJobItem
	if err := table.Unmarshal(item, &cur); err != nil {
		return 0, fmt.Errorf("unmarshal mail job %s: %w", id, err)
	}
	if cur.Status == "sent" {
		return notify.AlreadySent, nil
	}
	if now.Sub(parseTime(cur.ClaimedAt)) < lease {
		return notify.HeldElsewhere, nil
	}
	// The claim's holder died mid-send. Take it over, unless another
	// redelivery got there first (then the condition fails).
	err = l.t.Write(ctx, table.Put(claim, table.IfEqual("claimedAt", table.S(cur.ClaimedAt))))
	if table.IsConditionFailed(err) {
		return notify.HeldElsewhere, nil
	}
	if err != nil {
		return 0, fmt.Errorf("take over mail job %s: %w", id, err)
	}
	return notify.Claimed, nil
}

// Sent marks the job sent for good.
func (l *MailLedger) Sent(ctx context.Context, id, messageID string, now time.Time) error {
	k := mailJobKey(id)
	item, err := table.Marshal(mailJobItem{PK: k.PK, SK: k.SK, Type: "mailjob", Status: "sent", ClaimedAt: formatTime(now),
		MessageID: messageID, SentAt: formatTime(now), TTL: now.Add(sentRetention).Unix()})
	if err != nil {
		return err
	}
	if err := l.t.Write(ctx, table.Put(item, table.Condition{})); err != nil {
		return fmt.Errorf("mark mail job %s sent: %w", id, err)
	}
	return nil
}

// Release drops a claim that is still "sending".
func (l *MailLedger) Release(ctx context.Context, id string) error {
	err := l.t.Write(ctx, table.Delete(mailJobKey(id), table.IfEqual("status", table.S("sending"))))
	if err != nil && !table.IsConditionFailed(err) {
		return fmt.Errorf("release mail job %s: %w", id, err)
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/table"
)

// PaymentInbox is the payments.Inbox on the table: one item per payment
// provider event, written once, with the queue message it causes.
//
//	PAYEVENT#<event id>  PAYEVENT   type, receivedAt, ttl
type PaymentInbox struct{ t table.Table }

var _ payments.Inbox = (*PaymentInbox)(nil)

// NewPaymentInbox returns the payment event inbox on t.
func NewPaymentInbox(t table.Table) *PaymentInbox { return &PaymentInbox{t: t} }

type paymentEventItem struct {
	PK         string `json:"PK"`
	SK         string `json:"SK"`
	Type       string `json:"type"`
	EventType  string `json:"eventType"`
	InvoiceID  string `json:"invoiceId,omitempty"`
	ReceivedAt string `json:"receivedAt"`
	TTL        int64  `json:"ttl"`
}

// Record writes the event's item and msgs in one transaction, unless a live
// item for the event exists (then it writes nothing and reports false).
func (b *PaymentInbox) Record(ctx context.Context, ev payments.Event, at, expires time.Time, msgs ...outbox.Message) (bool, error) {
	k := paymentEventKey(ev.ID)
	item, err := table.Marshal(paymentEventItem{PK: k.PK, SK: k.SK, Type: "payevent", EventType: ev.Type,
		InvoiceID: ev.InvoiceID, ReceivedAt: formatTime(at), TTL: expires.Unix()})
	if err != nil {
		return false, fmt.Errorf("marshal payment event %s: %w", ev.ID, err)
	}
	ops, err := OutboxOps(msgs...)
	if err != nil {
		return false, err
	}
	err = b.t.Write(ctx, append([]table.Op{table.Put(item, table.IfNotExists())}, ops...)...)
	if table.FailedOn(err, k) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record payment event %s: %w", ev.ID, err)
	}
	return true, nil
}

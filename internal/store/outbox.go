package store

import (
	"context"
	"fmt"
	"time"

	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/table"
)

// Outbox entries live in a few partitions so that no single partition takes
// every transaction's extra write:
//
//	OUTBOX#<shard>  <createdAt, fixed width>#<id>   one pending message
const outboxShards = 4

type outboxItem struct {
	PK        string `json:"PK"`
	SK        string `json:"SK"`
	Type      string `json:"type"`
	ID        string `json:"id"`
	Queue     string `json:"queue"`
	Body      string `json:"body"`
	CreatedAt string `json:"createdAt"`
}

// OutboxOps returns the puts that make msgs pending, for a repository to add
// to the transaction of the state change that causes them.
func OutboxOps(msgs ...outbox.Message) ([]table.Op, error) {
	ops := make([]table.Op, 0, len(msgs))
	for _, m := range msgs {
		k := outboxKey(m)
		item, err := table.Marshal(outboxItem{PK: k.PK, SK: k.SK, Type: "outbox", ID: m.ID, Queue: m.Queue,
			Body: m.Body, CreatedAt: keyTime(m.CreatedAt)})
		if err != nil {
			return nil, fmt.Errorf("marshal outbox message %s: %w", m.ID, err)
		}
		ops = append(ops, table.Put(item, table.IfNotExists()))
	}
	return ops, nil
}

// Outbox is the outbox.Store on the table.
type Outbox struct{ t table.Table }

var _ outbox.Store = (*Outbox)(nil)

// NewOutbox returns the outbox repository on t.
func NewOutbox(t table.Table) *Outbox { return &Outbox{t: t} }

// Pending queries each shard for entries created before the cutoff.
func (o *Outbox) Pending(ctx context.Context, before time.Time, limit int) ([]outbox.Message, error) {
	var out []outbox.Message
	for shard := range outboxShards {
		q := table.Query{PK: outboxPK(shard), Op: table.SKLess, Value: keyTime(before), Limit: limit}
		for len(out) < limit {
			page, err := o.t.Query(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("query outbox shard %d: %w", shard, err)
			}
			for _, item := range page.Items {
				var it outboxItem
				if err := table.Unmarshal(item, &it); err != nil {
					return nil, fmt.Errorf("unmarshal outbox entry: %w", err)
				}
				at, _ := time.Parse(keyTimeLayout, it.CreatedAt)
				out = append(out, outbox.Message{ID: it.ID, Queue: it.Queue, Body: it.Body, CreatedAt: at})
			}
			if page.Cursor == "" {
				break
			}
			q.Cursor = page.Cursor
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Done deletes sent entries.
func (o *Outbox) Done(ctx context.Context, msgs ...outbox.Message) error {
	keys := make([]table.Key, 0, len(msgs))
	seen := make(map[table.Key]bool, len(msgs))
	for _, m := range msgs {
		if k := outboxKey(m); !seen[k] { // a batch may not name a key twice
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if err := o.t.BatchWrite(ctx, nil, keys); err != nil {
		return fmt.Errorf("delete sent outbox entries: %w", err)
	}
	return nil
}

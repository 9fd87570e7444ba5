package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cecportal/cecportal/internal/table"
)

// The chunked jobs (attendance crediting, the import of holders) store an
// upload's rows in chunks and record each chunk done once; these are the
// writes and reads they share.

// putInput stores a chunk of rows (tuples, encoded as one JSON string of
// typ at k) until expires. HTML characters stay as themselves: the jobs'
// row size bounds (attendance.RowBytes, holderimport.RowBytes) count on it.
func putInput(ctx context.Context, t table.Table, k table.Key, typ string, tuples any, expires time.Time) error {
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tuples); err != nil {
		return err
	}
	item, err := table.Marshal(inputItem{PK: k.PK, SK: k.SK, Type: typ, Rows: raw.String(), TTL: expires.Unix()})
	if err != nil {
		return err
	}
	return t.BatchWrite(ctx, []table.Item{item}, nil)
}

// getInput reads a chunk stored by putInput into tuples.
func getInput(ctx context.Context, t table.Table, k table.Key, tuples any) error {
	item, err := t.Get(ctx, k)
	if err != nil {
		return fmt.Errorf("get chunk %s: %w", k, err)
	}
	var it inputItem
	if err := table.Unmarshal(item, &it); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(it.Rows), tuples); err != nil {
		return fmt.Errorf("decode chunk %s: %w", k, err)
	}
	return nil
}

// recordChunkOnce writes a chunk's row results in transactions that each
// check the absence of its summary (so that once a chunk is recorded no
// later delivery rewrites its rows), then the summary with the rest of
// the record (the next chunk's message, or the job's totals) in one
// transaction guarded by it. A summary written before is done: nil.
func recordChunkOnce(ctx context.Context, t table.Table, summary table.Item, rows []table.Item, with ...table.Op) error {
	k := table.KeyOf(summary)
	ops := make([]table.Op, 0, table.MaxTransactOps)
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		err := t.Write(ctx, append(ops, table.Check(k, table.IfNotExists()))...)
		ops = ops[:0]
		return err
	}
	for _, row := range rows {
		if ops = append(ops, table.Put(row, table.Condition{})); len(ops) == table.MaxTransactOps-1 {
			if err := flush(); err != nil {
				return finished(err)
			}
		}
	}
	if err := flush(); err != nil {
		return finished(err)
	}
	return finished(t.Write(ctx, append([]table.Op{table.Put(summary, table.IfNotExists())}, with...)...))
}

// finished treats "the summary exists" as done: another delivery recorded
// the chunk first.
func finished(err error) error {
	if table.IsConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record chunk: %w", err)
	}
	return nil
}

// queryAll runs q to its last page, handing each item to each.
func queryAll(ctx context.Context, t table.Table, q table.Query, each func(table.Item) error) error {
	for {
		page, err := t.Query(ctx, q)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			if err := each(item); err != nil {
				return err
			}
		}
		if page.Cursor == "" {
			return nil
		}
		q.Cursor = page.Cursor
	}
}

package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/table"
)

// Pieces is daily.Once on the table: the once-only record of each piece of
// a daily job queued (docs/reminders.md#pieces),
//
//	PIECE#<key>  PIECE  put if absent with the piece's outbox entry
//
// kept 400 days (ttl), past any rerun of the day it belongs to.
type Pieces struct{ t table.Table }

var _ daily.Once = (*Pieces)(nil)

// NewPieces returns the pieces' records on t.
func NewPieces(t table.Table) *Pieces { return &Pieces{t: t} }

// Record puts PIECE#<key> if absent with msg's outbox entry, atomically.
func (p *Pieces) Record(ctx context.Context, key string, msg outbox.Message) (bool, error) {
	return recordOnce(ctx, p.t, pieceKey(key), "piece", key, msg)
}

// Recorded reports whether PIECE#<key> was recorded.
func (p *Pieces) Recorded(ctx context.Context, key string) (bool, error) {
	_, err := p.t.Get(ctx, pieceKey(key))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, table.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("read piece %s: %w", key, err)
}

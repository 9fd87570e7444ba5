package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/table"
)

// How the repositories write values into items and read them back, one way
// for all of them.

// formatTime writes an instant in UTC; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTime reads what formatTime wrote; "" is the zero time.
func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// keyTimeLayout is the fixed-width UTC layout of times in keys; unlike
// RFC3339Nano it keeps trailing zeros, so keys sort lexically in time order.
const keyTimeLayout = "2006-01-02T15:04:05.000000000Z"

// keyTime is t as a key holds it (keyTimeLayout).
func keyTime(t time.Time) string { return t.UTC().Format(keyTimeLayout) }

func hoursText(h cec.Hours) (string, error) {
	b, err := h.MarshalText()
	return string(b), err
}

func parseHours(s string) (cec.Hours, error) {
	var h cec.Hours
	err := h.UnmarshalText([]byte(s))
	return h, err
}

// Page sizes of the lists people read (a provider's programs, the review
// queues, the calendar).
const (
	listPageDefault = 50
	listPageMax     = 100
)

// pageLimit is a list's page size: def when none was asked, at most max.
func pageLimit(asked, def, max int) int {
	switch {
	case asked <= 0:
		return def
	case asked > max:
		return max
	}
	return asked
}

// errMissing marks a required attribute an item lacks.
var errMissing = errors.New("missing")

// decodeList decodes the items of one page of a list that people read (a
// review queue, the calendar, a provider's programs). An item that cannot be
// decoded (damaged, or written by a version that accepted what it no longer
// does) is left out and logged with its key, rather than failing the list:
// one bad record must not hide everybody else's. Reads that compute from a
// partition (a holder's status) fail instead, since a missing item would
// change the answer.
func decodeList[T any](ctx context.Context, what string, items []table.Item, decode func(table.Item) (T, error)) []T {
	out := make([]T, 0, len(items))
	for _, item := range items {
		v, err := decode(item)
		if err != nil {
			slog.Default().ErrorContext(ctx, "list item left out: cannot be decoded", "list", what, "key", table.KeyOf(item).String(), "err", err)
			continue
		}
		out = append(out, v)
	}
	return out
}

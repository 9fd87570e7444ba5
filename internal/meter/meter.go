// Package meter counts what one unit of work (an HTTP request, a queue
// message, a scheduled run) costs the table, so that each is logged with its
// cost. The entry points (httpapi, consumer) carry a Meter in the context;
// the table adapters add to it. It knows nothing of storage, so that the
// edges need not import the store to measure.
package meter

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Meter adds up what one unit of work costs the table: the DynamoDB calls
// made and the capacity units consumed. The entry points put one in the
// context (With) and log it when the work is done; the adapters add to it. On DynamoDB the
// units are DynamoDB's own (ReturnConsumedCapacity TOTAL); the embedded
// adapter estimates them from item sizes with DynamoDB's rounding rules, so
// that the local stack and the tests see the same shape of bill.
type Meter struct {
	mu    sync.Mutex
	calls map[string]int
	read  float64
	write float64
}

// New returns an empty meter.
func New() *Meter { return &Meter{calls: map[string]int{}} }

type meterKey struct{}

// With returns ctx carrying m: the table calls made with it are counted
// on m.
func With(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// From returns the meter in ctx, or nil.
func From(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// Add counts one call of api (a DynamoDB API name) and its units. A nil
// meter counts nothing, so the adapters call it unconditionally.
func (m *Meter) Add(api string, read, write float64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[api]++
	m.read += read
	m.write += write
}

// Usage is a meter's reading.
type Usage struct {
	Calls      map[string]int // by DynamoDB API name
	ReadUnits  float64
	WriteUnits float64
}

// Usage returns what m has counted so far.
func (m *Meter) Usage() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Usage{Calls: maps.Clone(m.calls), ReadUnits: m.read, WriteUnits: m.write}
}

// CallCount is the number of calls of every kind.
func (u Usage) CallCount() int {
	n := 0
	for _, c := range u.Calls {
		n += c
	}
	return n
}

// String is the calls as "GetItem×1 Query×2", sorted by name.
func (u Usage) String() string {
	names := slices.Sorted(maps.Keys(u.Calls))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "×" + strconv.Itoa(u.Calls[n])
	}
	return strings.Join(parts, " ")
}

// LogValue groups the reading for one log line.
func (u Usage) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("calls", u.CallCount()), slog.String("by_api", u.String()),
		slog.Float64("rcu", u.ReadUnits), slog.Float64("wcu", u.WriteUnits))
}

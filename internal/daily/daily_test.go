package daily_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/testkit"
)

// once is daily.Once in memory.
type once map[string]outbox.Message

func (o once) Record(_ context.Context, key string, m outbox.Message) (bool, error) {
	if _, ok := o[key]; ok {
		return false, nil
	}
	o[key] = m
	return true, nil
}

func (o once) Recorded(_ context.Context, key string) (bool, error) { _, ok := o[key]; return ok, nil }

func TestEnqueue_OnceAndSent(t *testing.T) {
	ctx := context.Background()
	o, relay := once{}, &testkit.Relay{}
	for i, want := range []bool{true, false, false} {
		queued, err := daily.Enqueue(ctx, o, relay, "page:x:1", "x", map[string]int{"n": 1})
		if err != nil || queued != want {
			t.Fatalf("enqueue %d: %v, %v; want %v", i, queued, err, want)
		}
	}
	bodies := relay.TakeBodies(daily.Queue)
	if len(bodies) != 1 || len(o) != 1 {
		t.Fatalf("sent %d pieces, recorded %d; want 1 each", len(bodies), len(o))
	}
	// The worker hands the piece's part to its job.
	var got json.RawMessage
	w := daily.Worker{"x": func(_ context.Context, part json.RawMessage) error { got = part; return nil }}
	if err := w.Handle(ctx, bodies[0]); err != nil || string(got) != `{"n":1}` {
		t.Fatalf("handled %s, %v", got, err)
	}
}

func TestWorker_Refuses(t *testing.T) {
	w := daily.Worker{"x": func(context.Context, json.RawMessage) error { return nil }}
	for _, tc := range []struct{ body, want string }{
		{"not json", "decode daily piece"},
		{`{"job":"y","part":{}}`, `unknown job "y"`},
	} {
		if err := w.Handle(context.Background(), tc.body); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
	}
}

func TestInTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		left time.Duration // 0: no deadline
		want bool
	}{
		{"NoDeadline", 0, true},
		{"Plenty", time.Minute, true},
		{"WithinTheMargin", daily.Margin / 2, false},
		{"Past", -time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.left != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, time.Now().Add(tc.left))
				defer cancel()
			}
			if got := daily.InTime(ctx); got != tc.want {
				t.Fatalf("InTime = %v, want %v", got, tc.want)
			}
		})
	}
	if !daily.IsOutOfTime(errors.Join(errors.New("page"), daily.ErrOutOfTime)) {
		t.Fatal("a wrapped out_of_time is not seen")
	}
}

func TestPageKey(t *testing.T) {
	a, b := daily.PageKey("page:x:1", "cursor-a"), daily.PageKey("page:x:1", "cursor-b")
	if a == b || !strings.HasPrefix(a, "page:x:1:") || a != daily.PageKey("page:x:1", "cursor-a") {
		t.Fatalf("PageKey: %q and %q; want one key per cursor, stable, under its name", a, b)
	}
	if first := daily.PageKey("page:x:1", ""); len(first) != len("page:x:1:")+16 {
		t.Fatalf("the first page's key %q", first)
	}
}

package outbox

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// memStore and memQueue are minimal doubles for the relay's own logic; the
// table-backed Store is tested against both real adapters in internal/store.
type memStore struct {
	mu   sync.Mutex
	msgs map[string]Message
}

func (s *memStore) Pending(_ context.Context, before time.Time, limit int) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs {
		if m.CreatedAt.Before(before) {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *memStore) Done(_ context.Context, msgs ...Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		delete(s.msgs, m.ID)
	}
	return nil
}

type memQueue struct {
	sent []string
	fail bool
}

func (q *memQueue) Send(_ context.Context, body string) (string, error) {
	if q.fail {
		return "", errors.New("queue down")
	}
	q.sent = append(q.sent, body)
	return "id", nil
}

func TestRelay_Dispatch(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m1, _ := New("mail", map[string]string{"a": "1"})
	m1.CreatedAt = now
	t.Run("SendsAndForgets", func(t *testing.T) {
		st := &memStore{msgs: map[string]Message{m1.ID: m1}}
		q := &memQueue{}
		NewRelay(st, map[string]Sender{"mail": q}, nil).Dispatch(context.Background(), m1)
		if len(q.sent) != 1 || q.sent[0] != `{"a":"1"}` || len(st.msgs) != 0 {
			t.Fatalf("sent %v, left %d", q.sent, len(st.msgs))
		}
	})
	t.Run("FailureLeavesEntryForSweep", func(t *testing.T) {
		st := &memStore{msgs: map[string]Message{m1.ID: m1}}
		q := &memQueue{fail: true}
		r := NewRelay(st, map[string]Sender{"mail": q}, nil)
		r.now = func() time.Time { return now.Add(time.Minute) }
		r.Dispatch(context.Background(), m1)
		if len(st.msgs) != 1 {
			t.Fatal("entry deleted although the send failed")
		}
		q.fail = false
		n, err := r.Sweep(context.Background())
		if err != nil || n != 1 || len(st.msgs) != 0 || len(q.sent) != 1 {
			t.Fatalf("sweep: n=%d err=%v left=%d sent=%d", n, err, len(st.msgs), len(q.sent))
		}
	})
	t.Run("SweepSkipsYoungEntries", func(t *testing.T) {
		st := &memStore{msgs: map[string]Message{m1.ID: m1}}
		q := &memQueue{}
		r := NewRelay(st, map[string]Sender{"mail": q}, nil)
		r.now = func() time.Time { return now.Add(DefaultGrace / 2) }
		if n, _ := r.Sweep(context.Background()); n != 0 || len(q.sent) != 0 {
			t.Fatalf("swept an entry younger than the grace period: %d", n)
		}
	})
	t.Run("UnknownQueueIsAnError", func(t *testing.T) {
		m, _ := New("nowhere", 1)
		m.CreatedAt = now
		st := &memStore{msgs: map[string]Message{m.ID: m}}
		r := NewRelay(st, map[string]Sender{}, nil)
		r.now = func() time.Time { return now.Add(time.Hour) }
		if n, err := r.Sweep(context.Background()); err == nil || n != 0 || len(st.msgs) != 1 {
			t.Fatalf("n=%d err=%v left=%d", n, err, len(st.msgs))
		}
	})
}

type recorder struct{ got []Message }

func (r *recorder) Dispatch(_ context.Context, msgs ...Message) { r.got = append(r.got, msgs...) }

func TestApply(t *testing.T) {
	ctx := context.Background()
	// update retries fn once, as a lost optimistic-locking race does.
	retrying := func(_ context.Context, _ string, fn func(*int) ([]Message, error)) (int, error) {
		v := 0
		for range 2 {
			if _, err := fn(&v); err != nil {
				return v, err
			}
		}
		return v, nil
	}
	attempt := 0
	fn := func(v *int) ([]Message, error) {
		attempt++
		*v = attempt
		return []Message{{ID: fmt.Sprint("attempt-", attempt)}}, nil
	}
	r := &recorder{}
	v, err := Apply(ctx, r, retrying, "x", fn)
	if err != nil || v != 2 || len(r.got) != 1 || r.got[0].ID != "attempt-2" {
		t.Fatalf("v=%d err=%v dispatched %+v; want only the committed attempt's message", v, err, r.got)
	}
	r = &recorder{}
	_, err = Apply(ctx, r, retrying, "x", func(*int) ([]Message, error) { return []Message{{ID: "m"}}, errors.New("refused") })
	if err == nil || len(r.got) != 0 {
		t.Fatalf("a failed change dispatched %+v (err %v)", r.got, err)
	}
}

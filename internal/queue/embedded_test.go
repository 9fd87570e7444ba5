package queue_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/queue"
	"github.com/cecportal/cecportal/internal/testkit"
)

var (
	workCfg = queue.Config{Name: "work", VisibilityTimeout: 30 * time.Second, MaxReceives: 3, DeadLetter: "work-dlq"}
	deadCfg = queue.Config{Name: "work-dlq"}
)

// embeddedWithClock opens the work queues on a fresh file with a manual clock.
func embeddedWithClock(t *testing.T) (*queue.Embedded, *testkit.Clock) {
	t.Helper()
	e := openEmbedded(t, filepath.Join(t.TempDir(), "local.db"), workCfg, deadCfg)
	c := testkit.NewClock()
	e.Now = c.Now
	return e, c
}

func expectDepth(t *testing.T, e *queue.Embedded, name string, visible, inFlight int) {
	t.Helper()
	v, f, err := e.Depth(name)
	if err != nil {
		t.Fatal(err)
	}
	if v != visible || f != inFlight {
		t.Fatalf("%s holds %d visible and %d in flight, want %d and %d", name, v, f, visible, inFlight)
	}
}

func TestEmbedded_SurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "local.db")
	c := testkit.NewClock()
	open := func() (*bbolt.DB, *queue.Embedded) {
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		e, err := queue.OpenEmbedded(db, workCfg, deadCfg)
		if err != nil {
			t.Fatal(err)
		}
		e.Now = c.Now
		return db, e
	}

	db, e := open()
	q := mustQueue(t, e, "work")
	send(t, q, "first")
	send(t, q, "second")
	inFlight := receiveN(t, q, 1)[0]
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, e = open()
	defer db.Close()
	expectDepth(t, e, "work", 1, 1)
	c.Advance(workCfg.VisibilityTimeout)
	expectDepth(t, e, "work", 2, 0)
	q = mustQueue(t, e, "work")
	for _, m := range receiveN(t, q, 2) {
		if m.ID == inFlight.ID && m.ReceiveCount != 2 {
			t.Errorf("message in flight at the crash came back with receive count %d, want 2", m.ReceiveCount)
		}
	}
}

func TestEmbedded_ReceiptHandles(t *testing.T) {
	ctx := context.Background()
	t.Run("SupersededHandleDeletesNothing", func(t *testing.T) {
		e, _ := embeddedWithClock(t)
		q := mustQueue(t, e, "work")
		send(t, q, "x")
		first := receiveN(t, q, 1)[0]
		if err := q.ChangeVisibility(ctx, first.ReceiptHandle, 0); err != nil {
			t.Fatal(err)
		}
		second := receiveN(t, q, 1)[0]
		if err := q.Delete(ctx, first.ReceiptHandle); !errors.Is(err, queue.ErrReceiptHandle) {
			t.Errorf("Delete with the first delivery's handle = %v, want ErrReceiptHandle", err)
		}
		if err := q.ChangeVisibility(ctx, first.ReceiptHandle, 0); !errors.Is(err, queue.ErrReceiptHandle) {
			t.Errorf("ChangeVisibility with the first delivery's handle = %v, want ErrReceiptHandle", err)
		}
		expectDepth(t, e, "work", 0, 1)
		if err := q.Delete(ctx, second.ReceiptHandle); err != nil {
			t.Fatal(err)
		}
		if err := q.Delete(ctx, second.ReceiptHandle); err != nil {
			t.Errorf("second Delete of a deleted message = %v, want success as in SQS", err)
		}
		expectDepth(t, e, "work", 0, 0)
	})
	t.Run("HandleOfAnotherQueue", func(t *testing.T) {
		e, _ := embeddedWithClock(t)
		q, dlq := mustQueue(t, e, "work"), mustQueue(t, e, "work-dlq")
		send(t, q, "x")
		m := receiveN(t, q, 1)[0]
		if err := dlq.Delete(ctx, m.ReceiptHandle); !errors.Is(err, queue.ErrReceiptHandle) {
			t.Errorf("Delete on the wrong queue = %v, want ErrReceiptHandle", err)
		}
		expectDepth(t, e, "work", 0, 1)
	})
	t.Run("ChangeVisibilityOnlyInFlight", func(t *testing.T) {
		e, c := embeddedWithClock(t)
		q := mustQueue(t, e, "work")
		send(t, q, "x")
		m := receiveN(t, q, 1)[0]
		if err := q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute); err != nil {
			t.Fatal(err)
		}
		c.Advance(workCfg.VisibilityTimeout)
		expectDepth(t, e, "work", 0, 1) // extended to a minute
		c.Advance(time.Minute)
		if err := q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute); !errors.Is(err, queue.ErrReceiptHandle) {
			t.Errorf("ChangeVisibility after the timeout = %v, want ErrReceiptHandle (MessageNotInflight)", err)
		}
		if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
			t.Errorf("Delete after the timeout, before a new delivery = %v, want success as in SQS", err)
		}
		expectDepth(t, e, "work", 0, 0)
	})
}

func TestEmbedded_DeadLetterKeepsTheMessage(t *testing.T) {
	e, c := embeddedWithClock(t)
	q, dlq := mustQueue(t, e, "work"), mustQueue(t, e, "work-dlq")
	id := send(t, q, "poison")
	sent := c.Now()
	for range workCfg.MaxReceives {
		receiveN(t, q, 1)
		c.Advance(workCfg.VisibilityTimeout)
	}
	expectEmpty(t, q)
	expectDepth(t, e, "work", 0, 0)
	expectDepth(t, e, "work-dlq", 1, 0)
	m := receiveN(t, dlq, 1)[0]
	if m.ID != id || m.Body != "poison" || !m.SentAt.Equal(sent) || m.ReceiveCount != workCfg.MaxReceives+1 {
		t.Errorf("dead letter %+v, want ID %s, body poison, sent at %v and receive count %d (SQS keeps counting)",
			m, id, sent, workCfg.MaxReceives+1)
	}
}

// A deep queue of messages in flight must not hide the visible one behind it.
func TestEmbedded_DeepQueue(t *testing.T) {
	e, c := embeddedWithClock(t)
	q := mustQueue(t, e, "work")
	fill(t, q, 2000)
	for range 200 {
		receiveN(t, q, queue.MaxBatch)
	}
	expectDepth(t, e, "work", 0, 2000)
	c.Advance(time.Second)
	id := send(t, q, "latest")
	if got := receiveN(t, q, 1); got[0].ID != id {
		t.Errorf("received %+v, want the one visible message", got)
	}
}

func TestOpenEmbedded_InvalidConfig(t *testing.T) {
	tests := []struct {
		name    string
		configs []queue.Config
		want    string
	}{
		{"BadName", []queue.Config{{Name: "no spaces"}}, "queue name"},
		{"Twice", []queue.Config{{Name: "a"}, {Name: "a"}}, "twice"},
		{"UnknownDeadLetter", []queue.Config{{Name: "a", MaxReceives: 3, DeadLetter: "b"}}, "not configured"},
		{"OwnDeadLetter", []queue.Config{{Name: "a", MaxReceives: 3, DeadLetter: "a"}}, "own dead-letter"},
		{"DeadLetterWithoutMaxReceives", []queue.Config{{Name: "a", DeadLetter: "b"}, {Name: "b"}}, "MaxReceives"},
		{"MaxReceivesWithoutDeadLetter", []queue.Config{{Name: "a", MaxReceives: 3}}, "MaxReceives"},
		{"FractionalVisibility", []queue.Config{{Name: "a", VisibilityTimeout: 1500 * time.Millisecond}}, "whole seconds"},
		{"VisibilityTooLong", []queue.Config{{Name: "a", VisibilityTimeout: 13 * time.Hour}}, "whole seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := bbolt.Open(filepath.Join(t.TempDir(), "local.db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = queue.OpenEmbedded(db, tt.configs...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenEmbedded = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// The file is shared with other adapters: the queues keep to "queue:" buckets.
func TestEmbedded_KeepsToItsBuckets(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "local.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket([]byte("store:table"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := queue.OpenEmbedded(db, workCfg, deadCfg)
	if err != nil {
		t.Fatal(err)
	}
	q := mustQueue(t, e, "work")
	send(t, q, "x")
	receiveN(t, q, 1)
	var names []string
	db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	})
	for _, n := range names {
		if n != "store:table" && !strings.HasPrefix(n, queue.BucketPrefix) {
			t.Errorf("bucket %q lacks the %q prefix", n, queue.BucketPrefix)
		}
	}
	if len(names) != 3 {
		t.Errorf("buckets %v, want store:table and one per queue", names)
	}
}

func TestEmbedded_UnknownQueue(t *testing.T) {
	e, _ := embeddedWithClock(t)
	if _, err := e.Queue("nope"); err == nil {
		t.Error("Queue(nope) succeeded")
	}
	if _, _, err := e.Depth("nope"); err == nil {
		t.Error("Depth(nope) succeeded")
	}
}

// Receive on a deep queue costs what a shallow one does.
func BenchmarkEmbedded_ReceiveDelete(b *testing.B) {
	for _, depth := range []int{100, 10000} {
		b.Run(fmt.Sprint(depth), func(b *testing.B) {
			db, err := bbolt.Open(filepath.Join(b.TempDir(), "local.db"), 0o600, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.NoSync = true
			e, err := queue.OpenEmbedded(db, workCfg, deadCfg)
			if err != nil {
				b.Fatal(err)
			}
			q, _ := e.Queue("work")
			fill(b, q, depth)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				msgs, err := q.Receive(ctx, queue.MaxBatch, 0)
				if err != nil || len(msgs) == 0 {
					b.Fatal(len(msgs), err)
				}
				handles := make([]string, len(msgs))
				bodies := make([]string, len(msgs))
				for i, m := range msgs {
					handles[i], bodies[i] = m.ReceiptHandle, m.Body
				}
				if err := q.Delete(ctx, handles...); err != nil {
					b.Fatal(err)
				}
				if err := q.SendBatch(ctx, bodies); err != nil { // keep the depth
					b.Fatal(err)
				}
			}
		})
	}
}

func fill(tb testing.TB, q queue.Queue, n int) {
	tb.Helper()
	for i := 0; i < n; i += queue.MaxBatch {
		batch := make([]string, min(queue.MaxBatch, n-i))
		for j := range batch {
			batch[j] = fmt.Sprintf("message %d", i+j)
		}
		if err := q.SendBatch(context.Background(), batch); err != nil {
			tb.Fatal(err)
		}
	}
}

// receiveN receives exactly n visible messages without waiting.
func receiveN(t *testing.T, q queue.Queue, n int) []queue.Message {
	t.Helper()
	msgs, err := q.Receive(context.Background(), n, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != n {
		t.Fatalf("received %d messages, want %d", len(msgs), n)
	}
	return msgs
}

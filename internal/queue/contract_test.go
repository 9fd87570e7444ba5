package queue_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/queue"
)

func TestMain(m *testing.M) { moto.Main(m) }

// newQueues returns a fresh queue with its dead-letter queue, and the main
// queue's configuration.
type newQueues func(t *testing.T) (main, dlq queue.Queue, cfg queue.Config)

// contractConfig keeps the suite fast: one-second visibility and dead
// letters after two deliveries.
func contractConfig(name string) (main, dlq queue.Config) {
	return queue.Config{Name: name, VisibilityTimeout: time.Second, MaxReceives: 2, DeadLetter: name + "-dlq"},
		queue.Config{Name: name + "-dlq", VisibilityTimeout: time.Second}
}

func TestEmbedded_Contract(t *testing.T) {
	runQueueContract(t, func(t *testing.T) (queue.Queue, queue.Queue, queue.Config) {
		cfg, dcfg := contractConfig("work")
		e := openEmbedded(t, filepath.Join(t.TempDir(), "local.db"), cfg, dcfg)
		return mustQueue(t, e, cfg.Name), mustQueue(t, e, dcfg.Name), cfg
	})
}

func TestSQS_Contract(t *testing.T) {
	client := sqs.NewFromConfig(moto.Shared(t).Config(t))
	runQueueContract(t, func(t *testing.T) (queue.Queue, queue.Queue, queue.Config) {
		cfg, dcfg := contractConfig("ct-" + strings.ToLower(rand.Text()[:12]))
		ctx := context.Background()
		url, err := queue.CreateQueues(ctx, client, cfg)
		if err != nil {
			t.Fatal(err)
		}
		durl, err := queue.CreateQueues(ctx, client, dcfg)
		if err != nil {
			t.Fatal(err)
		}
		return queue.NewSQS(client, url), queue.NewSQS(client, durl), cfg
	})
}

// runQueueContract is the behaviour both adapters promise: SQS standard
// queues with a redrive policy. Every case gets its own queues and runs in
// parallel, since most of them wait out a visibility timeout.
func runQueueContract(t *testing.T, newQueues newQueues) {
	t.Run("SendReceiveDelete", func(t *testing.T) {
		t.Parallel()
		q, _, cfg := newQueues(t)
		ctx := context.Background()
		before := time.Now()
		id, err := q.Send(ctx, "hello")
		if err != nil {
			t.Fatal(err)
		}
		m := receiveOne(t, q, time.Second)
		if m.ID != id || m.Body != "hello" || m.ReceiveCount != 1 || m.ReceiptHandle == "" {
			t.Fatalf("got %+v, want ID %s, body hello, receive count 1 and a receipt handle", m, id)
		}
		if m.SentAt.Before(before.Add(-2*time.Second)) || m.SentAt.After(time.Now().Add(2*time.Second)) {
			t.Errorf("SentAt %v, want about %v", m.SentAt, before)
		}
		if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
			t.Fatal(err)
		}
		time.Sleep(cfg.VisibilityTimeout + 200*time.Millisecond)
		expectEmpty(t, q)
	})

	t.Run("InvisibleUntilTimeout", func(t *testing.T) {
		t.Parallel()
		q, _, cfg := newQueues(t)
		send(t, q, "again")
		first := receiveOne(t, q, time.Second)
		expectEmpty(t, q)
		start := time.Now()
		second := receiveOne(t, q, 3*cfg.VisibilityTimeout)
		if waited := time.Since(start); waited < cfg.VisibilityTimeout/2 {
			t.Errorf("redelivered after %v, before the visibility timeout of %v", waited, cfg.VisibilityTimeout)
		}
		if second.ID != first.ID || second.ReceiveCount != 2 {
			t.Errorf("redelivery %+v, want ID %s with receive count 2", second, first.ID)
		}
		if second.ReceiptHandle == first.ReceiptHandle {
			t.Error("redelivery reused the receipt handle; handles are per delivery")
		}
	})

	t.Run("ChangeVisibilityZero", func(t *testing.T) {
		t.Parallel()
		q, _, _ := newQueues(t)
		ctx := context.Background()
		send(t, q, "now")
		first := receiveOne(t, q, time.Second)
		if err := q.ChangeVisibility(ctx, first.ReceiptHandle, 0); err != nil {
			t.Fatal(err)
		}
		msgs, err := q.Receive(ctx, queue.MaxBatch, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].ID != first.ID || msgs[0].ReceiveCount != 2 {
			t.Fatalf("after ChangeVisibility(0) got %+v, want %s again at once with receive count 2", msgs, first.ID)
		}
	})

	t.Run("DeadLetterAfterMaxReceives", func(t *testing.T) {
		t.Parallel()
		q, dlq, cfg := newQueues(t)
		ctx := context.Background()
		id := send(t, q, "poison")
		for n := 1; n <= cfg.MaxReceives; n++ {
			m := receiveOne(t, q, time.Second)
			if m.ID != id || m.ReceiveCount != n {
				t.Fatalf("delivery %d: got %+v", n, m)
			}
			if err := q.ChangeVisibility(ctx, m.ReceiptHandle, 0); err != nil {
				t.Fatal(err)
			}
		}
		expectEmpty(t, q)
		dead := receiveOne(t, dlq, 2*time.Second)
		if dead.ID != id || dead.Body != "poison" {
			t.Errorf("dead letter %+v, want message %s with body poison", dead, id)
		}
	})

	t.Run("SendBatch", func(t *testing.T) {
		t.Parallel()
		q, _, cfg := newQueues(t)
		ctx := context.Background()
		var bodies []string
		for i := range queue.MaxBatch {
			bodies = append(bodies, "m"+string(rune('a'+i)))
		}
		if err := q.SendBatch(ctx, bodies); err != nil {
			t.Fatal(err)
		}
		if err := q.SendBatch(ctx, append(bodies, "one too many")); err == nil {
			t.Error("SendBatch of 11 succeeded, want an error")
		}
		if err := q.SendBatch(ctx, nil); err == nil {
			t.Error("SendBatch of none succeeded, want an error")
		}
		msgs := receiveAll(t, q, len(bodies), 5*time.Second)
		var got, handles []string
		for _, m := range msgs {
			got, handles = append(got, m.Body), append(handles, m.ReceiptHandle)
		}
		slices.Sort(got)
		if !slices.Equal(got, bodies) {
			t.Fatalf("received %v, want %v", got, bodies)
		}
		if err := q.Delete(ctx, handles...); err != nil {
			t.Fatalf("delete all at once: %v", err)
		}
		time.Sleep(cfg.VisibilityTimeout + 200*time.Millisecond)
		expectEmpty(t, q)
	})

	t.Run("RefusesWhatSQSRefuses", func(t *testing.T) {
		t.Parallel()
		q, _, _ := newQueues(t)
		ctx := context.Background()
		if _, err := q.Send(ctx, ""); err == nil {
			t.Error("Send of an empty body succeeded")
		}
		if _, err := q.Send(ctx, "bad \x00 character"); err == nil {
			t.Error("Send of a NUL character succeeded")
		}
		if _, err := q.Send(ctx, strings.Repeat("x", queue.MaxBodyBytes+1)); err == nil {
			t.Error("Send of a body over the limit succeeded")
		}
		for _, max := range []int{0, queue.MaxBatch + 1} {
			if _, err := q.Receive(ctx, max, 0); err == nil {
				t.Errorf("Receive(max %d) succeeded, want an error", max)
			}
		}
	})

	t.Run("GarbageReceiptHandle", func(t *testing.T) {
		t.Parallel()
		q, _, _ := newQueues(t)
		ctx := context.Background()
		if err := q.Delete(ctx, "garbage"); !errors.Is(err, queue.ErrReceiptHandle) {
			t.Errorf("Delete(garbage) = %v, want ErrReceiptHandle", err)
		}
		if err := q.ChangeVisibility(ctx, "garbage", 0); !errors.Is(err, queue.ErrReceiptHandle) {
			t.Errorf("ChangeVisibility(garbage) = %v, want ErrReceiptHandle", err)
		}
	})

	t.Run("DeleteReportsTheBadHandleAndDeletesTheRest", func(t *testing.T) {
		t.Parallel()
		q, _, cfg := newQueues(t)
		send(t, q, "keep going")
		m := receiveOne(t, q, time.Second)
		if err := q.Delete(context.Background(), m.ReceiptHandle, "garbage"); !errors.Is(err, queue.ErrReceiptHandle) {
			t.Errorf("Delete(good, garbage) = %v, want ErrReceiptHandle", err)
		}
		time.Sleep(cfg.VisibilityTimeout + 200*time.Millisecond)
		expectEmpty(t, q)
	})

	t.Run("LongPollReturnsWhenAMessageArrives", func(t *testing.T) {
		t.Parallel()
		q, _, _ := newQueues(t)
		go func() {
			time.Sleep(300 * time.Millisecond)
			if _, err := q.Send(context.Background(), "late"); err != nil {
				t.Error(err)
			}
		}()
		start := time.Now()
		msgs, err := q.Receive(context.Background(), 1, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); len(msgs) != 1 || msgs[0].Body != "late" || waited > 3*time.Second {
			t.Errorf("got %+v after %v, want the late message well before the 10s wait ends", msgs, waited)
		}
	})

	t.Run("LongPollStopsWithTheContext", func(t *testing.T) {
		t.Parallel()
		q, _, _ := newQueues(t)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := q.Receive(ctx, 1, 10*time.Second); err == nil {
			t.Error("Receive past its context's deadline succeeded")
		}
		if waited := time.Since(start); waited > 3*time.Second {
			t.Errorf("Receive returned %v after the context ended", waited)
		}
	})
}

func openEmbedded(t *testing.T, path string, configs ...queue.Config) *queue.Embedded {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e, err := queue.OpenEmbedded(db, configs...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustQueue(t *testing.T, e *queue.Embedded, name string) queue.Queue {
	t.Helper()
	q, err := e.Queue(name)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func send(t *testing.T, q queue.Queue, body string) string {
	t.Helper()
	id, err := q.Send(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// receiveOne long-polls for exactly one message.
func receiveOne(t *testing.T, q queue.Queue, wait time.Duration) queue.Message {
	t.Helper()
	msgs, err := q.Receive(context.Background(), queue.MaxBatch, wait)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("received %d messages, want 1: %+v", len(msgs), msgs)
	}
	return msgs[0]
}

// receiveAll collects n messages over several receives, since SQS may hand
// out fewer than are visible.
func receiveAll(t *testing.T, q queue.Queue, n int, within time.Duration) []queue.Message {
	t.Helper()
	var all []queue.Message
	deadline := time.Now().Add(within)
	for len(all) < n && time.Now().Before(deadline) {
		msgs, err := q.Receive(context.Background(), queue.MaxBatch, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, msgs...)
	}
	if len(all) != n {
		t.Fatalf("received %d messages within %v, want %d", len(all), within, n)
	}
	return all
}

func expectEmpty(t *testing.T, q queue.Queue) {
	t.Helper()
	msgs, err := q.Receive(context.Background(), queue.MaxBatch, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 0 {
		t.Fatalf("received %+v, want nothing", msgs)
	}
}

package queue_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/queue"
)

// TestPoisonMessage runs the local stack's real consumer path (Poller.Run
// feeding consumer.Handler) on both adapters, in real time: a message its
// work always fails is handed over exactly MaxReceives times and then lands
// in the dead-letter queue, while the good messages sent around it are
// handled once each and leave nothing behind.
func TestPoisonMessage(t *testing.T) {
	const maxReceives = 3
	cfg := func(name string) (queue.Config, queue.Config) {
		return queue.Config{Name: name, VisibilityTimeout: time.Second, MaxReceives: maxReceives, DeadLetter: name + "-dlq"},
			queue.Config{Name: name + "-dlq", VisibilityTimeout: time.Second}
	}
	t.Run("Embedded", func(t *testing.T) {
		t.Parallel()
		main, dead := cfg("poison")
		e := openEmbedded(t, filepath.Join(t.TempDir(), "local.db"), main, dead)
		runPoison(t, mustQueue(t, e, main.Name), mustQueue(t, e, dead.Name), maxReceives)
	})
	t.Run("SQS", func(t *testing.T) {
		t.Parallel()
		client := sqs.NewFromConfig(moto.Shared(t).Config(t))
		main, dead := cfg("poison-" + strings.ToLower(rand.Text()[:12]))
		ctx := context.Background()
		url, err := queue.CreateQueues(ctx, client, main)
		if err != nil {
			t.Fatal(err)
		}
		durl, err := queue.CreateQueues(ctx, client, dead)
		if err != nil {
			t.Fatal(err)
		}
		runPoison(t, queue.NewSQS(client, url), queue.NewSQS(client, durl), maxReceives)
	})
}

func runPoison(t *testing.T, q, dlq queue.Queue, maxReceives int) {
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]int{}
	work := func(_ context.Context, body string) error {
		mu.Lock()
		seen[body]++
		mu.Unlock()
		if strings.HasPrefix(body, "poison") {
			return errors.New("malformed message")
		}
		return nil
	}
	if err := q.SendBatch(ctx, []string{"good-1", "poison", "good-2"}); err != nil {
		t.Fatal(err)
	}
	p := queue.NewPoller(q, queue.Handler(consumer.Handler("test", work, quiet)),
		queue.PollerOptions{Wait: time.Second, Logger: quiet})
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { p.Run(runCtx); close(stopped) }()
	defer func() { stop(); <-stopped }()
	send(t, q, "good-3") // sent while the poison is going round

	// The poison comes back once per visibility timeout; after its last
	// failed delivery the next receive moves it to the dead-letter queue.
	msgs, err := dlq.Receive(ctx, queue.MaxBatch, 0)
	deadline := time.Now().Add(time.Duration(maxReceives+5) * 2 * time.Second)
	for err == nil && len(msgs) == 0 && time.Now().Before(deadline) {
		msgs, err = dlq.Receive(ctx, queue.MaxBatch, time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Body != "poison" {
		t.Fatalf("dead-letter queue holds %+v, want the poison message alone", msgs)
	}
	stop()
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	want := map[string]int{"poison": maxReceives, "good-1": 1, "good-2": 1, "good-3": 1}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("work saw %v, want %v: the poison %d times, each good message once", seen, want, maxReceives)
	}
	expectEmpty(t, q)
}

func TestEmbedded_PeekAndRedrive(t *testing.T) {
	ctx := context.Background()
	e, c := embeddedWithClock(t)
	q := mustQueue(t, e, "work")
	id := send(t, q, "poison")
	for range workCfg.MaxReceives {
		receiveN(t, q, 1)
		c.Advance(workCfg.VisibilityTimeout)
	}
	if msgs := drain(t, q); len(msgs) != 0 { // this receive dead-letters it
		t.Fatalf("delivered %d more times, want none after %d", len(msgs), workCfg.MaxReceives)
	}

	for range 2 { // looking twice changes nothing
		dead, total, err := e.Peek(ctx, "work-dlq", 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(dead) != 1 || dead[0].ID != id || dead[0].Body != "poison" || dead[0].ReceiveCount != workCfg.MaxReceives ||
			!dead[0].VisibleAt.Equal(c.Now()) || dead[0].SentAt.After(dead[0].VisibleAt) {
			t.Fatalf("Peek(work-dlq) = %+v, %d; want message %s received %d times, dead-lettered now (%v)", dead, total, id, workCfg.MaxReceives, c.Now())
		}
	}
	if _, total, err := e.Peek(ctx, "work-dlq", 0); err != nil || total != 1 {
		t.Fatalf("Peek with limit 0 = %d, %v; want the count alone, 1", total, err)
	}
	expectDepth(t, e, "work-dlq", 1, 0)

	for _, tc := range []struct{ from, to string }{{"work", "work-dlq"}, {"work-dlq", "work-dlq"}, {"nowhere", "work"}, {"work-dlq", "nowhere"}} {
		if n, err := e.Redrive(ctx, tc.from, tc.to); err == nil {
			t.Errorf("Redrive(%s, %s) moved %d, want an error", tc.from, tc.to, n)
		}
	}
	if _, _, err := e.Peek(ctx, "nowhere", 1); err == nil {
		t.Error("Peek at an unknown queue succeeded")
	}

	n, err := e.Redrive(ctx, "work-dlq", "work")
	if err != nil || n != 1 {
		t.Fatalf("Redrive = %d, %v; want 1 moved", n, err)
	}
	expectDepth(t, e, "work-dlq", 0, 0)
	back := receiveN(t, q, 1)[0]
	if back.ID != id || back.Body != "poison" || back.ReceiveCount != 1 {
		t.Fatalf("redriven message %+v, want %s with its receive count starting again at 1", back, id)
	}
	if n, err := e.Redrive(ctx, "work-dlq", "work"); err != nil || n != 0 {
		t.Fatalf("Redrive of an empty queue = %d, %v; want 0", n, err)
	}
}

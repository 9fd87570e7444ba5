package queue_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/queue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// failBodies is a handler that reports the messages with the given bodies
// as failed.
func failBodies(bodies ...string) queue.Handler {
	return func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			if slices.Contains(bodies, r.Body) {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	}
}

func TestPoller_PollOnce(t *testing.T) {
	tests := []struct {
		name        string
		handler     queue.Handler
		wantErr     bool
		redelivered []string // bodies that come back after the visibility timeout
	}{
		{"AllSucceed", failBodies(), false, nil},
		{"PartialFailure", failBodies("b"), false, []string{"b"}},
		{"HandlerError", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, errors.New("database down")
		}, true, []string{"a", "b", "c"}},
		{"Panic", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			panic("nil map")
		}, true, []string{"a", "b", "c"}},
		{"FailedItemNotInBatch", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: ""}}}, nil
		}, true, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := embeddedWithClock(t)
			q := mustQueue(t, e, "work")
			if err := q.SendBatch(context.Background(), []string{"a", "b", "c"}); err != nil {
				t.Fatal(err)
			}
			p := queue.NewPoller(q, tt.handler, queue.PollerOptions{Logger: quiet})
			n, err := p.PollOnce(context.Background())
			if n != 3 || (err != nil) != tt.wantErr {
				t.Fatalf("PollOnce = %d, %v; want 3 received and error %v", n, err, tt.wantErr)
			}
			expectDepth(t, e, "work", 0, len(tt.redelivered))
			c.Advance(workCfg.VisibilityTimeout)
			var got []string
			for _, m := range drain(t, q) {
				got = append(got, m.Body)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.redelivered) {
				t.Errorf("redelivered %v, want %v", got, tt.redelivered)
			}
		})
	}
}

func TestPoller_PoisonMessageEndsInTheDeadLetterQueue(t *testing.T) {
	e, c := embeddedWithClock(t)
	q := mustQueue(t, e, "work")
	send(t, q, "poison")
	send(t, q, "fine")
	var mu sync.Mutex
	seen := map[string]int{}
	h := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			seen[r.Body]++
		}
		return failBodies("poison")(ctx, ev)
	}
	p := queue.NewPoller(q, h, queue.PollerOptions{Logger: quiet})
	for range workCfg.MaxReceives + 2 {
		if _, err := p.PollOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.Advance(workCfg.VisibilityTimeout)
	}
	if seen["poison"] != workCfg.MaxReceives || seen["fine"] != 1 {
		t.Errorf("handler saw %v, want poison %d times and fine once", seen, workCfg.MaxReceives)
	}
	expectDepth(t, e, "work", 0, 0)
	expectDepth(t, e, "work-dlq", 1, 0)
}

func TestPoller_Event(t *testing.T) {
	e, c := embeddedWithClock(t)
	q := mustQueue(t, e, "work")
	id := send(t, q, `{"kind":"reminder"}`)
	var got events.SQSEvent
	p := queue.NewPoller(q, func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		got = ev
		return events.SQSEventResponse{}, nil
	}, queue.PollerOptions{Logger: quiet})
	if _, err := p.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != 1 {
		t.Fatalf("event has %d records, want 1", len(got.Records))
	}
	r := got.Records[0]
	sum := md5.Sum([]byte(r.Body))
	want := map[string]string{
		"MessageId":               id,
		"Body":                    `{"kind":"reminder"}`,
		"Md5OfBody":               hex.EncodeToString(sum[:]),
		"EventSource":             "aws:sqs",
		"EventSourceARN":          "arn:aws:sqs:local:000000000000:work",
		"ApproximateReceiveCount": "1",
		"SentTimestamp":           strconv.FormatInt(c.Now().UnixMilli(), 10),
	}
	have := map[string]string{
		"MessageId":               r.MessageId,
		"Body":                    r.Body,
		"Md5OfBody":               r.Md5OfBody,
		"EventSource":             r.EventSource,
		"EventSourceARN":          r.EventSourceARN,
		"ApproximateReceiveCount": r.Attributes["ApproximateReceiveCount"],
		"SentTimestamp":           r.Attributes["SentTimestamp"],
	}
	for k, w := range want {
		if have[k] != w {
			t.Errorf("%s = %q, want %q", k, have[k], w)
		}
	}
	if r.ReceiptHandle == "" {
		t.Error("record has no receipt handle")
	}
}

func TestPoller_Run(t *testing.T) {
	e, _ := embeddedWithClock(t)
	q := mustQueue(t, e, "work")
	done := make(chan string, 1)
	p := queue.NewPoller(q, func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		for _, r := range ev.Records {
			done <- r.Body
		}
		return events.SQSEventResponse{}, nil
	}, queue.PollerOptions{Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		p.Run(ctx)
		close(stopped)
	}()
	time.Sleep(100 * time.Millisecond) // let Run start its long poll
	send(t, q, "wake up")
	select {
	case body := <-done:
		if body != "wake up" {
			t.Errorf("handler got %q", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not hand the message over within 5s")
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop within 5s of its context ending")
	}
	expectDepth(t, e, "work", 0, 0)
}

// drain receives every visible message without waiting.
func drain(t *testing.T, q queue.Queue) []queue.Message {
	t.Helper()
	var all []queue.Message
	for {
		msgs, err := q.Receive(context.Background(), queue.MaxBatch, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			return all
		}
		all = append(all, msgs...)
	}
}

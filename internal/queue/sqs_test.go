package queue_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/queue"
)

func TestCreateQueues(t *testing.T) {
	ctx := context.Background()
	client := sqs.NewFromConfig(moto.Shared(t).Config(t))
	name := "cq-" + strings.ToLower(rand.Text()[:12])
	cfg := queue.Config{Name: name, VisibilityTimeout: 45 * time.Second, MaxReceives: 4, DeadLetter: name + "-dlq"}

	url, err := queue.CreateQueues(ctx, client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := queue.CreateQueues(ctx, client, cfg)
	if err != nil || again != url {
		t.Fatalf("second CreateQueues = %q, %v; want %q", again, err, url)
	}
	cfg.VisibilityTimeout, cfg.MaxReceives = time.Minute, 2
	if _, err := queue.CreateQueues(ctx, client, cfg); err != nil {
		t.Fatalf("CreateQueues with a changed config: %v", err)
	}

	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := attrs.Attributes["VisibilityTimeout"]; v != "60" {
		t.Errorf("VisibilityTimeout = %s, want 60", v)
	}
	var policy struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     json.Number
	}
	if err := json.Unmarshal([]byte(attrs.Attributes["RedrivePolicy"]), &policy); err != nil {
		t.Fatalf("RedrivePolicy %q: %v", attrs.Attributes["RedrivePolicy"], err)
	}
	if !strings.HasSuffix(policy.DeadLetterTargetArn, ":"+cfg.DeadLetter) || policy.MaxReceiveCount != "2" {
		t.Errorf("RedrivePolicy %+v, want %s after 2 receives", policy, cfg.DeadLetter)
	}
	if n := queue.NewSQS(client, url).Name(); n != name {
		t.Errorf("Name() = %q, want %q", n, name)
	}
}

func TestCreateQueues_InvalidConfig(t *testing.T) {
	_, err := queue.CreateQueues(context.Background(), nil, queue.Config{Name: "a", MaxReceives: 3})
	if err == nil {
		t.Error("CreateQueues accepted MaxReceives without a dead-letter queue")
	}
}

// recordingSQS answers like SQS and keeps the requests it got.
type recordingSQS struct {
	queue.SQSAPI // unused methods panic
	receive      *sqs.ReceiveMessageInput
	deletes      [][]string
}

func (r *recordingSQS) ReceiveMessage(_ context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	r.receive = in
	return &sqs.ReceiveMessageOutput{Messages: []types.Message{{
		MessageId: aws.String("m1"), Body: aws.String("b"), ReceiptHandle: aws.String("h1"),
		Attributes: map[string]string{"ApproximateReceiveCount": "3", "SentTimestamp": "1767225600000"},
	}}}, nil
}

func (r *recordingSQS) DeleteMessageBatch(_ context.Context, in *sqs.DeleteMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	var handles []string
	out := &sqs.DeleteMessageBatchOutput{}
	for _, e := range in.Entries {
		handles = append(handles, *e.ReceiptHandle)
		if *e.ReceiptHandle == "stale" {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("ReceiptHandleIsInvalid")})
		}
	}
	r.deletes = append(r.deletes, handles)
	return out, nil
}

func TestSQS_Receive(t *testing.T) {
	tests := []struct {
		wait time.Duration
		want int32
	}{{0, 0}, {400 * time.Millisecond, 0}, {1500 * time.Millisecond, 2}, {time.Minute, 20}, {-time.Second, 0}}
	for _, tt := range tests {
		rec := &recordingSQS{}
		msgs, err := queue.NewSQS(rec, "https://sqs.eu-west-1.amazonaws.com/1/work").Receive(context.Background(), 7, tt.wait)
		if err != nil {
			t.Fatal(err)
		}
		if rec.receive.WaitTimeSeconds != tt.want || rec.receive.MaxNumberOfMessages != 7 {
			t.Errorf("wait %v: asked WaitTimeSeconds %d and %d messages, want %d and 7",
				tt.wait, rec.receive.WaitTimeSeconds, rec.receive.MaxNumberOfMessages, tt.want)
		}
		want := []types.MessageSystemAttributeName{"ApproximateReceiveCount", "SentTimestamp"}
		if !slices.Equal(rec.receive.MessageSystemAttributeNames, want) {
			t.Errorf("asked attributes %v, want %v", rec.receive.MessageSystemAttributeNames, want)
		}
		m := msgs[0]
		if m.ReceiveCount != 3 || !m.SentAt.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("message %+v, want receive count 3 sent at 2026-01-01", m)
		}
	}
}

func TestSQS_DeleteInBatchesOfTen(t *testing.T) {
	rec := &recordingSQS{}
	handles := make([]string, 23)
	for i := range handles {
		handles[i] = "h"
	}
	handles[15] = "stale"
	err := queue.NewSQS(rec, "https://sqs.eu-west-1.amazonaws.com/1/work").Delete(context.Background(), handles...)
	if !errors.Is(err, queue.ErrReceiptHandle) {
		t.Errorf("Delete = %v, want ErrReceiptHandle for the stale handle", err)
	}
	var sizes []int
	for _, d := range rec.deletes {
		sizes = append(sizes, len(d))
	}
	if !slices.Equal(sizes, []int{10, 10, 3}) {
		t.Errorf("batches of %v, want 10, 10, 3", sizes)
	}
}

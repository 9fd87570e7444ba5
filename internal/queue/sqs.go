package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// SQSAPI is the part of *sqs.Client the SQS adapter uses.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// SQS is one Amazon SQS standard queue.
type SQS struct {
	client SQSAPI
	url    string
	name   string
}

var _ Queue = (*SQS)(nil)

// NewSQS returns the queue at queueURL. Build the client once, in main.
func NewSQS(client SQSAPI, queueURL string) *SQS {
	return &SQS{client: client, url: queueURL, name: queueURL[strings.LastIndexByte(queueURL, '/')+1:]}
}

// Name is the queue's name, the last segment of its URL.
func (s *SQS) Name() string { return s.name }

func (s *SQS) Send(ctx context.Context, body string) (string, error) {
	if err := checkBody(body); err != nil {
		return "", fmt.Errorf("send to %s: %w", s.name, err)
	}
	out, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &s.url, MessageBody: &body})
	if err != nil {
		return "", fmt.Errorf("send to %s: %w", s.name, err)
	}
	return aws.ToString(out.MessageId), nil
}

// SendBatch reports an error when any message was refused; the others were
// sent, so retrying the batch duplicates them (consumers are idempotent, as
// SQS's at-least-once delivery requires anyway).
func (s *SQS) SendBatch(ctx context.Context, bodies []string) error {
	if err := checkBatch(bodies); err != nil {
		return fmt.Errorf("send batch to %s: %w", s.name, err)
	}
	entries := make([]types.SendMessageBatchRequestEntry, len(bodies))
	for i, b := range bodies {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b)}
	}
	out, err := s.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &s.url, Entries: entries})
	if err != nil {
		return fmt.Errorf("send batch to %s: %w", s.name, err)
	}
	if len(out.Failed) > 0 {
		return fmt.Errorf("send batch to %s: %d of %d messages refused: %w", s.name, len(out.Failed), len(bodies), batchErrors(out.Failed))
	}
	return nil
}

// Receive asks for the receive count and sent time with each message. wait
// is rounded to whole seconds, the unit of SQS's long poll.
func (s *SQS) Receive(ctx context.Context, max int, wait time.Duration) ([]Message, error) {
	if err := checkMax(max); err != nil {
		return nil, fmt.Errorf("receive from %s: %w", s.name, err)
	}
	out, err := s.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            &s.url,
		MaxNumberOfMessages: int32(max),
		WaitTimeSeconds:     int32(clampWait(wait).Round(time.Second) / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{
			types.MessageSystemAttributeNameApproximateReceiveCount,
			types.MessageSystemAttributeNameSentTimestamp,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("receive from %s: %w", s.name, err)
	}
	msgs := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		msg := Message{
			ID:            aws.ToString(m.MessageId),
			Body:          aws.ToString(m.Body),
			ReceiptHandle: aws.ToString(m.ReceiptHandle),
		}
		attr := m.Attributes
		if msg.ReceiveCount, err = strconv.Atoi(attr[string(types.MessageSystemAttributeNameApproximateReceiveCount)]); err != nil {
			return nil, fmt.Errorf("receive from %s: message %s: receive count: %w", s.name, msg.ID, err)
		}
		ms, err := strconv.ParseInt(attr[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("receive from %s: message %s: sent timestamp: %w", s.name, msg.ID, err)
		}
		msg.SentAt = time.UnixMilli(ms).UTC()
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// Delete deletes in batches of MaxBatch; it deletes what it can and reports
// the refused handles with ErrReceiptHandle.
func (s *SQS) Delete(ctx context.Context, receiptHandles ...string) error {
	switch len(receiptHandles) {
	case 0:
		return nil
	case 1:
		_, err := s.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &s.url, ReceiptHandle: &receiptHandles[0]})
		if err != nil {
			return fmt.Errorf("delete from %s: %w", s.name, handleError(err))
		}
		return nil
	}
	var refused []error
	for start := 0; start < len(receiptHandles); start += MaxBatch {
		chunk := receiptHandles[start:min(start+MaxBatch, len(receiptHandles))]
		entries := make([]types.DeleteMessageBatchRequestEntry, len(chunk))
		for i := range chunk {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(start + i)), ReceiptHandle: &chunk[i]}
		}
		out, err := s.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &s.url, Entries: entries})
		if err != nil {
			return fmt.Errorf("delete from %s: %w", s.name, err)
		}
		if len(out.Failed) > 0 {
			refused = append(refused, batchErrors(out.Failed))
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("delete from %s: %w", s.name, errors.Join(refused...))
	}
	return nil
}

func (s *SQS) ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error {
	if err := checkVisibility(d); err != nil {
		return fmt.Errorf("change visibility in %s: %w", s.name, err)
	}
	_, err := s.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl:          &s.url,
		ReceiptHandle:     &receiptHandle,
		VisibilityTimeout: int32(d.Round(time.Second) / time.Second),
	})
	if err != nil {
		return fmt.Errorf("change visibility in %s: %w", s.name, handleError(err))
	}
	return nil
}

// handleError adds ErrReceiptHandle to the errors that mean the handle is
// unknown or its delivery is over.
func handleError(err error) error {
	if hasCode(err, receiptHandleCodes...) {
		return fmt.Errorf("%w: %w", ErrReceiptHandle, err)
	}
	return err
}

// receiptHandleCodes are the error codes of a handle that is unknown or
// whose delivery is over.
var receiptHandleCodes = []string{"ReceiptHandleIsInvalid", "MessageNotInflight"}

// hasCode tells whether err is an API error with one of codes, also in the
// "AWS.SimpleQueueService.<code>" form of SQS's query-compatible errors.
func hasCode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return codeIn(apiErr.ErrorCode(), codes)
}

func codeIn(code string, codes []string) bool {
	for _, c := range codes {
		if code == c || strings.HasSuffix(code, "."+c) {
			return true
		}
	}
	return false
}

// batchErrors turns a batch call's failed entries into one error.
func batchErrors(failed []types.BatchResultErrorEntry) error {
	errs := make([]error, len(failed))
	for i, f := range failed {
		err := fmt.Errorf("entry %s: %s: %s", aws.ToString(f.Id), aws.ToString(f.Code), aws.ToString(f.Message))
		if codeIn(aws.ToString(f.Code), receiptHandleCodes) {
			err = fmt.Errorf("%w: %w", ErrReceiptHandle, err)
		}
		errs[i] = err
	}
	return errors.Join(errs...)
}

// SQSAdmin is the part of *sqs.Client that CreateQueues uses.
type SQSAdmin interface {
	CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, opts ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error)
}

var _ SQSAdmin = (*sqs.Client)(nil)

// deadLetterRetention is the longest retention SQS allows. A dead-letter
// queue keeps it so that a message dead-lettered late in its life (SQS keeps
// the original enqueue time) still waits days for an operator.
const deadLetterRetention = 14 * 24 * time.Hour

// CreateQueues creates cfg's queue and its dead-letter queue, or brings
// existing ones to cfg, and returns the queue's URL. The template does this
// on AWS; tests and the local stack against moto call it instead.
func CreateQueues(ctx context.Context, client SQSAdmin, cfg Config) (string, error) {
	if err := cfg.validate(); err != nil {
		return "", fmt.Errorf("create queues: %w", err)
	}
	attrs := map[string]string{
		string(types.QueueAttributeNameVisibilityTimeout): strconv.Itoa(int(cfg.visibility() / time.Second)),
	}
	if cfg.DeadLetter != "" {
		dlqURL, err := ensureQueue(ctx, client, cfg.DeadLetter, map[string]string{
			string(types.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(int(deadLetterRetention / time.Second)),
		})
		if err != nil {
			return "", err
		}
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       &dlqURL,
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
		})
		if err != nil {
			return "", fmt.Errorf("create queues: arn of %s: %w", cfg.DeadLetter, err)
		}
		policy, err := json.Marshal(struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
			MaxReceiveCount     int    `json:"maxReceiveCount"`
		}{out.Attributes[string(types.QueueAttributeNameQueueArn)], cfg.MaxReceives})
		if err != nil {
			return "", fmt.Errorf("create queues: redrive policy of %s: %w", cfg.Name, err)
		}
		attrs[string(types.QueueAttributeNameRedrivePolicy)] = string(policy)
	}
	return ensureQueue(ctx, client, cfg.Name, attrs)
}

// ensureQueue creates the queue, or sets attrs on it when it exists with
// other attributes (CreateQueue then fails with QueueNameExists).
func ensureQueue(ctx context.Context, client SQSAdmin, name string, attrs map[string]string) (string, error) {
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err == nil {
		return aws.ToString(out.QueueUrl), nil
	}
	// moto answers QueueAlreadyExists where AWS answers QueueNameExists.
	if !hasCode(err, "QueueNameExists", "QueueAlreadyExists") {
		return "", fmt.Errorf("create queue %s: %w", name, err)
	}
	got, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	if err != nil {
		return "", fmt.Errorf("create queue %s: url: %w", name, err)
	}
	if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: got.QueueUrl, Attributes: attrs}); err != nil {
		return "", fmt.Errorf("create queue %s: update attributes: %w", name, err)
	}
	return aws.ToString(got.QueueUrl), nil
}

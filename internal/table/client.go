package table

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Retries of the DynamoDB client. The SDK's standard retryer already
// retries throttling (ProvisionedThroughputExceeded, ThrottlingException,
// RequestLimitExceeded) and transaction conflicts with jittered exponential
// backoff; its defaults (3 attempts, a client-side retry quota) give up
// within a few hundred milliseconds, which under a burst on an on-demand
// table that is still scaling would turn throttling into 500s. These
// settings ride such a burst out for a few seconds instead; a Lambda's
// timeout still bounds every call.
const (
	DynamoMaxAttempts = 10
	DynamoMaxBackoff  = 2 * time.Second
)

// DynamoRetryer is the retryer NewDynamoClient configures.
func DynamoRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = DynamoMaxAttempts
		o.MaxBackoff = DynamoMaxBackoff
		// No client-side retry quota: one busy partition must not make the
		// process stop retrying everything else.
		o.RateLimiter = ratelimit.None
	})
}

// NewDynamoClient is the DynamoDB client of every entry point: cfg's
// settings with DynamoRetryer.
func NewDynamoClient(cfg aws.Config, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.Retryer = DynamoRetryer()
	}}, opts...)...)
}

package table_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/meter"
	"github.com/cecportal/cecportal/internal/table"
)

// throttling answers the first n requests as a throttled DynamoDB does,
// then a GetItem result.
func throttling(n int64) (*httptest.Server, *atomic.Int64) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if seen.Add(1) <= n {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}`))
			return
		}
		w.Write([]byte(`{"Item":{"PK":{"S":"P"},"SK":{"S":"S"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":1}}`))
	}))
	return srv, &seen
}

// The entry points' DynamoDB client rides out throttling: up to
// DynamoMaxAttempts attempts with backoff, then the throttling error.
func TestNewDynamoClient_RetriesThrottling(t *testing.T) {
	for _, tc := range []struct {
		throttled int64
		ok        bool
	}{{0, true}, {3, true}, {table.DynamoMaxAttempts - 1, true}, {table.DynamoMaxAttempts, false}} {
		srv, seen := throttling(tc.throttled)
		cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}
		client := table.NewDynamoClient(cfg, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			// The configured retryer, with short waits so the test is quick.
			o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, 5*time.Millisecond)
		})
		tbl := table.NewDynamo(client, "t")
		m := meter.New()
		_, err := tbl.Get(meter.With(t.Context(), m), table.Key{PK: "P", SK: "S"})
		srv.Close()
		var throttled *types.ProvisionedThroughputExceededException
		switch {
		case tc.ok && err != nil:
			t.Errorf("%d throttled answers: %v", tc.throttled, err)
		case !tc.ok && !errors.As(err, &throttled):
			t.Errorf("%d throttled answers: want the throttling error, got %v", tc.throttled, err)
		}
		if want := min(tc.throttled+1, table.DynamoMaxAttempts); seen.Load() != want {
			t.Errorf("%d throttled answers: %d requests, want %d", tc.throttled, seen.Load(), want)
		}
		if u := m.Usage(); u.Calls["GetItem"] != 1 || (tc.ok && u.ReadUnits != 1) {
			t.Errorf("%d throttled answers: meter %+v (one call, the retries inside it)", tc.throttled, u)
		}
	}
}

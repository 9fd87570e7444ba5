package table_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestMain stops the package's moto_server after the tests. It is the
// package's only TestMain.
func TestMain(m *testing.M) { moto.Main(m) }

func TestTable_Dynamo(t *testing.T) {
	runTableContract(t, func(t *testing.T) (table.Table, *testkit.Clock) {
		client := testkit.MotoClient(t)
		clock := testkit.NewClock()
		return table.NewDynamo(client, testkit.NewTableName(t, client), table.WithDynamoNow(clock.Now)), clock
	})
}

func TestDynamo_CreateTable(t *testing.T) {
	t.Parallel()
	client := testkit.MotoClient(t)
	name := testkit.NewTableName(t, client)
	if err := table.CreateTable(t.Context(), client, name); err != nil {
		t.Fatalf("CreateTable of an existing table: %v", err)
	}
	out, err := client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	desc := out.Table
	if desc.BillingModeSummary == nil || desc.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode %+v, want PAY_PER_REQUEST", desc.BillingModeSummary)
	}
	if len(desc.GlobalSecondaryIndexes) != 2 {
		t.Fatalf("%d GSIs, want 2", len(desc.GlobalSecondaryIndexes))
	}
	for _, g := range desc.GlobalSecondaryIndexes {
		if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
			t.Errorf("%s projection %+v, want ALL", aws.ToString(g.IndexName), g.Projection)
		}
	}
	ttl, err := client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != table.AttrTTL || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Errorf("TTL %+v, want enabled on %s", d, table.AttrTTL)
	}

	t.Run("ErrOtherLayout", func(t *testing.T) {
		other := name + "-other"
		_, err := client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
			TableName:            &other,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			BillingMode:          types.BillingModePayPerRequest,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := table.CreateTable(t.Context(), client, other); err == nil {
			t.Fatal("CreateTable accepted an existing table of another layout")
		}
	})
}

// flakyClient passes calls to moto but returns part of some batch requests
// as unprocessed, as DynamoDB does under throttling, and records the size
// of every batch request.
type flakyClient struct {
	testkit.MotoDynamo
	table string
	flaky func(call int) bool // whether call (1-based) leaves half unprocessed

	mu         sync.Mutex
	calls      int
	largestReq int
}

func (c *flakyClient) flake(n int) (flake bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.largestReq = max(c.largestReq, n)
	return c.flaky(c.calls)
}

func (c *flakyClient) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	reqs := in.RequestItems[c.table]
	if !c.flake(len(reqs)) {
		return c.Client.BatchWriteItem(ctx, in, optFns...)
	}
	done, left := reqs[:len(reqs)/2], reqs[len(reqs)/2:]
	if len(done) > 0 {
		if _, err := c.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{c.table: done}}, optFns...); err != nil {
			return nil, err
		}
	}
	return &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]types.WriteRequest{c.table: left}}, nil
}

func (c *flakyClient) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	req := in.RequestItems[c.table]
	if !aws.ToBool(req.ConsistentRead) {
		return nil, errors.New("BatchGetItem without ConsistentRead")
	}
	if !c.flake(len(req.Keys)) {
		return c.Client.BatchGetItem(ctx, in, optFns...)
	}
	done, left := req.Keys[:len(req.Keys)/2], req.Keys[len(req.Keys)/2:]
	out := &dynamodb.BatchGetItemOutput{
		Responses:       map[string][]map[string]types.AttributeValue{},
		UnprocessedKeys: map[string]types.KeysAndAttributes{c.table: {Keys: left, ConsistentRead: req.ConsistentRead}},
	}
	if len(done) > 0 {
		got, err := c.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{c.table: {Keys: done, ConsistentRead: req.ConsistentRead}}}, optFns...)
		if err != nil {
			return nil, err
		}
		out.Responses = got.Responses
	}
	return out, nil
}

func TestDynamo_BatchWrite(t *testing.T) {
	t.Parallel()
	client := testkit.MotoClient(t)
	puts := make([]table.Item, 60)
	for i := range puts {
		puts[i] = testkit.ItemOf("P", fmt.Sprintf("%02d", i))
	}
	t.Run("SplitsAndRetries", func(t *testing.T) {
		t.Parallel()
		fc := &flakyClient{MotoDynamo: client, table: testkit.NewTableName(t, client), flaky: func(call int) bool { return call <= 4 }}
		tbl := table.NewDynamo(fc, fc.table)
		if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
			t.Fatal(err)
		}
		if fc.largestReq > table.MaxBatchWrite {
			t.Errorf("a BatchWriteItem of %d requests; DynamoDB takes at most %d", fc.largestReq, table.MaxBatchWrite)
		}
		if got := testkit.QueryAll(t, tbl, table.Query{PK: "P"}); len(got) != len(puts) {
			t.Fatalf("%d items written, want %d", len(got), len(puts))
		}
	})
	t.Run("ErrUnprocessed", func(t *testing.T) {
		t.Parallel()
		fc := &flakyClient{MotoDynamo: client, table: testkit.NewTableName(t, client), flaky: func(int) bool { return true }}
		err := table.NewDynamo(fc, fc.table).BatchWrite(t.Context(), puts[:1], nil)
		if err == nil || !strings.Contains(err.Error(), "unprocessed") {
			t.Fatalf("err = %v, want unprocessed requests", err)
		}
		if fc.calls != 8 {
			t.Errorf("%d attempts, want 8", fc.calls)
		}
	})
}

func TestDynamo_BatchGet(t *testing.T) {
	t.Parallel()
	client := testkit.MotoClient(t)
	fc := &flakyClient{MotoDynamo: client, table: testkit.NewTableName(t, client), flaky: func(call int) bool { return call%2 == 1 }}
	tbl := table.NewDynamo(fc, fc.table)
	var puts []table.Item
	var keys []table.Key
	for i := range 250 {
		it := testkit.ItemOf("P", fmt.Sprintf("%03d", i))
		if i%2 == 0 {
			puts = append(puts, it)
		}
		keys = append(keys, table.KeyOf(it))
	}
	if err := tbl.BatchWrite(t.Context(), puts, nil); err != nil {
		t.Fatal(err)
	}
	fc.mu.Lock()
	fc.calls, fc.largestReq = 0, 0
	fc.mu.Unlock()

	got, err := tbl.BatchGet(t.Context(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(puts) {
		t.Fatalf("%d items, want %d", len(got), len(puts))
	}
	if fc.largestReq > table.MaxBatchGet {
		t.Errorf("a BatchGetItem of %d keys; DynamoDB takes at most %d", fc.largestReq, table.MaxBatchGet)
	}
}

// stubClient answers the write and query calls itself, to produce the
// errors moto cannot be made to return on demand.
type stubClient struct {
	table.DynamoAPI // nil: other calls panic
	err             error
	calls           []string
	query           *dynamodb.QueryInput
}

func (s *stubClient) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	s.calls = append(s.calls, "PutItem")
	return &dynamodb.PutItemOutput{}, s.err
}

func (s *stubClient) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	s.calls = append(s.calls, "DeleteItem")
	return &dynamodb.DeleteItemOutput{}, s.err
}

func (s *stubClient) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	s.calls = append(s.calls, "TransactWriteItems")
	return &dynamodb.TransactWriteItemsOutput{}, s.err
}

func (s *stubClient) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	s.query = in
	return &dynamodb.QueryOutput{}, s.err
}

func canceled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i].Code = aws.String(c)
	}
	return &types.TransactionCanceledException{Message: aws.String("canceled"), CancellationReasons: reasons}
}

func TestDynamo_Write(t *testing.T) {
	t.Parallel()
	a, b := testkit.ItemOf("A", "1"), testkit.ItemOf("B", "1")
	two := []table.Op{table.Put(a, table.Condition{}), table.Put(b, table.IfNotExists())}

	t.Run("OneCallPerWrite", func(t *testing.T) {
		for _, tc := range []struct {
			ops  []table.Op
			want string
		}{
			{[]table.Op{table.Put(a, table.IfNotExists())}, "PutItem"},
			{[]table.Op{table.Delete(table.KeyOf(a), table.IfExists())}, "DeleteItem"},
			{[]table.Op{table.Check(table.KeyOf(a), table.IfExists())}, "TransactWriteItems"},
			{two, "TransactWriteItems"},
		} {
			s := &stubClient{}
			if err := table.NewDynamo(s, "t").Write(t.Context(), tc.ops...); err != nil {
				t.Fatal(err)
			}
			if len(s.calls) != 1 || s.calls[0] != tc.want {
				t.Errorf("%d ops of kind %d: calls %v, want %s", len(tc.ops), tc.ops[0].Kind, s.calls, tc.want)
			}
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		for _, err := range []error{
			canceled("None", "TransactionConflict"),
			&types.TransactionConflictException{Message: aws.String("in a transaction")},
		} {
			ops := two
			if _, single := err.(*types.TransactionConflictException); single {
				ops = two[:1]
			}
			got := table.NewDynamo(&stubClient{err: err}, "t").Write(t.Context(), ops...)
			if !errors.Is(got, table.ErrConflict) || table.IsConditionFailed(got) {
				t.Errorf("%T: err = %v, want ErrConflict", err, got)
			}
		}
	})
	t.Run("ErrConditionFailedBeatsConflict", func(t *testing.T) {
		err := table.NewDynamo(&stubClient{err: canceled("TransactionConflict", "ConditionalCheckFailed")}, "t").Write(t.Context(), two...)
		wantConditionFailed(t, err, 1, table.KeyOf(b))
	})
	t.Run("ErrValidation", func(t *testing.T) {
		api := &smithy.GenericAPIError{Code: "ValidationException", Message: "One or more parameter values were invalid"}
		err := table.NewDynamo(&stubClient{err: api}, "t").Write(t.Context(), two[:1]...)
		var ve *table.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want *ValidationError", err)
		}
	})
}

func TestDynamo_Query(t *testing.T) {
	t.Parallel()
	s := &stubClient{}
	tbl := table.NewDynamo(s, "t")
	if _, err := tbl.Query(t.Context(), table.Query{PK: "P", Op: table.SKBetween, Value: "a", Value2: "b", Descending: true, Limit: 5}); err != nil {
		t.Fatal(err)
	}
	in := s.query
	if !aws.ToBool(in.ConsistentRead) || in.IndexName != nil || aws.ToBool(in.ScanIndexForward) || aws.ToInt32(in.Limit) != 5 {
		t.Errorf("base-table query input %+v", in)
	}
	want := "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"
	if got := aws.ToString(in.KeyConditionExpression); got != want || in.ExpressionAttributeNames["#n1"] != table.AttrSK {
		t.Errorf("key condition %q %v, want %q", got, in.ExpressionAttributeNames, want)
	}

	if _, err := tbl.Query(t.Context(), table.Query{Index: table.IndexGSI2, PK: "P"}); err != nil {
		t.Fatal(err)
	}
	in = s.query
	// DynamoDB refuses a consistent read on a GSI.
	if in.ConsistentRead != nil || aws.ToString(in.IndexName) != table.IndexGSI2 || aws.ToInt32(in.Limit) != table.DefaultPageSize {
		t.Errorf("GSI query input %+v", in)
	}
	if in.ExpressionAttributeNames["#n0"] != table.AttrGSI2PK {
		t.Errorf("GSI query names %v", in.ExpressionAttributeNames)
	}
}

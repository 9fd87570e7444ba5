package table

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// DynamoAPI is the part of *dynamodb.Client the adapter calls.
type DynamoAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

var _ DynamoAPI = (*dynamodb.Client)(nil)

// total asks every call for the capacity it consumed (the Meter's figures).
var total = types.ReturnConsumedCapacityTotal

// Dynamo is the Table on DynamoDB.
type Dynamo struct {
	client DynamoAPI
	table  string
	now    func() time.Time
}

var _ Table = (*Dynamo)(nil)

// DynamoOption configures a Dynamo.
type DynamoOption func(*Dynamo)

// WithDynamoNow sets the clock that decides which items have expired: AWS
// deletes them up to days late and moto never does, so reads and
// conditions compare ttl with now themselves.
func WithDynamoNow(now func() time.Time) DynamoOption {
	return func(d *Dynamo) { d.now = now }
}

// NewDynamo returns the adapter for table.
func NewDynamo(client DynamoAPI, table string, opts ...DynamoOption) *Dynamo {
	d := &Dynamo{client: client, table: table, now: time.Now}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Get implements Table.
func (d *Dynamo) Get(ctx context.Context, k Key) (Item, error) {
	if err := checkKey(k); err != nil {
		return nil, err
	}
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              &d.table,
		Key:                    KeyItem(k),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: total,
	})
	if out != nil {
		consumed(ctx, "GetItem", false, out.ConsumedCapacity)
	} else {
		consumed(ctx, "GetItem", false)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo get %s: %w", k, dynamoErr(err))
	}
	if out.Item == nil || Expired(out.Item, d.now()) {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// Query implements Table. Expired items are dropped from the page after
// DynamoDB has counted them against the Limit, so a page may be short.
func (d *Dynamo) Query(ctx context.Context, q Query) (Page, error) {
	p, err := planQuery(q)
	if err != nil {
		return Page{}, err
	}
	var e dynamoExpr
	cond := e.name(p.keys[0]) + " = " + e.value(S(q.PK))
	if q.Op != SKAny { // only then: DynamoDB refuses unused placeholders
		sk, v := e.name(p.keys[1]), e.value(S(q.Value))
		switch q.Op {
		case SKEqual:
			cond += " AND " + sk + " = " + v
		case SKBeginsWith:
			cond += " AND begins_with(" + sk + ", " + v + ")"
		case SKBetween:
			cond += " AND " + sk + " BETWEEN " + v + " AND " + e.value(S(q.Value2))
		case SKLess:
			cond += " AND " + sk + " < " + v
		case SKLessOrEqual:
			cond += " AND " + sk + " <= " + v
		case SKGreater:
			cond += " AND " + sk + " > " + v
		case SKGreaterOrEqual:
			cond += " AND " + sk + " >= " + v
		}
	}
	in := &dynamodb.QueryInput{
		TableName:                 &d.table,
		KeyConditionExpression:    &cond,
		ExpressionAttributeNames:  e.names,
		ExpressionAttributeValues: e.values,
		ScanIndexForward:          aws.Bool(!q.Descending),
		Limit:                     aws.Int32(int32(p.limit)),
		ReturnConsumedCapacity:    total,
	}
	if q.Index == "" {
		in.ConsistentRead = aws.Bool(true) // DynamoDB refuses it on a GSI
	} else {
		in.IndexName = &q.Index
	}
	if p.start != nil {
		in.ExclusiveStartKey = make(Item, len(p.start))
		for attr, v := range p.start {
			in.ExclusiveStartKey[attr] = S(v)
		}
	}
	out, err := d.client.Query(ctx, in)
	if out != nil {
		consumed(ctx, "Query", false, out.ConsumedCapacity)
	} else {
		consumed(ctx, "Query", false)
	}
	if err != nil {
		return Page{}, fmt.Errorf("dynamo query %s: %w", indexLabel(q.Index), dynamoErr(err))
	}
	var page Page
	now := d.now()
	for _, item := range out.Items {
		if !Expired(item, now) {
			page.Items = append(page.Items, item)
		}
	}
	if len(out.LastEvaluatedKey) > 0 {
		pos := make(map[string]string, len(out.LastEvaluatedKey))
		for attr, av := range out.LastEvaluatedKey {
			s, ok := av.(*types.AttributeValueMemberS)
			if !ok {
				return Page{}, fmt.Errorf("dynamo query %s: key attribute %s of type %T", indexLabel(q.Index), attr, av)
			}
			pos[attr] = s.Value
		}
		page.Cursor = encodeCursor(pos)
	}
	return page, nil
}

func indexLabel(index string) string {
	if index == "" {
		return "table"
	}
	return index
}

// Write implements Table. A lone Put or Delete goes as PutItem or
// DeleteItem, which cost half a transaction; anything else is one
// TransactWriteItems.
func (d *Dynamo) Write(ctx context.Context, ops ...Op) error {
	if err := checkWrite(ops); err != nil {
		return err
	}
	now := d.now()
	if len(ops) == 1 && ops[0].Kind != OpCheck && ops[0].Kind != OpAdd {
		return d.writeOne(ctx, ops[0], now)
	}
	items := make([]types.TransactWriteItem, len(ops))
	for i, op := range ops {
		var e dynamoExpr
		cond := optionalExpr(e.condition(op.Cond, now))
		switch op.Kind {
		case OpPut:
			items[i].Put = &types.Put{
				TableName: &d.table, Item: op.Item, ConditionExpression: cond,
				ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values,
			}
		case OpDelete:
			items[i].Delete = &types.Delete{
				TableName: &d.table, Key: KeyItem(op.Key), ConditionExpression: cond,
				ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values,
			}
		case OpCheck:
			items[i].ConditionCheck = &types.ConditionCheck{
				TableName: &d.table, Key: KeyItem(op.Key), ConditionExpression: cond,
				ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values,
			}
		case OpAdd:
			adds := make([]string, 0, len(op.Add))
			for _, name := range slices.Sorted(maps.Keys(op.Add)) {
				adds = append(adds, e.name(name)+" "+e.value(N(op.Add[name])))
			}
			expr := "ADD " + strings.Join(adds, ", ")
			items[i].Update = &types.Update{
				TableName: &d.table, Key: KeyItem(op.Key), UpdateExpression: &expr, ConditionExpression: cond,
				ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values,
			}
		}
	}
	out, err := d.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ReturnConsumedCapacity: total})
	if out != nil {
		consumed(ctx, "TransactWriteItems", true, ptrs(out.ConsumedCapacity)...)
	} else {
		consumed(ctx, "TransactWriteItems", true)
	}
	if err == nil {
		return nil
	}
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		// Reasons come one per operation, in order, "None" for those that
		// did not fail; a conflict may hide a condition that would have
		// failed, so the condition wins.
		reasons := canceled.CancellationReasons
		for i, r := range reasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" && i < len(ops) {
				return &ConditionFailedError{Index: i, Key: ops[i].key()}
			}
		}
		for _, r := range reasons {
			if aws.ToString(r.Code) == "TransactionConflict" {
				return fmt.Errorf("dynamo write of %d operations: %w: %w", len(ops), ErrConflict, err)
			}
		}
	}
	return fmt.Errorf("dynamo write of %d operations: %w", len(ops), dynamoErr(err))
}

func (d *Dynamo) writeOne(ctx context.Context, op Op, now time.Time) error {
	var e dynamoExpr
	cond := optionalExpr(e.condition(op.Cond, now))
	var err error
	verb := "put"
	var cc *types.ConsumedCapacity
	if op.Kind == OpPut {
		var out *dynamodb.PutItemOutput
		out, err = d.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &d.table, Item: op.Item, ConditionExpression: cond,
			ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values, ReturnConsumedCapacity: total,
		})
		if out != nil {
			cc = out.ConsumedCapacity
		}
		consumed(ctx, "PutItem", true, cc)
	} else {
		verb = "delete"
		var out *dynamodb.DeleteItemOutput
		out, err = d.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &d.table, Key: KeyItem(op.Key), ConditionExpression: cond,
			ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values, ReturnConsumedCapacity: total,
		})
		if out != nil {
			cc = out.ConsumedCapacity
		}
		consumed(ctx, "DeleteItem", true, cc)
	}
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return &ConditionFailedError{Index: 0, Key: op.key()}
	}
	if err != nil {
		return fmt.Errorf("dynamo %s %s: %w", verb, op.key(), dynamoErr(err))
	}
	return nil
}

// Retries of unprocessed batch requests: DynamoDB returns them when a
// partition is throttled, and asks for exponential backoff.
const (
	batchAttempts   = 8
	batchBackoff    = 20 * time.Millisecond
	batchMaxBackoff = time.Second
)

// BatchWrite implements Table.
func (d *Dynamo) BatchWrite(ctx context.Context, puts []Item, deletes []Key) error {
	if err := checkBatchWrite(puts, deletes); err != nil {
		return err
	}
	reqs := make([]types.WriteRequest, 0, len(puts)+len(deletes))
	for _, item := range puts {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for _, k := range deletes {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: KeyItem(k)}})
	}
	for chunk := range slices.Chunk(reqs, MaxBatchWrite) {
		if err := d.batchWrite(ctx, chunk); err != nil {
			return fmt.Errorf("dynamo batch write: %w", err)
		}
	}
	return nil
}

func (d *Dynamo) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	for attempt := 1; ; attempt++ {
		out, err := d.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems:           map[string][]types.WriteRequest{d.table: reqs},
			ReturnConsumedCapacity: total,
		})
		if out != nil {
			consumed(ctx, "BatchWriteItem", true, ptrs(out.ConsumedCapacity)...)
		} else {
			consumed(ctx, "BatchWriteItem", true)
		}
		if err != nil {
			return dynamoErr(err)
		}
		if reqs = out.UnprocessedItems[d.table]; len(reqs) == 0 {
			return nil
		}
		if attempt == batchAttempts {
			return fmt.Errorf("%d requests still unprocessed after %d attempts", len(reqs), attempt)
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// BatchGet implements Table.
func (d *Dynamo) BatchGet(ctx context.Context, keys []Key) ([]Item, error) {
	keys, err := uniqueKeys(keys)
	if err != nil {
		return nil, err
	}
	var items []Item
	now := d.now()
	for chunk := range slices.Chunk(keys, MaxBatchGet) {
		got, err := d.batchGet(ctx, chunk)
		if err != nil {
			return nil, fmt.Errorf("dynamo batch get: %w", err)
		}
		for _, item := range got {
			if !Expired(item, now) {
				items = append(items, item)
			}
		}
	}
	return items, nil
}

func (d *Dynamo) batchGet(ctx context.Context, keys []Key) ([]Item, error) {
	req := make([]Item, len(keys))
	for i, k := range keys {
		req[i] = KeyItem(k)
	}
	var items []Item
	for attempt := 1; ; attempt++ {
		out, err := d.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems:           map[string]types.KeysAndAttributes{d.table: {Keys: req, ConsistentRead: aws.Bool(true)}},
			ReturnConsumedCapacity: total,
		})
		if out != nil {
			consumed(ctx, "BatchGetItem", false, ptrs(out.ConsumedCapacity)...)
		} else {
			consumed(ctx, "BatchGetItem", false)
		}
		if err != nil {
			return nil, dynamoErr(err)
		}
		items = append(items, out.Responses[d.table]...)
		if req = out.UnprocessedKeys[d.table].Keys; len(req) == 0 {
			return items, nil
		}
		if attempt == batchAttempts {
			return nil, fmt.Errorf("%d keys still unprocessed after %d attempts", len(req), attempt)
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// backoff waits before retry number attempt (1-based) of a batch.
func backoff(ctx context.Context, attempt int) error {
	return jitteredWait(ctx, attempt, batchBackoff, batchMaxBackoff)
}

// jitteredWait waits before retry number attempt (1-based): exponential
// from base, capped at ceiling, with jitter so that writers who collided
// do not retry in step.
func jitteredWait(ctx context.Context, attempt int, base, ceiling time.Duration) error {
	d := min(base<<(attempt-1), ceiling)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// dynamoExpr collects the placeholders of one request's expressions. Every
// name goes through a placeholder, so no attribute can collide with one of
// DynamoDB's hundreds of reserved words (count, data and date among them).
type dynamoExpr struct {
	names  map[string]string
	values map[string]types.AttributeValue
}

func (e *dynamoExpr) name(attr string) string {
	for ph, a := range e.names {
		if a == attr {
			return ph
		}
	}
	if e.names == nil {
		e.names = make(map[string]string)
	}
	ph := fmt.Sprintf("#n%d", len(e.names))
	e.names[ph] = attr
	return ph
}

func (e *dynamoExpr) value(v types.AttributeValue) string {
	if e.values == nil {
		e.values = make(map[string]types.AttributeValue)
	}
	ph := fmt.Sprintf(":v%d", len(e.values))
	e.values[ph] = v
	return ph
}

// condition translates c to a ConditionExpression, "" for none. An item
// whose ttl has passed counts as absent, which is why existence tests
// compare ttl with now: "#ttl <= :now" is false when ttl is missing or not
// a number, exactly when Expired is false.
func (e *dynamoExpr) condition(c Condition, now time.Time) string {
	var parts []string
	switch c.existence() {
	case MustNotExist:
		return fmt.Sprintf("(attribute_not_exists(%s) OR %s <= %s)",
			e.name(AttrPK), e.name(AttrTTL), e.value(N(now.Unix())))
	case MustExist:
		parts = append(parts, fmt.Sprintf("attribute_exists(%s) AND NOT (%s <= %s)",
			e.name(AttrPK), e.name(AttrTTL), e.value(N(now.Unix()))))
	default:
		return ""
	}
	attrs := make([]string, 0, len(c.Equal))
	for attr := range c.Equal {
		attrs = append(attrs, attr)
	}
	slices.Sort(attrs) // deterministic expressions read better in logs
	for _, attr := range attrs {
		parts = append(parts, e.name(attr)+" = "+e.value(c.Equal[attr]))
	}
	return strings.Join(parts, " AND ")
}

func optionalExpr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// dynamoErr maps DynamoDB's error codes onto the contract: a refused
// request is a *ValidationError (if it passed our checks, they miss a rule),
// a collision with a transaction in flight is ErrConflict.
func dynamoErr(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ValidationException":
			return &ValidationError{Reason: "dynamodb: " + api.ErrorMessage()}
		case "TransactionConflictException":
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
	}
	return err
}

// DynamoAdminAPI is the part of *dynamodb.Client that CreateTable calls.
type DynamoAdminAPI interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	DescribeTimeToLive(ctx context.Context, in *dynamodb.DescribeTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTimeToLiveOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var _ DynamoAdminAPI = (*dynamodb.Client)(nil)

// CreateTable creates the table as template.yaml declares it (keys, both
// GSIs projecting everything, on-demand billing, TTL on ttl) and waits
// until it is ACTIVE. An existing table with the same keys and indexes is
// accepted, so the local stack can call it at every start.
func CreateTable(ctx context.Context, client DynamoAdminAPI, name string) error {
	keySchema := func(keys [2]string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(keys[0]), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(keys[1]), KeyType: types.KeyTypeRange},
		}
	}
	in := &dynamodb.CreateTableInput{
		TableName:   &name,
		KeySchema:   keySchema(IndexKeys[""]),
		BillingMode: types.BillingModePayPerRequest,
	}
	for _, index := range []string{"", IndexGSI1, IndexGSI2} {
		for _, attr := range IndexKeys[index] {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
				AttributeName: aws.String(attr), AttributeType: types.ScalarAttributeTypeS,
			})
		}
		if index != "" {
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
				IndexName:  aws.String(index),
				KeySchema:  keySchema(IndexKeys[index]),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			})
		}
	}
	_, err := client.CreateTable(ctx, in)
	var exists *types.ResourceInUseException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if err := waitActive(ctx, client, name); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &name})
	if err != nil {
		return fmt.Errorf("create table %s: describe ttl: %w", name, err)
	}
	if t := ttl.TimeToLiveDescription; t != nil && aws.ToString(t.AttributeName) == AttrTTL &&
		(t.TimeToLiveStatus == types.TimeToLiveStatusEnabled || t.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: &name,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("create table %s: enable ttl: %w", name, err)
	}
	return nil
}

// waitActive polls until the table and its indexes are ACTIVE, and checks
// that an existing table has the layout the adapter relies on.
func waitActive(ctx context.Context, client DynamoAdminAPI, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
		if err != nil {
			return fmt.Errorf("describe: %w", err)
		}
		t := out.Table
		if err := checkLayout(t); err != nil {
			return err
		}
		active := t.TableStatus == types.TableStatusActive
		for _, g := range t.GlobalSecondaryIndexes {
			active = active && g.IndexStatus == types.IndexStatusActive
		}
		if active {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait until active: %w", ctx.Err())
		case <-time.After(delay):
		}
	}
}

func checkLayout(t *types.TableDescription) error {
	schema := func(ks []types.KeySchemaElement) [2]string {
		var keys [2]string
		for _, k := range ks {
			if k.KeyType == types.KeyTypeHash {
				keys[0] = aws.ToString(k.AttributeName)
			} else {
				keys[1] = aws.ToString(k.AttributeName)
			}
		}
		return keys
	}
	got := map[string][2]string{"": schema(t.KeySchema)}
	for _, g := range t.GlobalSecondaryIndexes {
		got[aws.ToString(g.IndexName)] = schema(g.KeySchema)
	}
	for index, keys := range IndexKeys {
		if got[index] != keys {
			return fmt.Errorf("existing table: %s has keys %v, want %v", indexLabel(index), got[index], keys)
		}
	}
	return nil
}

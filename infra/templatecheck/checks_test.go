package templatecheck

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// A check looks at a parsed template and returns one line per problem.
type check func(t *template) []string

// templateChecks run on template.yaml; each must find nothing there, and
// each must find its problem in its broken example (TestChecks_FindProblems).
var templateChecks = []struct {
	name string
	run  check
}{
	{"FunctionsBuildWithMakefile", checkBuildMethod},
	{"SQSEventsReportBatchItemFailures", checkSQSEvents},
	{"EventSourceQueuesRedriveAndVisibility", checkEventSourceQueues},
	{"DeadLetterQueuesHaveAlarms", checkDeadLetterAlarms},
	{"QueuesAreConsumed", checkQueuesConsumed},
	{"QueuesHaveURLOutputs", checkQueueOutputs},
	{"QueueURLsMatchSendGrants", checkQueueURLs},
	{"QueueSendersMayForgetOutboxEntries", checkOutboxSenders},
	{"NoWildcardDynamoDBActions", checkNoWildcardActions},
	{"FunctionsLogWithRetention", checkLogGroups},
	{"NamesFitAnyStackName", checkNames},
	{"ScheduledJobsRetryAndRecordFailures", checkScheduledJobs},
	{"SQSConsumersReadOnlyTheirQueue", checkConsumerBoundaries},
	{"OperatorsSeeFailures", checkOperatorAlarms},
	{"HTTPRoutesUnique", checkRoutes},
	{"CORSFromConfiguration", checkCORS},
	{"BouncesAndComplaintsReachTheSystem", checkMailFeedback},
}

// minMaxReceiveCount is the least maxReceiveCount AWS advises for a queue
// that is a Lambda event source, so throttled batches are not dead-lettered.
const minMaxReceiveCount = 5

// visibilityFactor: AWS advises a queue visibility timeout of at least six
// times the consumer's timeout, plus its batching window.
const visibilityFactor = 6

// Defaults of AWS::SQS::Queue, in seconds.
const (
	defaultVisibilityTimeout = 30
	defaultMessageRetention  = 345600
)

// checkBuildMethod: every function is built by the Makefile at the
// repository root, for the architecture the Makefile builds (arm64).
func checkBuildMethod(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		if bm, _ := fn.Metadata["BuildMethod"].(string); bm != "makefile" {
			out = append(out, fmt.Sprintf("function %s: Metadata.BuildMethod is %q, want makefile", fn.ID, bm))
		}
		if uri, _ := t.functionProperty(fn, "CodeUri").(string); uri != "." && uri != "./" {
			out = append(out, fmt.Sprintf("function %s: CodeUri is %v, want . (the directory of the Makefile)", fn.ID, t.functionProperty(fn, "CodeUri")))
		}
		if rt, _ := t.functionProperty(fn, "Runtime").(string); !strings.HasPrefix(rt, "provided.") {
			out = append(out, fmt.Sprintf("function %s: Runtime is %q, want an OS-only runtime (provided.al2023)", fn.ID, rt))
		}
		if h, _ := t.functionProperty(fn, "Handler").(string); h != "bootstrap" {
			out = append(out, fmt.Sprintf("function %s: Handler is %q, want bootstrap", fn.ID, h))
		}
		if arch := toStrings(t.functionProperty(fn, "Architectures")); len(arch) != 1 || arch[0] != "arm64" {
			out = append(out, fmt.Sprintf("function %s: Architectures is %v, want [arm64] (the Makefile builds GOARCH=arm64)", fn.ID, arch))
		}
	}
	return out
}

// checkSQSEvents: every SQS consumer reports failures per message.
func checkSQSEvents(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		for _, ev := range fn.events() {
			if ev.Type != "SQS" {
				continue
			}
			if !slices.Contains(toStrings(ev.Properties["FunctionResponseTypes"]), "ReportBatchItemFailures") {
				out = append(out, fmt.Sprintf("function %s event %s: FunctionResponseTypes lacks ReportBatchItemFailures", fn.ID, ev.Name))
			}
		}
	}
	return out
}

// checkEventSourceQueues: every queue a function consumes dead-letters its
// poison messages, keeps them hidden long enough for the consumer to finish,
// and its dead-letter queue keeps them longer than it would.
func checkEventSourceQueues(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		for _, ev := range fn.events() {
			if ev.Type != "SQS" {
				continue
			}
			where := fmt.Sprintf("function %s event %s", fn.ID, ev.Name)
			qid, ok := t.target(ev.Properties["Queue"])
			if !ok || t.Resources[qid].Type != typeQueue {
				out = append(out, fmt.Sprintf("%s: Queue %v is not an %s of this template", where, ev.Properties["Queue"], typeQueue))
				continue
			}
			q := t.Resources[qid]

			timeout, err := t.functionTimeout(fn)
			if err != nil {
				out = append(out, fmt.Sprintf("%s: %v", where, err))
				continue
			}
			window := 0
			if v, ok := ev.Properties["MaximumBatchingWindowInSeconds"]; ok {
				if window, ok = toInt(v); !ok {
					out = append(out, fmt.Sprintf("%s: MaximumBatchingWindowInSeconds %v is not a literal number", where, v))
				}
			}
			vis, ok := intOr(q.Properties["VisibilityTimeout"], defaultVisibilityTimeout)
			if want := visibilityFactor*timeout + window; !ok || vis < want {
				out = append(out, fmt.Sprintf("queue %s: VisibilityTimeout %v, want >= %d (%d x %s's Timeout %d + batching window %d)",
					qid, q.Properties["VisibilityTimeout"], want, visibilityFactor, fn.ID, timeout, window))
			}

			rp, err := redrivePolicy(q)
			if err != nil {
				out = append(out, fmt.Sprintf("queue %s: %v", qid, err))
				continue
			}
			if rp == nil {
				out = append(out, fmt.Sprintf("queue %s: consumed by %s but has no RedrivePolicy", qid, fn.ID))
				continue
			}
			if n, ok := toInt(rp["maxReceiveCount"]); !ok || n < minMaxReceiveCount {
				out = append(out, fmt.Sprintf("queue %s: RedrivePolicy.maxReceiveCount %v, want >= %d", qid, rp["maxReceiveCount"], minMaxReceiveCount))
			}
			dlq, ok := t.target(rp["deadLetterTargetArn"])
			if !ok || t.Resources[dlq].Type != typeQueue {
				out = append(out, fmt.Sprintf("queue %s: deadLetterTargetArn %v is not an %s of this template", qid, rp["deadLetterTargetArn"], typeQueue))
				continue
			}
			src, ok1 := intOr(q.Properties["MessageRetentionPeriod"], defaultMessageRetention)
			dst, ok2 := intOr(t.Resources[dlq].Properties["MessageRetentionPeriod"], defaultMessageRetention)
			if !ok1 || !ok2 || dst <= src {
				out = append(out, fmt.Sprintf("queue %s: MessageRetentionPeriod %v, want more than its source %s's %v (a message keeps its first enqueue time)",
					dlq, t.Resources[dlq].Properties["MessageRetentionPeriod"], qid, q.Properties["MessageRetentionPeriod"]))
			}
		}
	}
	return out
}

// checkDeadLetterAlarms: every dead-letter queue of the template has an
// alarm that fires on its first visible message and notifies someone.
func checkDeadLetterAlarms(t *template) []string {
	var out []string
	for _, dlq := range deadLetterQueues(t) {
		if !hasDLQAlarm(t, dlq) {
			out = append(out, fmt.Sprintf("dead-letter queue %s: no %s on AWS/SQS ApproximateNumberOfMessagesVisible > 0 with AlarmActions", dlq, typeAlarm))
		}
	}
	return out
}

// deadLetterQueues returns the logical IDs of the queues the template uses
// as dead-letter queues: redrive targets of queues, functions' DLQs, and
// the queues failed asynchronous invocations go to (scheduled jobs).
func deadLetterQueues(t *template) []string {
	set := map[string]bool{}
	for _, q := range t.ofType(typeQueue) {
		if rp, err := redrivePolicy(q); err == nil && rp != nil {
			if id, ok := t.target(rp["deadLetterTargetArn"]); ok {
				set[id] = true
			}
		}
	}
	for _, fn := range t.ofType(typeFunction) {
		dl := mapping(fn.Properties["DeadLetterQueue"])
		if dl["Type"] == "SQS" {
			if id, ok := t.target(dl["TargetArn"]); ok {
				set[id] = true
			}
		}
		if id, ok := onFailureQueue(t, fn); ok {
			set[id] = true
		}
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func hasDLQAlarm(t *template, dlq string) bool {
	return slices.ContainsFunc(alarmsOn(t, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq), func(a resource) bool {
		p := a.Properties
		threshold, ok := toInt(p["Threshold"])
		return ok && ((p["ComparisonOperator"] == "GreaterThanThreshold" && threshold == 0) ||
			(p["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" && threshold == 1))
	})
}

// alarmsOn are the template's alarms on metric of namespace ns whose
// dimension dim is the resource target, that notify someone (AlarmActions).
func alarmsOn(t *template, ns, metric, dim, target string) []resource {
	var out []resource
	for _, a := range t.ofType(typeAlarm) {
		p := a.Properties
		if p["Namespace"] != ns || p["MetricName"] != metric || len(asList(p["AlarmActions"])) == 0 {
			continue
		}
		if slices.ContainsFunc(asList(p["Dimensions"]), func(d any) bool {
			id, ok := t.target(mapping(d)["Value"])
			return ok && mapping(d)["Name"] == dim && id == target
		}) {
			out = append(out, a)
		}
	}
	return out
}

// checkNoWildcardActions: no function, role or policy allows DynamoDB
// actions by wildcard, nor the AWS managed full-access policy.
func checkNoWildcardActions(t *template) []string {
	var out []string
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := t.Resources[id]
		var docs []any
		switch r.Type {
		case typeFunction:
			for _, p := range asList(r.Properties["Policies"]) {
				if s, ok := p.(string); ok && strings.Contains(s, "DynamoDBFullAccess") {
					out = append(out, fmt.Sprintf("function %s: managed policy %s grants every DynamoDB action", id, s))
				}
				docs = append(docs, p) // inline documents; SAM policy templates have no Statement
			}
		case "AWS::IAM::Role":
			for _, p := range asList(r.Properties["Policies"]) {
				docs = append(docs, mapping(p)["PolicyDocument"])
			}
			for _, arn := range toStrings(r.Properties["ManagedPolicyArns"]) {
				if strings.Contains(arn, "DynamoDBFullAccess") {
					out = append(out, fmt.Sprintf("role %s: managed policy %s grants every DynamoDB action", id, arn))
				}
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy":
			docs = append(docs, r.Properties["PolicyDocument"])
		}
		for _, doc := range docs {
			for _, st := range asList(mapping(doc)["Statement"]) {
				stm := mapping(st)
				if stm["Effect"] != "Allow" {
					continue
				}
				for _, a := range toStrings(stm["Action"]) {
					if wildcardDynamoDB(a) {
						out = append(out, fmt.Sprintf("%s %s: action %q is a wildcard; list the DynamoDB actions it needs", r.Type, id, a))
					}
				}
			}
		}
	}
	return out
}

// wildcardDynamoDB reports whether an IAM action pattern grants DynamoDB
// actions by wildcard ("*", "dynamodb:*", "dynamodb:Get*", ...).
func wildcardDynamoDB(action string) bool {
	a := strings.ToLower(strings.TrimSpace(action))
	if a == "*" {
		return true
	}
	return strings.HasPrefix(a, "dynamodb:") && strings.ContainsAny(a, "*?")
}

// checkLogGroups: every function logs to a log group of this template, with
// a retention, named /aws/lambda/<function name>.
func checkLogGroups(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		lg, ok := logGroupOf(t, fn)
		if !ok {
			out = append(out, fmt.Sprintf("function %s: no %s of this template (set LoggingConfig.LogGroup, or name one /aws/lambda/${%s})", fn.ID, typeLogGroup, fn.ID))
			continue
		}
		if _, ok := toInt(lg.Properties["RetentionInDays"]); !ok {
			out = append(out, fmt.Sprintf("log group %s: no literal RetentionInDays", lg.ID))
		}
		name, _ := lg.Properties["LogGroupName"].(string)
		if fname, ok := fn.Properties["FunctionName"].(string); ok && name != "/aws/lambda/"+fname {
			out = append(out, fmt.Sprintf("log group %s: LogGroupName %q, want %q", lg.ID, name, "/aws/lambda/"+fname))
		}
	}
	return out
}

// onFailureQueue is the queue a function's failed asynchronous runs go to
// (EventInvokeConfig.DestinationConfig.OnFailure of type SQS).
func onFailureQueue(t *template, fn resource) (string, bool) {
	of := mapping(mapping(mapping(fn.Properties["EventInvokeConfig"])["DestinationConfig"])["OnFailure"])
	if of["Type"] != "SQS" {
		return "", false
	}
	id, ok := t.target(of["Destination"])
	return id, ok && t.Resources[id].Type == typeQueue
}

// checkScheduledJobs: a scheduled function's failed run is retried a set
// number of times and then recorded on a queue with an alarm: EventBridge
// Scheduler invokes asynchronously, and its RetryPolicy covers failures to
// invoke, not the function's errors, which Lambda would otherwise drop.
func checkScheduledJobs(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		if !slices.ContainsFunc(fn.events(), func(ev event) bool { return ev.Type == "ScheduleV2" || ev.Type == "Schedule" }) {
			continue
		}
		cfg := mapping(fn.Properties["EventInvokeConfig"])
		if _, ok := toInt(cfg["MaximumRetryAttempts"]); !ok {
			out = append(out, fmt.Sprintf("function %s: scheduled, but no literal EventInvokeConfig.MaximumRetryAttempts", fn.ID))
		}
		if _, ok := onFailureQueue(t, fn); !ok {
			out = append(out, fmt.Sprintf("function %s: scheduled, but a failed run goes nowhere (EventInvokeConfig.DestinationConfig.OnFailure: an SQS queue of this template)", fn.ID))
		}
	}
	return out
}

// checkOperatorAlarms: every function has an alarm on its Errors and one
// on its Throttles, and every queue a function consumes one on the age of
// its oldest message, each notifying someone (docs/operations.md).
func checkOperatorAlarms(t *template) []string {
	var out []string
	alarmed := func(ns, metric, dim, target string) bool { return len(alarmsOn(t, ns, metric, dim, target)) > 0 }
	for _, fn := range t.ofType(typeFunction) {
		for _, m := range []string{"Errors", "Throttles"} {
			if !alarmed("AWS/Lambda", m, "FunctionName", fn.ID) {
				out = append(out, fmt.Sprintf("function %s: no alarm on its %s", fn.ID, m))
			}
		}
		for _, q := range consumedQueues(t, fn) {
			if !alarmed("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q) {
				out = append(out, fmt.Sprintf("queue %s: no alarm on the age of its oldest message", q))
			}
		}
	}
	return out
}

// consumedQueues are the template's queues fn has an SQS event on.
func consumedQueues(t *template, fn resource) []string {
	var out []string
	for _, ev := range fn.events() {
		if id, ok := t.target(ev.Properties["Queue"]); ok && ev.Type == "SQS" {
			out = append(out, id)
		}
	}
	return out
}

// consumeActions are what an SQS event source needs on its queue, and what
// SAM's AWSLambdaSQSQueueExecutionRole grants on every queue.
var consumeActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}

// checkConsumerBoundaries: every function with an SQS event has a
// permissions boundary of this template that allows consuming its own
// queue only: SAM attaches AWSLambdaSQSQueueExecutionRole (those actions on
// every queue) to the role it makes for an SQS event source.
func checkConsumerBoundaries(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		queues := consumedQueues(t, fn)
		if len(queues) == 0 {
			continue
		}
		id, ok := t.target(fn.Properties["PermissionsBoundary"])
		if !ok || t.Resources[id].Type != "AWS::IAM::ManagedPolicy" {
			out = append(out, fmt.Sprintf("function %s: consumes %v but has no PermissionsBoundary of this template limiting it to that queue", fn.ID, queues))
			continue
		}
		excluded := false
		for _, st := range asList(mapping(t.Resources[id].Properties["PolicyDocument"])["Statement"]) {
			s := mapping(st)
			if s["Effect"] != "Allow" {
				continue
			}
			if not := toStrings(s["NotAction"]); len(not) > 0 {
				if !containsAll(not, consumeActions) {
					out = append(out, fmt.Sprintf("boundary %s: a NotAction statement lets %v through, on any queue", id, consumeActions))
				}
				excluded = true
				continue
			}
			for _, a := range toStrings(s["Action"]) {
				grants := a == "*" || a == "sqs:*" || slices.Contains(consumeActions, a)
				if !grants {
					continue
				}
				res, _, _ := t.reference(s["Resource"])
				if res == "" || !slices.Contains(queues, res) {
					out = append(out, fmt.Sprintf("boundary %s: %s on %v, not only on %v", id, a, s["Resource"], queues))
				}
			}
		}
		if !excluded {
			out = append(out, fmt.Sprintf("boundary %s: no statement allows the function's other actions (NotAction %v)", id, consumeActions))
		}
	}
	return out
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// checkNames: no name with a short limit is built from the stack's name,
// which may have up to 128 characters: functions (64) get the names
// CloudFormation makes (it shortens the stack's part), schedules (64) are
// named after the stage (at most 16 characters, its AllowedPattern).
func checkNames(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		if _, ok := fn.Properties["FunctionName"]; ok {
			out = append(out, fmt.Sprintf("function %s: FunctionName is set; leave it to CloudFormation, whose names fit 64 characters for any stack name", fn.ID))
		}
		for _, ev := range fn.events() {
			name, _ := ev.Properties["Name"].(string)
			if ev.Type == "ScheduleV2" && (strings.Contains(name, "AWS::StackName") || len(strings.ReplaceAll(name, "${Stage}", strings.Repeat("s", 16))) > 64) {
				out = append(out, fmt.Sprintf("function %s event %s: schedule Name %q may exceed 64 characters; name it after ${Stage}", fn.ID, ev.Name, name))
			}
		}
	}
	return out
}

// logGroupOf finds a function's log group: the one LoggingConfig.LogGroup
// refers to, else the one named /aws/lambda/${<function ID>}.
func logGroupOf(t *template, fn resource) (resource, bool) {
	if v, ok := mapping(t.functionProperty(fn, "LoggingConfig"))["LogGroup"]; ok {
		id, ok := t.target(v)
		if !ok || t.Resources[id].Type != typeLogGroup {
			return resource{}, false
		}
		return t.Resources[id], true
	}
	for _, lg := range t.ofType(typeLogGroup) {
		if lg.Properties["LogGroupName"] == "/aws/lambda/${"+fn.ID+"}" {
			return lg, true
		}
	}
	return resource{}, false
}

// checkRoutes: HTTPRoutes can read the routes, and no method and path is
// declared twice.
func checkRoutes(t *template) []string {
	routes, err := t.routes()
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	seen := map[string]string{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if fn, dup := seen[key]; dup {
			out = append(out, fmt.Sprintf("route %s: declared by %s and %s", key, fn, r.Function))
		}
		seen[key] = r.Function
	}
	return out
}

// redrivePolicy returns a queue's RedrivePolicy (an object, or the JSON
// string CloudFormation also accepts); nil when the queue has none.
func redrivePolicy(q resource) (map[string]any, error) {
	switch rp := q.Properties["RedrivePolicy"].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return rp, nil
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(rp), &m); err != nil {
			return nil, fmt.Errorf("RedrivePolicy is not JSON: %w", err)
		}
		return m, nil
	default:
		return nil, fmt.Errorf("RedrivePolicy %v is neither an object nor JSON", rp)
	}
}

// intOr reads a literal integer, or def when v is absent.
func intOr(v any, def int) (int, bool) {
	if v == nil {
		return def, true
	}
	return toInt(v)
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

// checkQueuesConsumed: every queue is drained, by a function's SQS event or
// as some queue's dead-letter queue (whose alarm calls a person). A queue
// nobody consumes loses its messages silently when their retention ends.
func checkQueuesConsumed(t *template) []string {
	drained := map[string]bool{}
	for _, id := range deadLetterQueues(t) {
		drained[id] = true
	}
	for _, fn := range t.ofType(typeFunction) {
		for _, id := range consumedQueues(t, fn) {
			drained[id] = true
		}
	}
	var out []string
	for _, q := range t.ofType(typeQueue) {
		if !drained[q.ID] {
			out = append(out, fmt.Sprintf("queue %s: no function has an SQS event on it and it is no queue's dead-letter queue", q.ID))
		}
	}
	return out
}

// checkQueueOutputs: the stack outputs every queue's URL, so that an
// operator can inspect and redrive it.
func checkQueueOutputs(t *template) []string {
	output := map[string]bool{}
	for _, o := range t.Outputs {
		if id, ok := t.queueURL(mapping(o)["Value"]); ok {
			output[id] = true
		}
	}
	var out []string
	for _, q := range t.ofType(typeQueue) {
		if !output[q.ID] {
			out = append(out, fmt.Sprintf("queue %s: no Output has its URL (Value: !Ref %s)", q.ID, q.ID))
		}
	}
	return out
}

// checkQueueURLs: a function's queue URL variables and its sqs:SendMessage
// grants name the same queues. A variable is a queue URL when its name is or
// ends in QUEUE_URL, or its value is a queue's URL; it must hold the URL (!Ref)
// of a queue of this template, be named after that queue (ProgramFeeQueue:
// PROGRAM_FEE_QUEUE_URL, so that two variables cannot be swapped unseen),
// and the function must be allowed to send to that queue. Conversely, a
// function may send only to the queues it has the URL of.
func checkQueueURLs(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		vars := mapping(mapping(t.functionProperty(fn, "Environment"))["Variables"])
		granted := sendGrants(t, fn)
		hasURL := map[string]bool{}
		names := make([]string, 0, len(vars))
		for name := range vars {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			qid, isURL := t.queueURL(vars[name])
			if !isURL {
				if name == "QUEUE_URL" || strings.HasSuffix(name, "_QUEUE_URL") {
					out = append(out, fmt.Sprintf("function %s: %s is %v, want the URL (!Ref) of an %s of this template", fn.ID, name, vars[name], typeQueue))
				}
				continue
			}
			hasURL[qid] = true
			if want := envName(qid) + "_URL"; name != want {
				out = append(out, fmt.Sprintf("function %s: %s holds the URL of %s; name it %s", fn.ID, name, qid, want))
			}
			if !granted[qid] {
				out = append(out, fmt.Sprintf("function %s: %s names queue %s, but the function may not sqs:SendMessage to it (add SQSSendMessagePolicy QueueName: !GetAtt %s.QueueName)",
					fn.ID, name, qid, qid))
			}
		}
		ids := make([]string, 0, len(granted))
		for id := range granted {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, qid := range ids {
			if !hasURL[qid] {
				out = append(out, fmt.Sprintf("function %s: may sqs:SendMessage to queue %s but has no %s_URL variable (drop the grant, or add the variable)",
					fn.ID, qid, envName(qid)))
			}
		}
	}
	return out
}

// queueURL resolves a value that yields a queue's URL: a Ref of a queue of
// this template, or its QueueUrl attribute.
func (t *template) queueURL(v any) (string, bool) {
	id, attr, ok := t.reference(v)
	if !ok || t.Resources[id].Type != typeQueue || (attr != "" && attr != "QueueUrl") {
		return "", false
	}
	return id, true
}

// sendGrants returns the queues of this template a function may
// sqs:SendMessage to: through SAM's SQSSendMessagePolicy, or an inline
// statement that allows the action on the queue's ARN.
func sendGrants(t *template, fn resource) map[string]bool {
	granted := map[string]bool{}
	for _, p := range asList(fn.Properties["Policies"]) {
		pm := mapping(p)
		if sp, ok := pm["SQSSendMessagePolicy"]; ok {
			id, attr, ok := t.reference(mapping(sp)["QueueName"])
			if ok && t.Resources[id].Type == typeQueue && attr == "QueueName" {
				granted[id] = true
			}
		}
		for _, st := range asList(pm["Statement"]) {
			stm := mapping(st)
			if stm["Effect"] != "Allow" || !slices.ContainsFunc(toStrings(stm["Action"]), allowsSendMessage) {
				continue
			}
			for _, r := range asList(stm["Resource"]) {
				if id, ok := t.queueARN(r); ok {
					granted[id] = true
				}
			}
		}
	}
	return granted
}

// queueARN resolves an IAM Resource that is exactly a queue's ARN: its Arn
// attribute, or the string !Sub '${Queue.Arn}' becomes.
func (t *template) queueARN(v any) (string, bool) {
	if s, ok := v.(string); ok && strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") {
		v = s[2 : len(s)-1]
	}
	id, attr, ok := t.reference(v)
	if !ok || t.Resources[id].Type != typeQueue || attr != "Arn" {
		return "", false
	}
	return id, true
}

// allowsSendMessage reports whether an IAM action pattern matches
// sqs:SendMessage (IAM matches actions without regard to case).
func allowsSendMessage(action string) bool {
	ok, err := path.Match(strings.ToLower(strings.TrimSpace(action)), "sqs:sendmessage")
	return err == nil && ok
}

// envName turns a logical ID into an environment variable name:
// ProgramFeeQueue -> PROGRAM_FEE_QUEUE, SESQueue -> SES_QUEUE.
func envName(id string) string {
	r := []rune(id)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

// checkOutboxSenders: a function that sends to a queue does so through the
// transactional outbox, whose relay deletes a sent entry with
// BatchWriteItem; without that grant every message would also be sent
// again by the OutboxRelay sweep. (moto checks no IAM, so only this can.)
func checkOutboxSenders(t *template) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		vars := mapping(mapping(t.functionProperty(fn, "Environment"))["Variables"])
		sends := false
		for name, v := range vars {
			if _, isURL := t.queueURL(v); isURL || strings.HasSuffix(name, "_QUEUE_URL") {
				sends = true
			}
		}
		if !sends || allowsAction(t, fn, "dynamodb:BatchWriteItem") {
			continue
		}
		out = append(out, fmt.Sprintf("function %s: sends to a queue through the outbox but may not dynamodb:BatchWriteItem, which forgets sent entries", fn.ID))
	}
	return out
}

// allowsAction reports whether an inline policy statement of fn allows action.
func allowsAction(t *template, fn resource, action string) bool {
	for _, p := range asList(t.functionProperty(fn, "Policies")) {
		for _, st := range asList(mapping(p)["Statement"]) {
			stm := mapping(st)
			if stm["Effect"] == "Allow" && slices.ContainsFunc(toStrings(stm["Action"]), func(a string) bool { return strings.EqualFold(a, action) }) {
				return true
			}
		}
	}
	return false
}

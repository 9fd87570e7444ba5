package templatecheck

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The repository root, seen from this package's directory.
const repoRoot = "../.."

var templatePath = filepath.Join(repoRoot, "template.yaml")

func loadTemplate(t *testing.T) *template {
	t.Helper()
	tpl, err := load(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestTemplate runs every check on template.yaml.
func TestTemplate(t *testing.T) {
	tpl := loadTemplate(t)
	if len(tpl.ofType(typeFunction)) == 0 {
		t.Fatal("template.yaml has no " + typeFunction)
	}
	for _, c := range templateChecks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.run(tpl) {
				t.Error(p)
			}
		})
	}
}

// validExample passes every check; each case of TestChecks_FindProblems
// breaks one thing in it.
const validExample = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Origin:
    Type: String
Globals:
  Function:
    Runtime: provided.al2023
    Architectures: [arm64]
    Handler: bootstrap
    CodeUri: .
    Timeout: 10
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt: {IdentitySource: $request.header.Authorization}
      CorsConfiguration:
        AllowOrigins: [!Ref Origin]
        AllowMethods: [GET, POST]
        AllowHeaders: [authorization, Content-Type]
        MaxAge: 600
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt DLQ.Arn
        maxReceiveCount: 5
  DLQ:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
  DLQAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      Dimensions:
        - Name: QueueName
          Value: !GetAtt DLQ.QueueName
      ComparisonOperator: GreaterThanThreshold
      Threshold: 0
      AlarmActions: [!Ref Topic]
  Topic:
    Type: AWS::SNS::Topic
  WorkerLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Worker}
      RetentionInDays: 30
  WorkerErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: !Ref Worker}]
      AlarmActions:
        - !Ref Topic
  WorkerThrottles:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Throttles
      Dimensions: [{Name: FunctionName, Value: !Ref Worker}]
      AlarmActions:
        - !Ref Topic
  QueueAge:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: ApproximateAgeOfOldestMessage
      Dimensions: [{Name: QueueName, Value: !GetAtt Queue.QueueName}]
      AlarmActions:
        - !Ref Topic
  WorkerBoundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            NotAction: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueAttributes]
            Resource: "*"
          - Effect: Allow
            Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueAttributes]
            Resource: !GetAtt Queue.Arn
  Worker:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:BatchWriteItem]
              Resource: !GetAtt Table.Arn
        - SQSSendMessagePolicy:
            QueueName: !GetAtt Queue.QueueName
      Environment:
        Variables:
          QUEUE_URL: !Ref Queue
          MAIL_FROM: cec@example.org
          MAIL_CONFIGURATION_SET: !Ref MailSet
      PermissionsBoundary: !Ref WorkerBoundary
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            FunctionResponseTypes: [ReportBatchItemFailures]
        Ping:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: get, Path: /ping, Auth: {Authorizer: NONE}}
        Things:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: post, Path: /things}
  MailSet:
    Type: AWS::SES::ConfigurationSet
  MailDestination:
    Type: AWS::SES::ConfigurationSetEventDestination
    Properties:
      ConfigurationSetName: !Ref MailSet
      EventDestination:
        Enabled: true
        MatchingEventTypes: [bounce, complaint]
        SnsDestination: {TopicARN: !Ref MailTopic}
  MailTopic:
    Type: AWS::SNS::Topic
  MailTopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref MailTopic]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: ses.amazonaws.com}, Action: sns:Publish, Resource: !Ref MailTopic}
  MailSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref MailTopic
      Protocol: sqs
      Endpoint: !GetAtt Queue.Arn
      RawMessageDelivery: true
  MailQueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: sqs:SendMessage, Resource: !GetAtt Queue.Arn}
  Table:
    Type: AWS::DynamoDB::Table
Outputs:
  QueueUrl:
    Value: !Ref Queue
  DLQUrl:
    Value: !Ref DLQ
`

func parseExample(t *testing.T, src string) *template {
	t.Helper()
	tpl, err := parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestChecks_FindProblems(t *testing.T) {
	t.Run("ValidExample", func(t *testing.T) {
		tpl := parseExample(t, validExample)
		for _, c := range templateChecks {
			for _, p := range c.run(tpl) {
				t.Errorf("%s: %s", c.name, p)
			}
		}
	})

	tests := []struct {
		name     string
		check    check
		old, new string // replaced once in validExample
		want     string // in one of the problems
	}{
		{"BuildMethodGo", checkBuildMethod, "BuildMethod: makefile", "BuildMethod: go1.x", "BuildMethod"},
		{"CodeUriNotRoot", checkBuildMethod, "CodeUri: .", "CodeUri: functions/worker", "CodeUri"},
		{"Architecture", checkBuildMethod, "Architectures: [arm64]", "Architectures: [x86_64]", "Architectures"},
		{"Runtime", checkBuildMethod, "Runtime: provided.al2023", "Runtime: go1.x", "Runtime"},
		{"NoBatchItemFailures", checkSQSEvents, "FunctionResponseTypes: [ReportBatchItemFailures]", "BatchSize: 10", "ReportBatchItemFailures"},
		{"VisibilityTooShort", checkEventSourceQueues, "VisibilityTimeout: 60", "VisibilityTimeout: 59", "VisibilityTimeout"},
		{"VisibilityDefault", checkEventSourceQueues, "      VisibilityTimeout: 60\n", "", "VisibilityTimeout"},
		{"VisibilityBatchingWindow", checkEventSourceQueues, "FunctionResponseTypes: [ReportBatchItemFailures]",
			"FunctionResponseTypes: [ReportBatchItemFailures]\n            MaximumBatchingWindowInSeconds: 5", "VisibilityTimeout"},
		{"VisibilityFunctionTimeout", checkEventSourceQueues, "    Properties:\n      Policies:", "    Properties:\n      Timeout: 11\n      Policies:", "VisibilityTimeout"},
		{"NoRedrive", checkEventSourceQueues, "      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt DLQ.Arn\n        maxReceiveCount: 5\n", "", "no RedrivePolicy"},
		{"RedriveAsJSONString", checkEventSourceQueues, "      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt DLQ.Arn\n        maxReceiveCount: 5\n",
			"      RedrivePolicy: '{\"deadLetterTargetArn\": \"DLQ.Arn\", \"maxReceiveCount\": 1}'\n", "maxReceiveCount"},
		{"FewReceives", checkEventSourceQueues, "maxReceiveCount: 5", "maxReceiveCount: 1", "maxReceiveCount"},
		{"SenderCannotForgetOutbox", checkOutboxSenders, "Action: [dynamodb:GetItem, dynamodb:BatchWriteItem]", "Action: [dynamodb:GetItem]", "BatchWriteItem"},
		{"DLQRetentionShort", checkEventSourceQueues, "MessageRetentionPeriod: 1209600", "MessageRetentionPeriod: 345600", "MessageRetentionPeriod"},
		{"QueueElsewhere", checkEventSourceQueues, "Queue: !GetAtt Queue.Arn", "Queue: arn:aws:sqs:eu-west-1:123456789012:elsewhere", "not an AWS::SQS::Queue"},
		{"AlarmOnOtherQueue", checkDeadLetterAlarms, "Value: !GetAtt DLQ.QueueName", "Value: !GetAtt Queue.QueueName", "dead-letter queue DLQ"},
		{"AlarmThreshold", checkDeadLetterAlarms, "Threshold: 0", "Threshold: 5", "dead-letter queue DLQ"},
		{"AlarmNotifiesNobody", checkDeadLetterAlarms, "AlarmActions: [!Ref Topic]", "OKActions: [!Ref Topic]", "dead-letter queue DLQ"},
		{"FunctionDLQWithoutAlarm", checkDeadLetterAlarms, "    Properties:\n      Policies:",
			"    Properties:\n      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Queue.Arn}\n      Policies:", "dead-letter queue Queue"},
		{"DynamoDBStar", checkNoWildcardActions, "Action: [dynamodb:GetItem, dynamodb:BatchWriteItem]", "Action: [dynamodb:*]", "wildcard"},
		{"DynamoDBPrefix", checkNoWildcardActions, "Action: [dynamodb:GetItem, dynamodb:BatchWriteItem]", "Action: dynamodb:Get*", "wildcard"},
		{"Star", checkNoWildcardActions, "Action: [dynamodb:GetItem, dynamodb:BatchWriteItem]", `Action: "*"`, "wildcard"},
		{"FullAccessPolicy", checkNoWildcardActions, "      Policies:\n", "      Policies:\n        - AmazonDynamoDBFullAccess\n", "DynamoDBFullAccess"},
		{"IAMRoleStar", checkNoWildcardActions, "  Table:\n",
			"  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - {Effect: Allow, Action: 'DynamoDB:*', Resource: '*'}\n  Table:\n", "wildcard"},
		{"NoLogGroup", checkLogGroups, "LogGroupName: !Sub /aws/lambda/${Worker}", "LogGroupName: /aws/lambda/other", "no AWS::Logs::LogGroup"},
		{"NoRetention", checkLogGroups, "      RetentionInDays: 30\n", "", "RetentionInDays"},
		{"ScheduledWithoutRetries", checkScheduledJobs, "        Ping:\n",
			"        Daily:\n          Type: ScheduleV2\n          Properties: {ScheduleExpression: rate(1 day)}\n        Ping:\n", "MaximumRetryAttempts"},
		{"ScheduledFailuresNowhere", checkScheduledJobs, "        Ping:\n",
			"        Daily:\n          Type: ScheduleV2\n          Properties: {ScheduleExpression: rate(1 day)}\n        Ping:\n", "goes nowhere"},
		{"ScheduleNamedAfterStack", checkNames, "        Ping:\n",
			"        Daily:\n          Type: ScheduleV2\n          Properties: {ScheduleExpression: rate(1 day), Name: !Sub '${AWS::StackName}-Daily'}\n        Ping:\n", "schedule Name"},
		{"NoErrorsAlarm", checkOperatorAlarms, "      MetricName: Errors\n", "      MetricName: Invocations\n", "no alarm on its Errors"},
		{"ThrottlesAlarmNotifiesNobody", checkOperatorAlarms, "      Dimensions: [{Name: FunctionName, Value: !Ref Worker}]\n      AlarmActions:\n        - !Ref Topic\n  QueueAge:",
			"      Dimensions: [{Name: FunctionName, Value: !Ref Worker}]\n  QueueAge:", "no alarm on its Throttles"},
		{"NoQueueAgeAlarm", checkOperatorAlarms, "Value: !GetAtt Queue.QueueName}]", "Value: !GetAtt DLQ.QueueName}]", "oldest message"},
		{"ConsumerWithoutBoundary", checkConsumerBoundaries, "      PermissionsBoundary: !Ref WorkerBoundary\n", "", "no PermissionsBoundary"},
		{"BoundaryConsumesAnyQueue", checkConsumerBoundaries, "            Resource: !GetAtt Queue.Arn\n  Worker:", "            Resource: \"*\"\n  Worker:", "not only on"},
		{"BoundaryLetsConsumingThrough", checkConsumerBoundaries, "NotAction: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueAttributes]",
			"NotAction: [sqs:DeleteMessage]", "lets"},
		{"FunctionNamedAfterStack", checkNames, "    Properties:\n      Policies:",
			"    Properties:\n      FunctionName: !Sub ${AWS::StackName}-Worker\n      Policies:", "FunctionName is set"},
		{"LogGroupNotNamedAfterFunction", checkLogGroups, "    Properties:\n      Policies:",
			"    Properties:\n      FunctionName: worker\n      LoggingConfig: {LogGroup: !Ref WorkerLogs}\n      Policies:", `want "/aws/lambda/worker"`},
		{"IdleQueue", checkQueuesConsumed, "  Topic:\n    Type: AWS::SNS::Topic\n",
			"  Idle:\n    Type: AWS::SQS::Queue\n  Topic:\n    Type: AWS::SNS::Topic\n", "queue Idle"},
		{"QueueConsumerGone", checkQueuesConsumed, "Queue: !GetAtt Queue.Arn", "Queue: arn:aws:sqs:eu-west-1:123456789012:elsewhere", "queue Queue"},
		{"NoQueueOutput", checkQueueOutputs, "  QueueUrl:\n    Value: !Ref Queue\n", "", "queue Queue"},
		{"QueueOutputIsArn", checkQueueOutputs, "Value: !Ref DLQ", "Value: !GetAtt DLQ.Arn", "queue DLQ"},
		{"URLOfNoQueue", checkQueueURLs, "QUEUE_URL: !Ref Queue", "QUEUE_URL: !Ref Nope", "QUEUE_URL is Nope"},
		{"URLIsArn", checkQueueURLs, "QUEUE_URL: !Ref Queue", "QUEUE_URL: !GetAtt Queue.Arn", "want the URL"},
		{"URLIsLiteral", checkQueueURLs, "QUEUE_URL: !Ref Queue", "QUEUE_URL: https://sqs.eu-west-1.amazonaws.com/123456789012/q", "want the URL"},
		{"URLMisnamed", checkQueueURLs, "QUEUE_URL: !Ref Queue", "JOBS_URL: !Ref Queue", "name it QUEUE_URL"},
		{"URLsSwapped", checkQueueURLs, "QUEUE_URL: !Ref Queue", "QUEUE_URL: !Ref Queue\n          DLQ_QUEUE_URL: !Ref DLQ", "name it DLQ_URL"},
		{"NoSendGrant", checkQueueURLs, "        - SQSSendMessagePolicy:\n            QueueName: !GetAtt Queue.QueueName\n", "", "may not sqs:SendMessage"},
		{"SendGrantOnOtherQueue", checkQueueURLs, "QueueName: !GetAtt Queue.QueueName", "QueueName: !GetAtt DLQ.QueueName", "no DLQ_URL variable"},
		{"SendGrantByURL", checkQueueURLs, "QueueName: !GetAtt Queue.QueueName", "QueueName: !Ref Queue", "may not sqs:SendMessage"},
		{"SendGrantWithoutURL", checkQueueURLs, "      Environment:\n        Variables:\n          QUEUE_URL: !Ref Queue\n", "", "no QUEUE_URL variable"},
		{"SendStatementDeny", checkQueueURLs, "        - SQSSendMessagePolicy:\n            QueueName: !GetAtt Queue.QueueName\n",
			"        - Statement:\n            - {Effect: Deny, Action: sqs:SendMessage, Resource: !GetAtt Queue.Arn}\n", "may not sqs:SendMessage"},
		{"SendStatementOnURL", checkQueueURLs, "        - SQSSendMessagePolicy:\n            QueueName: !GetAtt Queue.QueueName\n",
			"        - Statement:\n            - {Effect: Allow, Action: sqs:SendMessage, Resource: !Ref Queue}\n", "may not sqs:SendMessage"},
		{"SendStatementOtherAction", checkQueueURLs, "        - SQSSendMessagePolicy:\n            QueueName: !GetAtt Queue.QueueName\n",
			"        - Statement:\n            - {Effect: Allow, Action: [sqs:ReceiveMessage, sqs:SendMessageBatch], Resource: !GetAtt Queue.Arn}\n", "may not sqs:SendMessage"},
		{"DuplicateRoute", checkRoutes, "Method: post, Path: /things", "Method: GET, Path: /ping", "declared by"},
		{"UnknownApi", checkRoutes, "ApiId: !Ref Api, Method: post", "ApiId: !Ref Nope, Method: post", "ApiId"},
		{"NoCORS", checkCORS, "      CorsConfiguration:\n", "      CorsConfigurationX:\n", "CorsConfiguration is"},
		{"CORSTrue", checkCORS, "      CorsConfiguration:\n        AllowOrigins: [!Ref Origin]\n", "      CorsConfiguration: true\n      X:\n        AllowOrigins: [!Ref Origin]\n", "CorsConfiguration is true"},
		{"CORSLiteralOrigin", checkCORS, "AllowOrigins: [!Ref Origin]", "AllowOrigins: [https://forms.example.org]", "neither a !Ref to a parameter"},
		{"CORSAnyOrigin", checkCORS, "AllowOrigins: [!Ref Origin]", `AllowOrigins: ["*"]`, "neither a !Ref to a parameter"},
		{"CORSRefToResource", checkCORS, "AllowOrigins: [!Ref Origin]", "AllowOrigins: [!Ref Queue]", "neither a !Ref to a parameter"},
		{"CORSDomainOfNoDistribution", checkCORS, "AllowOrigins: [!Ref Origin]", `AllowOrigins: [!If [Site, !Sub "https://${Queue.DomainName}", !Ref Origin]]`, "neither a !Ref to a parameter"},
		{"CORSNoOrigins", checkCORS, "AllowOrigins: [!Ref Origin]", "AllowOrigins: []", "no AllowOrigins"},
		{"CORSCredentials", checkCORS, "MaxAge: 600", "MaxAge: 600\n        AllowCredentials: true", "AllowCredentials"},
		{"CORSMethodMissing", checkCORS, "AllowMethods: [GET, POST]", "AllowMethods: [GET]", "lacks POST"},
		{"CORSHeaderMissing", checkCORS, "AllowHeaders: [authorization, Content-Type]", "AllowHeaders: [Content-Type]", "lacks Authorization"},
		{"CORSNoMaxAge", checkCORS, "        MaxAge: 600\n", "", "MaxAge"},
		{"MailWithoutConfigurationSet", checkMailFeedback, "          MAIL_CONFIGURATION_SET: !Ref MailSet\n", "", "sends mail (MAIL_FROM)"},
		{"MailConfigurationSetLiteral", checkMailFeedback, "MAIL_CONFIGURATION_SET: !Ref MailSet", "MAIL_CONFIGURATION_SET: cecportal-dev", "no !Ref"},
		{"PoolWithoutConfigurationSet", checkMailFeedback, "  MailSet:\n",
			"  Pool:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      EmailConfiguration: {EmailSendingAccount: DEVELOPER, From: cec@example.org}\n  MailSet:\n", "user pool Pool"},
		{"OnlyBounces", checkMailFeedback, "MatchingEventTypes: [bounce, complaint]", "MatchingEventTypes: [bounce]", "both bounce and complaint"},
		{"DestinationDisabled", checkMailFeedback, "        Enabled: true\n", "        Enabled: false\n", "no enabled event destination"},
		{"SESMayNotPublish", checkMailFeedback, "Principal: {Service: ses.amazonaws.com}", "Principal: {Service: events.amazonaws.com}", "lets ses.amazonaws.com"},
		{"NotRaw", checkMailFeedback, "      RawMessageDelivery: true\n", "", "RawMessageDelivery"},
		{"TopicMayNotSend", checkMailFeedback, "Action: sqs:SendMessage, Resource: !GetAtt Queue.Arn}", "Action: sqs:ReceiveMessage, Resource: !GetAtt Queue.Arn}", "may not deliver"},
		{"SubscriptionToIdleQueue", checkMailFeedback, "      Endpoint: !GetAtt Queue.Arn\n", "      Endpoint: !GetAtt DLQ.Arn\n", "no sqs subscription delivers it to a queue a function consumes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Count(validExample, tt.old) != 1 {
				t.Fatalf("%q is not once in validExample", tt.old)
			}
			tpl := parseExample(t, strings.Replace(validExample, tt.old, tt.new, 1))
			problems := tt.check(tpl)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("want a problem containing %q, got %q", tt.want, problems)
			}
		})
	}
}

// TestCheckQueueURLs_GrantForms: each way of writing the URL variable or the
// sqs:SendMessage grant that checkQueueURLs accepts.
func TestCheckQueueURLs_GrantForms(t *testing.T) {
	const grant = "        - SQSSendMessagePolicy:\n            QueueName: !GetAtt Queue.QueueName\n"
	tests := []struct {
		name     string
		old, new string // replaced once in validExample
	}{
		{"SQSSendMessagePolicyLongForm", "QueueName: !GetAtt Queue.QueueName", "QueueName: {'Fn::GetAtt': [Queue, QueueName]}"},
		{"URLLongRef", "QUEUE_URL: !Ref Queue", "QUEUE_URL: {Ref: Queue}"},
		{"URLAttribute", "QUEUE_URL: !Ref Queue", "QUEUE_URL: !GetAtt Queue.QueueUrl"},
		{"Statement", grant, "        - Statement:\n            - {Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Queue.Arn}\n"},
		{"StatementLists", grant, "        - Statement:\n            - {Effect: Allow, Action: [sqs:GetQueueUrl, SQS:SendMessage], Resource: [!GetAtt Table.Arn, !GetAtt Queue.Arn]}\n"},
		{"StatementLongGetAtt", grant, "        - Statement:\n            - {Effect: Allow, Action: sqs:SendMessage, Resource: {'Fn::GetAtt': [Queue, Arn]}}\n"},
		{"StatementSub", grant, "        - Statement:\n            - {Effect: Allow, Action: sqs:SendMessage, Resource: !Sub '${Queue.Arn}'}\n"},
		{"StatementWildcardAction", grant, "        - Statement:\n            - {Effect: Allow, Action: 'sqs:Send*', Resource: !GetAtt Queue.Arn}\n"},
		{"NoQueues", "      Environment:\n        Variables:\n          QUEUE_URL: !Ref Queue\n", "      Environment:\n        Variables:\n          TABLE_NAME: !Ref Table\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Count(validExample, tt.old) != 1 {
				t.Fatalf("%q is not once in validExample", tt.old)
			}
			src := strings.Replace(validExample, tt.old, tt.new, 1)
			if tt.name == "NoQueues" {
				src = strings.Replace(src, grant, "", 1)
			}
			for _, p := range checkQueueURLs(parseExample(t, src)) {
				t.Error(p)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	for id, want := range map[string]string{
		"MailQueue":                        "MAIL_QUEUE",
		"ProgramFeeQueue":                  "PROGRAM_FEE_QUEUE",
		"ProgramValidationDeadLetterQueue": "PROGRAM_VALIDATION_DEAD_LETTER_QUEUE",
		"SESBounceQueue":                   "SES_BOUNCE_QUEUE",
		"Queue2":                           "QUEUE2",
		"V2Queue":                          "V2_QUEUE",
		"DLQ":                              "DLQ",
	} {
		if got := envName(id); got != want {
			t.Errorf("envName(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestTemplate_Target(t *testing.T) {
	tpl := parseExample(t, validExample)
	tests := []struct {
		name string
		src  string // a YAML value
		want string // "" for unresolved
	}{
		{"ShortRef", "!Ref Queue", "Queue"},
		{"ShortGetAtt", "!GetAtt Queue.Arn", "Queue"},
		{"LongRef", "{Ref: Queue}", "Queue"},
		{"LongGetAttList", "{'Fn::GetAtt': [DLQ, Arn]}", "DLQ"},
		{"LongGetAttString", "{'Fn::GetAtt': DLQ.QueueName}", "DLQ"},
		{"Unknown", "!Ref Nope", ""},
		{"Parameter", "!Ref AWS::Region", ""},
		{"LiteralArn", "arn:aws:sqs:eu-west-1:123456789012:q", ""},
		{"Sub", "!Sub '${Queue.Arn}/x'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parse([]byte("Resources: {X: {Type: T, Properties: {V: " + tt.src + "}}}"))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := tpl.target(doc.Resources["X"].Properties["V"])
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("target(%s) = %q, %v; want %q", tt.src, got, ok, tt.want)
			}
		})
	}
}

func TestHTTPRoutes(t *testing.T) {
	t.Run("Example", func(t *testing.T) {
		got, err := parseExample(t, validExample).routes()
		if err != nil {
			t.Fatal(err)
		}
		want := []Route{
			{Method: "GET", Path: "/ping", Public: true, Function: "Worker"},
			{Method: "POST", Path: "/things", Public: false, Function: "Worker"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("routes = %+v, want %+v", got, want)
		}
	})

	t.Run("ImplicitAPI", func(t *testing.T) {
		const src = `
Globals:
  HttpApi:
    Auth: {DefaultAuthorizer: Jwt}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Open: {Type: HttpApi, Properties: {Method: GET, Path: /open, Auth: {Authorizer: NONE}}}
        Closed: {Type: HttpApi, Properties: {Method: x-amazon-apigateway-any-method, Path: /closed}}
        All: {Type: HttpApi}
`
		got, err := parseExample(t, src).routes()
		if err != nil {
			t.Fatal(err)
		}
		want := []Route{
			{Method: "ANY", Path: "$default", Public: false, Function: "Fn"},
			{Method: "ANY", Path: "/closed", Public: false, Function: "Fn"},
			{Method: "GET", Path: "/open", Public: true, Function: "Fn"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("routes = %+v, want %+v", got, want)
		}
	})

	t.Run("TemplateYAML", func(t *testing.T) {
		routes, err := HTTPRoutes(templatePath)
		if err != nil {
			t.Fatal(err)
		}
		tpl := loadTemplate(t)
		health := false
		for _, r := range routes {
			if tpl.Resources[r.Function].Type != typeFunction {
				t.Errorf("route %s %s: function %q is not in the template", r.Method, r.Path, r.Function)
			}
			if r.Method == "GET" && r.Path == "/health" {
				health = r.Public
			}
		}
		if !health {
			t.Errorf("GET /health is missing or not public in %+v", routes)
		}
	})

	t.Run("MissingFile", func(t *testing.T) {
		if _, err := HTTPRoutes(filepath.Join(t.TempDir(), "template.yaml")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v, want one wrapping os.ErrNotExist", err)
		}
	})
}

// goBuildDir matches the package a function's build target compiles.
var goBuildDir = regexp.MustCompile(`\./functions/([A-Za-z0-9_.-]+)`)

// TestMakefile_BuildsEveryFunction asks make (dry run) what SAM's
// `make build-<LogicalId>` would do for each function of template.yaml.
func TestMakefile_BuildsEveryFunction(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatal("make is not installed; sam build needs it for BuildMethod makefile")
	}
	artifacts := filepath.Join(t.TempDir(), "artifacts")
	built := map[string]string{} // functions/<dir> -> logical ID

	for _, fn := range loadTemplate(t).ofType(typeFunction) {
		t.Run(fn.ID, func(t *testing.T) {
			cmd := exec.Command(makeBin, "-n", "--no-print-directory", "-C", repoRoot,
				"build-"+fn.ID, "ARTIFACTS_DIR="+artifacts, "GO=go")
			cmd.Env = makeEnv()
			outb, err := cmd.CombinedOutput()
			out := string(outb)
			if err != nil {
				t.Fatalf("make -n build-%s: %v\n%s", fn.ID, err, out)
			}
			for _, want := range []string{
				"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "go build", "-trimpath",
				"-tags lambda.norpc", "-o " + artifacts + "/bootstrap",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("make build-%s does not run %q:\n%s", fn.ID, want, out)
				}
			}
			m := goBuildDir.FindAllStringSubmatch(out, -1)
			if len(m) != 1 {
				t.Fatalf("make build-%s should build exactly one ./functions/<dir>:\n%s", fn.ID, out)
			}
			dir := m[0][1]
			if other, dup := built[dir]; dup {
				t.Errorf("functions/%s is built for both %s and %s", dir, other, fn.ID)
			}
			built[dir] = fn.ID

			// The code lands after the template: check it once it is there.
			switch mains, _ := filepath.Glob(filepath.Join(repoRoot, "functions", dir, "*.go")); {
			case len(mains) > 0:
			case dirExists(filepath.Join(repoRoot, "functions", dir)):
				t.Errorf("functions/%s has no Go file", dir)
			default:
				t.Logf("functions/%s does not exist yet", dir)
			}
		})
	}

	t.Run("NoOrphanFunctionDirs", func(t *testing.T) {
		entries, err := os.ReadDir(filepath.Join(repoRoot, "functions"))
		if errors.Is(err, os.ErrNotExist) {
			t.Skip("no functions/ yet")
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() && built[e.Name()] == "" {
				t.Errorf("functions/%s is built for no function of template.yaml", e.Name())
			}
		}
	})
}

// makeEnv is the environment without an outer make's flags (make test runs
// these tests), so the dry run prints exactly the commands.
func makeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "ARTIFACTS_DIR":
		default:
			env = append(env, kv)
		}
	}
	return env
}

func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

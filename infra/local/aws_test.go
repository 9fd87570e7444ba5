package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cecportal/cecportal/internal/moto"
)

// TestLocalStack_AWSBackend runs the local stack on AWS-protocol services
// (moto_server) instead of the embedded file: the holder and provider go to
// DynamoDB, their welcome jobs through SQS, their emails through SES. It
// proves the three adapters are wired end to end, as they are in AWS.
// startMoto starts a moto_server for the test and points the process's
// AWS configuration at it: run() reads the stack's settings through
// getenv, but the AWS SDK's config.LoadDefaultConfig reads the process
// environment.
func startMoto(t *testing.T) *moto.Server {
	t.Helper()
	srv, err := moto.Start()
	if err != nil {
		t.Fatalf("moto_server is required for this test and could not start: %v", err)
	}
	t.Cleanup(srv.Stop)
	noFile := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            srv.Endpoint,
		"AWS_REGION":                  moto.Region,
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             noFile, // keep ~/.aws out of it
		"AWS_SHARED_CREDENTIALS_FILE": noFile,
	} {
		t.Setenv(k, v)
	}
	return srv
}

// TestLocalStack_AWSBackendAudit: the documentation audit (every
// submission picked) on DynamoDB, SQS, SES and S3 on moto: the request,
// the holder reminded and the office told through the daily work queue,
// the files sent to S3; and the year's transcript as a PDF (issue 17).
func TestLocalStack_AWSBackendAudit(t *testing.T) {
	st := startAWSStack(t, map[string]string{"POLICY_FILE": auditPolicy(t)})
	c := &client{t: t, base: st.URL}
	auditFlow(t, c, c.token("sub-office-audit", "staff", "office@example.org"))
	fay := c.token("sub-fay-audit", "holder", "fay.audit@example.com")
	if pdf := c.download("/holders/me/transcripts/2028", fay, "application/pdf"); !strings.Contains(pdf, "CEC transcript, 2028 renewal") {
		t.Fatal("the transcript PDF does not name its year")
	}
}

// startAWSStack starts the stack on the AWS backend against a moto_server
// of its own, with a table of its own, and env besides.
func startAWSStack(t *testing.T, env map[string]string) *running {
	t.Helper()
	srv := startMoto(t)
	all := map[string]string{
		"CECPORTAL_BACKEND": "aws",
		"AWS_ENDPOINT_URL":  srv.Endpoint,
		"TABLE_NAME":        fmt.Sprintf("cecportal-test-%d", time.Now().UnixNano()),
		"MAIL_FROM":         "cec@example.org",
	}
	maps.Copy(all, env)
	return startStack(t, all)
}

func TestLocalStack_AWSBackend(t *testing.T) {
	srv := startMoto(t)

	const from = "cec@example.org"
	table := fmt.Sprintf("cecportal-test-%d", time.Now().UnixNano())
	st := startStack(t, map[string]string{
		"CECPORTAL_BACKEND": "aws",
		"AWS_ENDPOINT_URL":  srv.Endpoint,
		"TABLE_NAME":        table,
		"MAIL_FROM":         from,
	})
	c := &client{t: t, base: st.URL}

	c.do("GET", "/health", "", nil, 200, nil)

	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder struct{ HolderID, Email string }
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	var me struct{ HolderID string }
	c.do("GET", "/holders/me", ana, nil, 200, &me)
	if me.HolderID != holder.HolderID || !strings.HasPrefix(holder.HolderID, "H-") {
		t.Fatalf("GET /holders/me gave %q, created %q", me.HolderID, holder.HolderID)
	}

	acme := c.token("sub-acme", "provider", "desk@acme.example")
	var provider struct{ ProviderID string }
	c.do("POST", "/providers", acme, map[string]any{"name": "Acme Training", "contactName": "Dee Dunn", "email": "desk@acme.example",
		"phone": "+1 202 555 0142", "address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, &provider)
	var pme struct{ ProviderID string }
	c.do("GET", "/providers/me", acme, nil, 200, &pme)
	if pme.ProviderID != provider.ProviderID || !strings.HasPrefix(provider.ProviderID, "P-") {
		t.Fatalf("GET /providers/me gave %q, created %q", pme.ProviderID, provider.ProviderID)
	}

	c.waitForEmails("ana@example.com", 1)
	c.waitForEmails("desk@acme.example", 1)

	// Staff import a holder: the import's chunk goes through its SQS queue
	// to the importer, which writes the holder to DynamoDB.
	office := c.token("sub-office", "staff", "office@example.org")
	var im map[string]any
	c.doRaw("POST", "/holder-imports", office, "text/csv", importList, 202, &im)
	for deadline := time.Now().Add(15 * time.Second); im["status"] != "done"; c.waitALittle() {
		if time.Now().After(deadline) {
			t.Fatalf("import is %v after 15 s", im["status"])
		}
		c.do("GET", "/holder-imports/"+fmt.Sprint(im["importId"]), office, nil, 200, &im)
	}
	var found struct{ Entries []struct{ HolderID string } }
	c.do("GET", "/directory?q=A-7001", office, nil, 200, &found)
	if len(found.Entries) != 1 {
		t.Fatalf("the imported holder is not found by member number: %+v", found)
	}

	ctx := context.Background()
	cfg := srv.Config(t)

	// The email is captured before the mailer records it as sent and the
	// poller deletes its message, so those two may trail it briefly.
	t.Run("DynamoDBHoldsTheItems", func(t *testing.T) {
		ddb := dynamodb.NewFromConfig(cfg)
		eventually(t, 5*time.Second, func() (problems []string) {
			for pk, want := range map[string]string{
				"HOLDER#" + holder.HolderID:                       "ana@example.com",
				"PROVIDER#" + provider.ProviderID:                 "Acme Training",
				"MAILJOB#welcome:holder:" + holder.HolderID:       "sent",
				"MAILJOB#welcome:provider:" + provider.ProviderID: "sent",
			} {
				out, err := ddb.Query(ctx, &dynamodb.QueryInput{
					TableName:                 aws.String(table),
					KeyConditionExpression:    aws.String("PK = :pk"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
				})
				if err != nil {
					t.Fatalf("query %s: %v", pk, err)
				}
				if !slices.ContainsFunc(out.Items, func(it map[string]types.AttributeValue) bool { return hasString(it, want) }) {
					problems = append(problems, fmt.Sprintf("table %s has no item under %s holding %q (%d items)", table, pk, want, len(out.Items)))
				}
			}
			// Every outbox entry was relayed and deleted.
			out, err := ddb.Scan(ctx, &dynamodb.ScanInput{
				TableName:                 aws.String(table),
				FilterExpression:          aws.String("begins_with(PK, :p)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "OUTBOX#"}},
			})
			if err != nil {
				t.Fatalf("scan outbox: %v", err)
			}
			if len(out.Items) != 0 {
				problems = append(problems, fmt.Sprintf("%d outbox entries left in DynamoDB, want 0", len(out.Items)))
			}
			return problems
		})
	})

	// Reminders' choices on DynamoDB: the provider's page, and a holder's
	// one-click link, which needs no sign-in.
	t.Run("EmailChoices", func(t *testing.T) {
		c.do("PUT", "/providers/me/email-preferences", acme, map[string]any{"off": []string{"fee_due"}}, 200, nil)
		token, err := st.UnsubscribeToken(ctx, "holder", holder.HolderID, "renewal_due")
		if err != nil {
			t.Fatal(err)
		}
		c.doRaw("POST", "/unsubscribe/"+token, "", "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", 200, nil)
		var link struct{ Off bool }
		c.do("GET", "/unsubscribe/"+token, "", nil, 200, &link)
		var mine struct {
			Choices []struct {
				Code string
				On   bool
			}
		}
		c.do("GET", "/holders/me/email-preferences", ana, nil, 200, &mine)
		if !link.Off || len(mine.Choices) == 0 || mine.Choices[0].Code != "renewal_due" || mine.Choices[0].On {
			t.Fatalf("after the click: link %+v, choices %+v", link, mine)
		}
		ddb := dynamodb.NewFromConfig(cfg)
		for pk, off := range map[string]string{"HOLDER#" + holder.HolderID: "renewal_due", "PROVIDER#" + provider.ProviderID: "fee_due"} {
			out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
				Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "EMAILPREFS"}}})
			list, _ := out.Item["off"].(*types.AttributeValueMemberL)
			if err != nil || list == nil || len(list.Value) != 1 || !hasString(map[string]types.AttributeValue{"": list.Value[0]}, off) {
				t.Fatalf("%s/EMAILPREFS: %v, %v; want %s off", pk, out.Item, err, off)
			}
		}
	})

	t.Run("SQSQueuesDrained", func(t *testing.T) {
		q := sqs.NewFromConfig(cfg)
		eventually(t, 5*time.Second, func() (problems []string) {
			for _, name := range []string{table + "-mail", table + "-mail-dlq"} {
				url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
				if err != nil {
					t.Fatalf("queue %s: %v", name, err)
				}
				attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl,
					AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
						sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
				if err != nil {
					t.Fatalf("attributes of %s: %v", name, err)
				}
				for _, k := range slices.Sorted(maps.Keys(attrs.Attributes)) {
					if v := attrs.Attributes[k]; v != "0" {
						problems = append(problems, fmt.Sprintf("queue %s: %s = %s, want 0 (every mail job handled and acknowledged)", name, k, v))
					}
				}
			}
			return problems
		})
	})

	t.Run("SESSentTheEmails", func(t *testing.T) {
		data := srv.Data(t)
		var state struct {
			SES struct {
				Message []struct {
					Source       string `json:"source"`
					Destinations struct {
						ToAddresses []string `json:"ToAddresses"`
					} `json:"destinations"`
					Body string `json:"body"`
				} `json:"Message"`
			} `json:"ses"`
		}
		if err := json.Unmarshal(data, &state); err != nil {
			t.Fatalf("moto data.json: %v", err)
		}
		// Each recipient gets exactly one email, from the verified sender,
		// carrying the new account's ID.
		want := map[string]string{"ana@example.com": holder.HolderID, "desk@acme.example": provider.ProviderID}
		got := map[string][]string{}
		for _, m := range state.SES.Message {
			for _, to := range m.Destinations.ToAddresses {
				got[to] = append(got[to], m.Body)
			}
			if m.Source != from {
				t.Errorf("SES message to %v from %q, want %s", m.Destinations.ToAddresses, m.Source, from)
			}
		}
		for to, id := range want {
			if len(got[to]) != 1 || !strings.Contains(got[to][0], id) {
				t.Errorf("SES holds %d emails to %s, want exactly one naming %s", len(got[to]), to, id)
			}
		}
		for to := range got {
			if _, ok := want[to]; !ok {
				t.Errorf("SES holds an unexpected email to %s", to)
			}
		}
	})

	// After the checks above, which count every email and queue: a program
	// of several offerings, end to end on DynamoDB, SQS and SES.
	t.Run("SeveralOfferings", func(t *testing.T) { severalOfferings(t, c, acme, office) })
	t.Run("SelfSignUp", func(t *testing.T) { selfSignUp(t, c) })
	// The bounce reaches the feedback queue on SQS, the mark DynamoDB.
	t.Run("UndeliverableMail", func(t *testing.T) { undeliverableMail(t, c, office) })
	// The daily jobs' pieces through SQS, their writes to DynamoDB.
	t.Run("DailyJobs", func(t *testing.T) { dailyJobs(t, c, office) })
	// Files posted to S3 with a presigned form, checked and read back.
	t.Run("Documents", func(t *testing.T) { documentsFlow(t, c, office) })
}

// eventually retries check until it reports no problem, and reports the
// last problems when within has passed.
func eventually(t *testing.T, within time.Duration, check func() []string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		problems := check()
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("after %v:\n\t%s", within, strings.Join(problems, "\n\t"))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hasString reports whether a top-level string attribute of item equals s.
func hasString(item map[string]types.AttributeValue, s string) bool {
	for _, v := range item {
		if sv, ok := v.(*types.AttributeValueMemberS); ok && sv.Value == s {
			return true
		}
	}
	return false
}

// startStackOn starts the stack on backend: "embedded", or "aws" against
// a moto_server of the test's own (a table of its own).
func startStackOn(t *testing.T, backend string) *running {
	t.Helper()
	if backend != "aws" {
		return startStack(t, nil)
	}
	srv := startMoto(t)
	return startStack(t, map[string]string{"CECPORTAL_BACKEND": "aws", "AWS_ENDPOINT_URL": srv.Endpoint,
		"TABLE_NAME": fmt.Sprintf("cecportal-test-%d", time.Now().UnixNano()), "MAIL_FROM": "cec@example.org"})
}

package templatecheck

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// checkMailFeedback: SES's bounces and complaints reach the system
// (docs/operations.md#email-that-does-not-arrive). Every function that
// sends mail (MAIL_FROM) names a configuration set of this template in
// MAIL_CONFIGURATION_SET, and so does a user pool that sends through SES;
// each such set has an enabled event destination publishing bounce and
// complaint events to a topic of this template that SES may publish to;
// the topic delivers raw to a queue that a function consumes and whose
// policy lets the topic send. Break any link and an address that bounces
// is mailed for ever.
func checkMailFeedback(t *template) []string {
	var out []string
	sets := map[string]bool{}
	for _, fn := range t.ofType(typeFunction) {
		vars := mapping(mapping(t.functionProperty(fn, "Environment"))["Variables"])
		if _, sends := vars["MAIL_FROM"]; !sends {
			continue
		}
		id, ok := t.target(vars["MAIL_CONFIGURATION_SET"])
		if !ok || t.Resources[id].Type != "AWS::SES::ConfigurationSet" {
			out = append(out, fmt.Sprintf("function %s sends mail (MAIL_FROM) but its MAIL_CONFIGURATION_SET is no !Ref to an AWS::SES::ConfigurationSet of this template: its bounces and complaints would go nowhere", fn.ID))
			continue
		}
		sets[id] = true
	}
	for _, pool := range t.ofType("AWS::Cognito::UserPool") {
		email := mapping(pool.Properties["EmailConfiguration"])
		if email["EmailSendingAccount"] != "DEVELOPER" {
			continue
		}
		id, ok := t.target(email["ConfigurationSet"])
		if !ok || t.Resources[id].Type != "AWS::SES::ConfigurationSet" {
			out = append(out, fmt.Sprintf("user pool %s sends through SES but its EmailConfiguration.ConfigurationSet is no !Ref to a configuration set of this template", pool.ID))
			continue
		}
		sets[id] = true
	}
	for _, set := range slices.Sorted(maps.Keys(sets)) {
		out = append(out, t.feedbackOf(set)...)
	}
	return out
}

// feedbackOf checks the way from configuration set to a consumer.
func (t *template) feedbackOf(set string) []string {
	var topics []string
	for _, d := range t.ofType("AWS::SES::ConfigurationSetEventDestination") {
		if id, ok := t.target(d.Properties["ConfigurationSetName"]); !ok || id != set {
			continue
		}
		ed := mapping(d.Properties["EventDestination"])
		types := toStrings(ed["MatchingEventTypes"])
		if ed["Enabled"] != true || !slices.Contains(types, "bounce") || !slices.Contains(types, "complaint") {
			continue
		}
		if topic, ok := t.target(mapping(ed["SnsDestination"])["TopicARN"]); ok && t.Resources[topic].Type == "AWS::SNS::Topic" {
			topics = append(topics, topic)
		}
	}
	if len(topics) == 0 {
		return []string{fmt.Sprintf("configuration set %s: no enabled event destination publishes both bounce and complaint events to a topic of this template", set)}
	}
	var out []string
	for _, topic := range topics {
		if !t.allows(topic, "AWS::SNS::TopicPolicy", "Topics", "ses.amazonaws.com", "sns:Publish") {
			out = append(out, fmt.Sprintf("topic %s: no topic policy lets ses.amazonaws.com sns:Publish to it", topic))
		}
		delivered := false
		for _, sub := range t.ofType("AWS::SNS::Subscription") {
			if id, ok := t.target(sub.Properties["TopicArn"]); !ok || id != topic || sub.Properties["Protocol"] != "sqs" {
				continue
			}
			q, attr, ok := t.reference(sub.Properties["Endpoint"])
			if !ok || attr != "Arn" || t.Resources[q].Type != typeQueue {
				continue
			}
			if sub.Properties["RawMessageDelivery"] != true {
				out = append(out, fmt.Sprintf("subscription %s: RawMessageDelivery is not true (the consumer reads SES's event as the message)", sub.ID))
			}
			if !t.allows(q, "AWS::SQS::QueuePolicy", "Queues", "sns.amazonaws.com", "sqs:SendMessage") {
				out = append(out, fmt.Sprintf("queue %s: no queue policy lets sns.amazonaws.com sqs:SendMessage to it, so topic %s may not deliver", q, topic))
			}
			for _, fn := range t.ofType(typeFunction) {
				if slices.Contains(consumedQueues(t, fn), q) {
					delivered = true
				}
			}
		}
		if !delivered {
			out = append(out, fmt.Sprintf("topic %s: no sqs subscription delivers it to a queue a function consumes", topic))
		}
	}
	return out
}

// allows reports whether a policy resource of type typ, attached to target
// through its list property key, allows service action.
func (t *template) allows(target, typ, key, service, action string) bool {
	for _, p := range t.ofType(typ) {
		attached := false
		for _, v := range asList(p.Properties[key]) {
			if id, ok := t.target(v); ok && id == target {
				attached = true
			}
		}
		if !attached {
			continue
		}
		for _, st := range asList(mapping(p.Properties["PolicyDocument"])["Statement"]) {
			s := mapping(st)
			principal := mapping(s["Principal"])
			if s["Effect"] == "Allow" && slices.Contains(toStrings(principal["Service"]), service) &&
				slices.ContainsFunc(toStrings(s["Action"]), func(a string) bool { return strings.EqualFold(a, action) }) {
				return true
			}
		}
	}
	return false
}

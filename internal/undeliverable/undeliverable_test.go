package undeliverable_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// bounce is an SES event of a configuration set, as SNS delivers it raw.
func bounce(kind, sub string, to ...string) string {
	rs := make([]map[string]string, len(to))
	for i, a := range to {
		rs[i] = map[string]string{"emailAddress": a, "action": "failed", "status": "5.1.1"}
	}
	return event(map[string]any{"eventType": "Bounce", "bounce": map[string]any{"bounceType": kind, "bounceSubType": sub,
		"bouncedRecipients": rs, "timestamp": "2026-12-03T14:05:45.000Z", "feedbackId": "fb-1"},
		"mail": map[string]any{"messageId": "m-1", "destination": to}})
}

func complaint(feedbackType string, to ...string) string {
	rs := make([]map[string]string, len(to))
	for i, a := range to {
		rs[i] = map[string]string{"emailAddress": a}
	}
	return event(map[string]any{"eventType": "Complaint", "complaint": map[string]any{"complainedRecipients": rs,
		"complaintFeedbackType": feedbackType, "timestamp": "2026-12-04T08:00:00Z", "feedbackId": "fb-2"}})
}

func event(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var (
	bouncedAt    = time.Date(2026, 12, 3, 14, 5, 45, 0, time.UTC)
	complainedAt = time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
)

func TestParse(t *testing.T) {
	identityBounce := strings.Replace(bounce("Permanent", "NoEmail", "ana@example.com"), `"eventType"`, `"notificationType"`, 1)
	for _, tc := range []struct {
		name string
		body string
		want []undeliverable.Address
		err  string
	}{
		{"PermanentGeneral", bounce("Permanent", "General", "Ana@Example.com"),
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.Refused, At: bouncedAt, FeedbackID: "fb-1"}}, ""},
		{"NoMailbox", bounce("Permanent", "NoEmail", "ana@example.com", "bo@example.com"),
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.NoMailbox, At: bouncedAt, FeedbackID: "fb-1"},
				{Email: "bo@example.com", Reason: undeliverable.NoMailbox, At: bouncedAt, FeedbackID: "fb-1"}}, ""},
		{"Suppressed", bounce("Permanent", "Suppressed", "ana@example.com"),
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.Suppressed, At: bouncedAt, FeedbackID: "fb-1"}}, ""},
		{"AccountSuppressionList", bounce("Permanent", "OnAccountSuppressionList", "ana@example.com"),
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.Suppressed, At: bouncedAt, FeedbackID: "fb-1"}}, ""},
		// A full mailbox or a server down: SES retries, the next may arrive.
		{"Transient", bounce("Transient", "MailboxFull", "ana@example.com"), nil, ""},
		{"Undetermined", bounce("Undetermined", "Undetermined", "ana@example.com"), nil, ""},
		{"Complaint", complaint("abuse", "ana@example.com"),
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.Complaint, At: complainedAt, FeedbackID: "fb-2"}}, ""},
		{"ComplaintWithoutType", complaint("", "ana@example.com"),
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.Complaint, At: complainedAt, FeedbackID: "fb-2"}}, ""},
		{"NotSpam", complaint("not-spam", "ana@example.com"), nil, ""},
		// An identity's notification says notificationType.
		{"IdentityNotification", identityBounce,
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.NoMailbox, At: bouncedAt, FeedbackID: "fb-1"}}, ""},
		// A subscription without raw delivery wraps the event in SNS's envelope.
		{"SNSEnvelope", event(map[string]any{"Type": "Notification", "MessageId": "sns-1", "Message": complaint("abuse", "ana@example.com")}),
			[]undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.Complaint, At: complainedAt, FeedbackID: "fb-2"}}, ""},
		{"Delivery", event(map[string]any{"eventType": "Delivery", "delivery": map[string]any{"recipients": []string{"ana@example.com"}}}), nil, ""},
		{"EmptyRecipient", bounce("Permanent", "General", " "), nil, ""},
		{"NotJSON", "hello", nil, "decode mail feedback"},
		{"BadEnvelopeMessage", event(map[string]any{"Type": "Notification", "Message": "{"}), nil, "decode mail feedback"},
		{"BadTimestamp", strings.Replace(bounce("Permanent", "General", "ana@example.com"), "2026-12-03T14:05:45.000Z", "yesterday", 1), nil, "timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := undeliverable.Parse([]byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse = %v, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse =\n %+v, %v\nwant\n %+v", got, err, tc.want)
			}
		})
	}
}

// owners gives each subject their own addresses.
type owners map[string][]string

func (o owners) EmailsOf(_ context.Context, c identity.Caller) ([]string, error) {
	return o[c.Sub], nil
}

var (
	staff = identity.Caller{Sub: "s", Roles: []string{identity.RoleStaff}}
	ana   = identity.Caller{Sub: "ana", Roles: []string{identity.RoleHolder}}
	acme  = identity.Caller{Sub: "acme", Roles: []string{identity.RoleProvider}}
)

func newService(t *testing.T) *undeliverable.Service {
	tbl := testkit.Embedded(t, testkit.NewClock())
	return undeliverable.NewService(store.NewUndeliverable(tbl), owners{"ana": {"Ana@Example.com"}, "acme": {"desk@acme.example"}})
}

func TestService_FeedbackMarksOnce(t *testing.T) {
	ctx := t.Context()
	svc := newService(t)
	if err := svc.Feedback(ctx, bounce("Permanent", "NoEmail", "ana@example.com")); err != nil {
		t.Fatal(err)
	}
	// A later complaint, and the bounce redelivered, leave the first mark.
	for _, body := range []string{complaint("abuse", "ANA@example.com"), bounce("Permanent", "NoEmail", "ana@example.com")} {
		if err := svc.Feedback(ctx, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Feedback(ctx, "not an event"); err == nil {
		t.Fatal("a body that is no SES event was taken: it would never reach the dead-letter queue")
	}
	got, err := svc.Undeliverable(ctx, []string{"Ana@Example.com", "bo@example.com", "ana@example.com", ""})
	want := []undeliverable.Address{{Email: "ana@example.com", Reason: undeliverable.NoMailbox, At: bouncedAt, FeedbackID: "fb-1"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Undeliverable = %+v, %v; want %+v", got, err, want)
	}
	if a, err := svc.Of(ctx, "bo@example.com"); a != nil || err != nil {
		t.Fatalf("Of(an address never marked) = %+v, %v", a, err)
	}
}

func TestService_ListNewestFirst(t *testing.T) {
	ctx := t.Context()
	svc := newService(t)
	for _, body := range []string{bounce("Permanent", "General", "old@example.com"), complaint("abuse", "new@example.com")} {
		if err := svc.Feedback(ctx, body); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.List(ctx, ana, undeliverable.Page{}); !fault.Is(err, fault.Forbidden) {
		t.Fatalf("a holder listed the addresses: %v", err)
	}
	first, next, err := svc.List(ctx, staff, undeliverable.Page{Limit: 1})
	if err != nil || len(first) != 1 || first[0].Email != "new@example.com" || next == "" {
		t.Fatalf("first page %+v, %q, %v; want new@example.com and a cursor", first, next, err)
	}
	second, next, err := svc.List(ctx, staff, undeliverable.Page{Limit: 1, Cursor: next})
	if err != nil || len(second) != 1 || second[0].Email != "old@example.com" {
		t.Fatalf("second page %+v, %q, %v; want old@example.com", second, next, err)
	}
}

func TestService_Clear(t *testing.T) {
	for _, tc := range []struct {
		name   string
		caller identity.Caller
		email  string
		kind   fault.Kind // 0: cleared
		code   string
	}{
		{"StaffAny", staff, "desk@acme.example", 0, ""},
		{"HolderOwn", ana, "ana@example.com", 0, ""},
		{"ProviderOwn", acme, "desk@acme.example", 0, ""},
		// Another person's address is as good as unknown to them.
		{"HolderOther", ana, "desk@acme.example", fault.NotFound, "address_not_undeliverable"},
		{"NotMarked", staff, "bo@example.com", fault.NotFound, "address_not_undeliverable"},
		{"Anonymous", identity.Caller{}, "ana@example.com", fault.Unauthenticated, "unauthenticated"},
		{"NotAnAddress", staff, "ana at example", fault.Invalid, "invalid_email"},
		{"NamedAddress", staff, "Ana <ana@example.com>", fault.Invalid, "invalid_email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			svc := newService(t)
			for _, body := range []string{bounce("Permanent", "General", "ana@example.com"), complaint("abuse", "desk@acme.example")} {
				if err := svc.Feedback(ctx, body); err != nil {
					t.Fatal(err)
				}
			}
			err := svc.Clear(ctx, tc.caller, tc.email)
			marked, _ := svc.Undeliverable(ctx, []string{"ana@example.com", "desk@acme.example"})
			if tc.kind == 0 {
				if err != nil {
					t.Fatalf("Clear = %v", err)
				}
				if len(marked) != 1 || marked[0].Email == undeliverable.Normalize(tc.email) {
					t.Fatalf("after clearing %s the marks are %+v", tc.email, marked)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Kind != tc.kind || fe.Code != tc.code {
				t.Fatalf("Clear = %v; want %v %s", err, tc.kind, tc.code)
			}
			if len(marked) != 2 {
				t.Fatalf("a refused Clear changed the marks: %+v", marked)
			}
		})
	}
}

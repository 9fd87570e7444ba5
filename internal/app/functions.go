package app

import (
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// Functions are cecportal's Lambdas: the one list of them, saying for each
// its logical ID and directory, what invokes it, the queues it sends to and
// the environment it needs. Each main under functions/ starts with
// app.Lambda(<its ID>) and takes its environment from here; the local
// stack runs each function in-process as its kind says (the routes of an
// HTTP function, a consumer on its queue, a schedule as a job).
//
// Adding a function takes: its entry here (and its queue in Queues if it
// drains a new one); its main, functions/<Dir>/main.go, starting with
// app.Lambda("<ID>"); its resource in template.yaml; its word <ID>:<Dir> in
// the Makefile's LAMBDAS; its handler in the local stack
// (internal/localstack/stack.go); for an HTTP function, its routes in
// openapi.yaml and its constructor in internal/app/routes_test.go. Tests
// (infra/templatecheck, internal/app, internal/localstack) name whichever
// is missing or differs.
//
// It is a literal, so that a Lambda's init does no work to build it.
var Functions = []Function{
	// Staff's imports of holders are uploaded here.
	// The reminders' unsubscribe links are read here, signed with the
	// parameter UNSUBSCRIBE_KEY_PARAMETER names.
	{ID: "AccountsApi", Dir: "accounts-api", Kind: HTTP, Sends: []string{notify.Queue, accounts.RenewalsQueue, holderimport.Queue},
		Env: []string{"UNSUBSCRIBE_KEY_PARAMETER"}},
	// MAIL_CONFIGURATION_SET sends SES's bounces and complaints to the
	// mail-feedback queue (through SNS), which MailFeedback drains.
	// A reminder carries its unsubscribe links: the API's (API_URL_PARAMETER)
	// one-click link, signed with UNSUBSCRIBE_KEY_PARAMETER's key.
	{ID: "MailSender", Dir: "mail-sender", Kind: Consumer, Queue: notify.Queue,
		Env: []string{"MAIL_FROM", "MAIL_CONFIGURATION_SET", "API_URL_PARAMETER", "UNSUBSCRIBE_KEY_PARAMETER"}},
	{ID: "MailFeedback", Dir: "mail-feedback", Kind: Consumer, Queue: undeliverable.Queue},
	{ID: "OutboxRelay", Dir: "outbox-relay", Kind: Scheduled, Schedule: Schedule{Job: "outbox-relay", Every: time.Minute},
		// An outbox entry may be bound for any queue.
		Sends: []string{notify.Queue, programs.ValidationQueue, programs.FeeQueue, attendance.Queue, submissions.Queue, payments.Queue,
			accounts.RenewalsQueue, holderimport.Queue, daily.Queue}},
	{ID: "ProgramsApi", Dir: "programs-api", Kind: HTTP, Counts: true, Sends: []string{notify.Queue, programs.ValidationQueue},
		Env: []string{"STRIPE_SECRET_KEY_PARAMETER", "CHECKOUT_SUCCESS_URL", "CHECKOUT_CANCEL_URL"}},
	{ID: "ProgramValidator", Dir: "program-validator", Kind: Consumer, Counts: true, Queue: programs.ValidationQueue,
		Sends: []string{notify.Queue, programs.FeeQueue}},
	{ID: "ProgramInvoicer", Dir: "program-invoicer", Kind: Consumer, Counts: true, Queue: programs.FeeQueue, Sends: []string{notify.Queue}},
	// A correction after posting tells the holder by email; a filing fee
	// is paid through the payment provider's checkout.
	// A correction's credit, added or withdrawn, has the holder's renewal
	// judged again (accounts.Rejudge, on the renewals queue).
	{ID: "AttendanceApi", Dir: "attendance-api", Kind: HTTP, Counts: true, Sends: []string{attendance.Queue, notify.Queue, accounts.RenewalsQueue},
		Env: []string{"STRIPE_SECRET_KEY_PARAMETER", "CHECKOUT_SUCCESS_URL", "CHECKOUT_CANCEL_URL"}},
	// The next chunk (or release step) is queued in the write that records
	// this one done; the last chunk's filing fee invoice is emailed.
	// Credits written or released have their holders' renewals judged again.
	{ID: "AttendanceCrediter", Dir: "attendance-crediter", Kind: Consumer, Counts: true, Queue: attendance.Queue,
		Sends: []string{attendance.Queue, notify.Queue, accounts.RenewalsQueue}},
	// An import's next chunk is queued in the write that records this one done.
	{ID: "HolderImporter", Dir: "holder-importer", Kind: Consumer, Queue: holderimport.Queue, Sends: []string{holderimport.Queue}},
	// A submission approved has the holder's renewal judged again.
	{ID: "CecApi", Dir: "cec-api", Kind: HTTP, Sends: []string{submissions.Queue, notify.Queue, accounts.RenewalsQueue},
		Env: []string{"STRIPE_SECRET_KEY_PARAMETER", "CHECKOUT_SUCCESS_URL", "CHECKOUT_CANCEL_URL"}},
	// The files holders attach are presigned, checked and read here, in
	// DOCUMENTS_BUCKET: a function of its own, so that the S3 client stays
	// out of the others (docs/documents.md).
	{ID: "DocumentsApi", Dir: "documents-api", Kind: HTTP, Env: []string{"DOCUMENTS_BUCKET"}},
	// Records as PDFs: a function of its own, so that the PDF library
	// stays out of the others (docs/records.md).
	{ID: "RecordsApi", Dir: "records-api", Kind: HTTP},
	// Open Badges: signed with the KMS key BADGE_KEY_ID, published under
	// the URL in API_URL_PARAMETER; a function of its own, so that the JOSE
	// library and the KMS client stay out of the others (docs/badges.md).
	{ID: "BadgesApi", Dir: "badges-api", Kind: HTTP, Env: []string{"API_URL_PARAMETER", "BADGE_KEY_ID"}},
	// A submission refused whole has its files removed from DOCUMENTS_BUCKET.
	{ID: "CecSubmissionReviewer", Dir: "cec-submission-reviewer", Kind: Consumer, Queue: submissions.Queue, Sends: []string{notify.Queue},
		Env: []string{"DOCUMENTS_BUCKET"}},
	{ID: "PaymentWebhook", Dir: "payment-webhook", Kind: HTTP, Sends: []string{payments.Queue}, Env: []string{"STRIPE_WEBHOOK_SECRET_PARAMETER"}},
	// A paid filing fee queues the release of its held credits.
	{ID: "PaymentSettler", Dir: "payment-settler", Kind: Consumer, Counts: true, Queue: payments.Queue, Sends: []string{notify.Queue, attendance.Queue}},
	// Staff recorded a holder's credentials: their renewal invoice, when
	// the year's are out.
	{ID: "RenewalIssuer", Dir: "renewal-issuer", Kind: Consumer, Counts: true, Queue: accounts.RenewalsQueue},
	// Daily jobs due at the same moment run in the order of their time of
	// day: the day's invoices before the reminders that read them. Each
	// only plans: its pieces go through the daily work queue
	// (docs/reminders.md#pieces).
	{ID: "RenewalInvoicer", Dir: "renewal-invoicer", Kind: Scheduled,
		Schedule: Schedule{Job: "renewal-invoices", Daily: true, At: 6 * time.Hour}, Sends: []string{daily.Queue}},
	{ID: "Reminders", Dir: "reminders", Kind: Scheduled, Schedule: Schedule{Job: "reminders", Daily: true, At: 7 * time.Hour},
		Sends: []string{daily.Queue}},
	// A piece queues the next; a reminder's mail job goes to the mail queue.
	{ID: "DailyWorker", Dir: "daily-worker", Kind: Consumer, Counts: true, Queue: daily.Queue, Sends: []string{daily.Queue, notify.Queue},
		Timeout: 60 * time.Second},
}

// Queues are the SQS queues the functions send to and drain, each with its
// dead-letter queue, in the order the local stack lists them (/dev/dlq).
var Queues = []Queue{
	{Name: notify.Queue, ID: "MailQueue", URLVar: "MAIL_QUEUE_URL"},
	{Name: programs.ValidationQueue, ID: "ProgramValidationQueue", URLVar: "PROGRAM_VALIDATION_QUEUE_URL"},
	{Name: programs.FeeQueue, ID: "ProgramFeeQueue", URLVar: "PROGRAM_FEE_QUEUE_URL"},
	{Name: attendance.Queue, ID: "AttendanceCreditingQueue", URLVar: "ATTENDANCE_CREDITING_QUEUE_URL"},
	{Name: submissions.Queue, ID: "SubmissionsQueue", URLVar: "SUBMISSIONS_QUEUE_URL"},
	{Name: payments.Queue, ID: "PaymentsQueue", URLVar: "PAYMENTS_QUEUE_URL"},
	{Name: accounts.RenewalsQueue, ID: "RenewalsQueue", URLVar: "RENEWALS_QUEUE_URL"},
	{Name: holderimport.Queue, ID: "HolderImportQueue", URLVar: "HOLDER_IMPORT_QUEUE_URL"},
	{Name: daily.Queue, ID: "DailyWorkQueue", URLVar: "DAILY_WORK_QUEUE_URL"},
	// Nothing of the system sends to it (the local stack's mail outbox
	// does, for SES's mailbox simulator addresses).
	{Name: undeliverable.Queue, ID: "MailFeedbackQueue", URLVar: "MAIL_FEEDBACK_QUEUE_URL",
		FedBy: "SES's bounce and complaint events, through SNS"},
}

// Function is one Lambda.
type Function struct {
	ID   string // logical ID in template.yaml; the Makefile's build-<ID> builds it
	Dir  string // its main: functions/<Dir>
	Kind Kind
	// Queue is the queue a Consumer drains: a Name of Queues.
	Queue string
	// Schedule says when a Scheduled function runs.
	Schedule Schedule
	// Sends are the queues it sends to (through the outbox), Names of
	// Queues: it cannot start without their URLs.
	Sends []string
	// Env are the other variables it cannot start without, besides
	// TABLE_NAME, which every function needs, and the URLs of Sends.
	Env []string
	// Counts is whether its writes keep the office's counters (table.Add,
	// docs/dashboard.md): a program's creation or change of status, a
	// renewal invoice's creation or payment, a payment recorded, a credit
	// written or withdrawn. An Add is an Update in the write's
	// transaction, so the function needs dynamodb:UpdateItem, and only
	// these have it (infra/templatecheck).
	Counts bool
	// Timeout, when set, is the function's Timeout in template.yaml, which
	// its work counts on (a daily piece stops daily.Margin before it); the
	// local stack gives its consumer as long. Unset: the template's is
	// the function's own business, and the local stack's default applies.
	Timeout time.Duration
}

// Kind is what invokes a function.
type Kind string

// The kinds of function.
const (
	HTTP      Kind = "HTTP API"  // API Gateway, for the routes its HttpApi events declare
	Consumer  Kind = "consumer"  // an SQS event source on Function.Queue
	Scheduled Kind = "scheduled" // EventBridge Scheduler, as Function.Schedule says
)

// Schedule is when a Scheduled function runs: Every interval, or Daily at a
// time of day in the association's time zone (the policy's; the template's
// AssociationTimeZone).
type Schedule struct {
	Job   string        // its name in the local stack: POST /dev/run/<Job>
	Every time.Duration // a rate; the local stack may run it more often
	Daily bool
	At    time.Duration // Daily: the time of day
}

// Queue is one SQS queue.
type Queue struct {
	Name   string // what outbox messages and consumers call it (notify.Queue, ...)
	ID     string // logical ID in template.yaml
	URLVar string // the environment variable that holds its URL
	// FedBy names what sends to it from outside the system; "" for the
	// queues the outbox relay feeds.
	FedBy string
}

// Required lists the variables f cannot start without: TABLE_NAME, the URL
// of each queue it sends to, then its Env.
func (f Function) Required() []string {
	out := make([]string, 0, 1+len(f.Sends)+len(f.Env))
	out = append(out, "TABLE_NAME")
	for _, name := range f.Sends {
		for _, q := range Queues {
			if q.Name == name {
				out = append(out, q.URLVar)
			}
		}
	}
	return append(out, f.Env...)
}

// FunctionByID returns the entry of Functions with logical ID id.
func FunctionByID(id string) (Function, bool) {
	for _, f := range Functions {
		if f.ID == id {
			return f, true
		}
	}
	return Function{}, false
}

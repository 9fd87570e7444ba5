// Package app wires cecportal's services from their adapters. The Lambda
// mains under functions/ and the local stack both call it, so that a request
// runs through the same graph of objects in AWS and on a laptop; only the
// adapters handed in differ. It imports no HTTP code, so that the queue
// consumers and schedules do not carry the OpenAPI validator.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/awsenv"
	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/checkout"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/dashboard"
	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/ledger"
	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/queue"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/transcript"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// Env is the configuration the entry points read from the environment
// (template.yaml sets it for each function; Functions says which variables
// each one needs). vars names the variable of each field.
type Env struct {
	TableName string // TABLE_NAME
	// The URLs of Queues, each in its Queue.URLVar: MAIL_QUEUE_URL, ...
	MailQueueURL        string
	ValidationQueueURL  string
	FeeQueueURL         string
	CreditingQueueURL   string
	SubmissionsQueueURL string
	PaymentsQueueURL    string
	RenewalsQueueURL    string
	HolderImportURL     string
	DailyWorkURL        string
	MailFeedbackURL     string
	// DocumentsBucket is the S3 bucket of the files holders attach
	// (DOCUMENTS_BUCKET).
	DocumentsBucket string
	// APIURLParameter names the parameter (API_URL_PARAMETER) holding the
	// HTTP API's public base URL, under which the badges' issuer profile,
	// keys and status lists are published.
	APIURLParameter string
	// UnsubscribeKeyParameter names the SecureString parameter
	// (UNSUBSCRIBE_KEY_PARAMETER) whose value signs the reminders'
	// unsubscribe links (emailprefs).
	UnsubscribeKeyParameter string
	// BadgeKeyID is the AWS KMS key the badges are signed with
	// (BADGE_KEY_ID: its ARN).
	BadgeKeyID string
	MailFrom   string // MAIL_FROM
	// MailConfigurationSet is the SES configuration set every mail is sent
	// with (MAIL_CONFIGURATION_SET): its bounces and complaints come back.
	MailConfigurationSet string
	// Stripe: the names of the SecureString parameters that hold the
	// endpoint's signing secret (webhook) and the secret API key (read at
	// first use: secrets.Parameter), and the pages the payer returns to.
	StripeWebhookSecretParameter string // STRIPE_WEBHOOK_SECRET_PARAMETER
	StripeSecretKeyParameter     string // STRIPE_SECRET_KEY_PARAMETER
	CheckoutSuccessURL           string // CHECKOUT_SUCCESS_URL
	CheckoutCancelURL            string // CHECKOUT_CANCEL_URL
	RoleClaim                    string // ROLE_CLAIM, default cognito:groups
	PolicyFile                   string // POLICY_FILE, default the shipped policy
	LogLevel                     string // LOG_LEVEL, default INFO
}

// EnvFrom reads Env with getenv (os.Getenv).
func EnvFrom(getenv func(string) string) Env {
	var e Env
	for _, v := range e.vars() {
		*v.field = getenv(v.name)
	}
	return e
}

// envVar is a variable Env reads, and the field that holds it.
type envVar struct {
	name  string
	field *string
}

// vars are the variables Env reads, each with its field of e.
func (e *Env) vars() []envVar {
	return []envVar{
		{"TABLE_NAME", &e.TableName},
		{"MAIL_QUEUE_URL", &e.MailQueueURL},
		{"PROGRAM_VALIDATION_QUEUE_URL", &e.ValidationQueueURL},
		{"PROGRAM_FEE_QUEUE_URL", &e.FeeQueueURL},
		{"ATTENDANCE_CREDITING_QUEUE_URL", &e.CreditingQueueURL},
		{"SUBMISSIONS_QUEUE_URL", &e.SubmissionsQueueURL},
		{"PAYMENTS_QUEUE_URL", &e.PaymentsQueueURL},
		{"RENEWALS_QUEUE_URL", &e.RenewalsQueueURL},
		{"HOLDER_IMPORT_QUEUE_URL", &e.HolderImportURL},
		{"DAILY_WORK_QUEUE_URL", &e.DailyWorkURL},
		{"MAIL_FEEDBACK_QUEUE_URL", &e.MailFeedbackURL},
		{"DOCUMENTS_BUCKET", &e.DocumentsBucket},
		{"API_URL_PARAMETER", &e.APIURLParameter},
		{"UNSUBSCRIBE_KEY_PARAMETER", &e.UnsubscribeKeyParameter},
		{"BADGE_KEY_ID", &e.BadgeKeyID},
		{"MAIL_FROM", &e.MailFrom},
		{"MAIL_CONFIGURATION_SET", &e.MailConfigurationSet},
		{"STRIPE_WEBHOOK_SECRET_PARAMETER", &e.StripeWebhookSecretParameter},
		{"STRIPE_SECRET_KEY_PARAMETER", &e.StripeSecretKeyParameter},
		{"CHECKOUT_SUCCESS_URL", &e.CheckoutSuccessURL},
		{"CHECKOUT_CANCEL_URL", &e.CheckoutCancelURL},
		{"ROLE_CLAIM", &e.RoleClaim},
		{"POLICY_FILE", &e.PolicyFile},
		{"LOG_LEVEL", &e.LogLevel},
	}
}

// value returns the variable name as e holds it; known is false when Env
// reads no such variable.
func (e Env) value(name string) (v string, known bool) {
	for _, ev := range e.vars() {
		if ev.name == name {
			return *ev.field, true
		}
	}
	return "", false
}

// Require returns an error naming every listed variable that is empty.
func (e Env) Require(names ...string) error {
	var missing []string
	for _, n := range names {
		v, known := e.value(n)
		if !known {
			return fmt.Errorf("Require(%q): not a variable Env reads", n)
		}
		if v == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing environment: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Init reads the environment and makes the logger of a Lambda main. A
// missing required variable or an invalid policy file ends the process
// during the init phase, where Lambda reports it, rather than on the
// first request.
func Init(required ...string) (Env, *slog.Logger, *policy.Policy) {
	env := EnvFrom(os.Getenv)
	log := Logger(env.LogLevel, os.Stdout)
	slog.SetDefault(log) // for the few adapters that log without a logger passed in (store's lists)
	if err := env.Require(required...); err != nil {
		Exit(log, "configuration", err)
	}
	pol, err := LoadPolicy(env.PolicyFile)
	if err != nil {
		Exit(log, "policy", err)
	}
	return env, log, pol
}

// Process is what a Lambda main starts from: its entry in Functions, its
// environment, the adapters built from it, and the AWS configuration for
// the clients only some functions need (SES).
type Process struct {
	Deps
	Function Function
	Env      Env
	AWS      aws.Config
}

// Lambda is the bootstrap of every Lambda main: Init with the variables
// the entry of Functions with logical ID id requires, then the AWS
// configuration, the table and the queues the environment names, on the
// system clock. Any failure, an unknown id included, ends the process
// during init.
func Lambda(id string) Process {
	fn, found := FunctionByID(id)
	if !found {
		Exit(Logger(os.Getenv("LOG_LEVEL"), os.Stdout), "configuration", fmt.Errorf("%q is no function of app.Functions", id))
	}
	env, log, pol := Init(fn.Required()...)
	cfg, err := awsenv.Config(os.Getenv)
	if err != nil {
		Exit(log, "aws configuration", err)
	}
	own, err := EmailTemplates(env.PolicyFile)
	if err != nil {
		Exit(log, "email templates", err)
	}
	deps := Deps{
		Email:  own,
		Table:  table.NewDynamo(table.NewDynamoClient(cfg), env.TableName),
		Queues: SQSQueues(sqs.NewFromConfig(cfg), env.QueueURLs()),
		Clock:  clock.System{},
		Policy: pol,
		Log:    log,
	}
	return Process{Deps: deps, Function: fn, Env: env, AWS: cfg}
}

// Secret is the SecureString parameter name of Parameter Store, read with
// the function's role at its first use and kept (package secrets).
func (p Process) Secret(name string) *secrets.Secret {
	return secrets.Parameter(secrets.NewParameterStore(p.AWS), name)
}

// Exit logs why a Lambda cannot start and ends it.
func Exit(log *slog.Logger, what string, err error) {
	log.Error("cannot start: "+what, "err", err)
	os.Exit(1)
}

// Logger returns a JSON logger at level (DEBUG, INFO, WARN, ERROR).
func Logger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(metricsHandler{next: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}),
		now: func() int64 { return time.Now().UnixMilli() }})
}

// LoadPolicy reads the policy file at path, or the shipped one when path is "".
func LoadPolicy(path string) (*policy.Policy, error) {
	if path == "" {
		return policy.Shipped()
	}
	return policy.LoadFile(path)
}

// EmailTemplates are the association's own email templates beside the
// policy file (docs/reminders.md#the-associations-own-emails); nil when
// there are none: the shipped templates.
func EmailTemplates(path string) (fs.FS, error) { return beside(path, "email", cecportal.Email) }

// Brand is the association's logo folder beside the policy file
// (docs/policy.md#the-associations-name-colours-and-emails); nil: none.
func Brand(path string) (fs.FS, error) { return beside(path, "brand", cecportal.Brand) }

// beside is the folder dir beside the policy file path, or for the
// shipped policy policy/<dir> as compiled in (shipped); nil when there is
// no such folder.
func beside(path, dir string, shipped fs.FS) (fs.FS, error) {
	if path == "" {
		return fs.Sub(shipped, "policy/"+dir)
	}
	full := filepath.Join(filepath.Dir(path), dir)
	if st, err := os.Stat(full); err != nil || !st.IsDir() {
		return nil, nil //nolint:nilnil // none beside this policy file
	}
	return os.DirFS(full), nil
}

// Deps are the adapters and settings a process built.
type Deps struct {
	Table  table.Table
	Queues map[string]outbox.Sender // by logical name, e.g. notify.Queue
	Clock  clock.Clock
	Policy *policy.Policy
	// Email is the association's own email templates (EmailTemplates);
	// nil: the shipped ones.
	Email fs.FS
	Log   *slog.Logger
	NewID func(prefix string) string // default ids.New
}

func (d Deps) newID() func(string) string {
	if d.NewID != nil {
		return d.NewID
	}
	return ids.New
}

// Relay sends outbox messages to the process's queues.
func (d Deps) Relay() *outbox.Relay {
	return outbox.NewRelay(store.NewOutbox(d.Table), d.Queues, d.Log)
}

// Accounts is the accounts service.
func (d Deps) Accounts() *accounts.Service {
	return accounts.NewService(store.NewAccounts(d.Table), d.Policy, d.Clock, d.newID(), d.Relay())
}

// QueueURLs maps the names of Queues to the URLs the environment gives;
// queues without a URL are left out.
func (e Env) QueueURLs() map[string]string {
	out := map[string]string{}
	for _, q := range Queues {
		if url, _ := e.value(q.URLVar); url != "" {
			out[q.Name] = url
		}
	}
	return out
}

// SQSQueues opens the queues named by urls (Env.QueueURLs) on client.
func SQSQueues(client queue.SQSAPI, urls map[string]string) map[string]outbox.Sender {
	out := make(map[string]outbox.Sender, len(urls))
	for name, url := range urls {
		out[name] = queue.NewSQS(client, url)
	}
	return out
}

// Programs is the programs service; checkouts is the payment provider.
func (d Deps) Programs(checkouts checkout.Starter) *programs.Service {
	return programs.NewService(store.NewPrograms(d.Table, d.storeIn()), d.Accounts(), checkouts, d.Policy, d.Clock, d.newID(), d.Relay())
}

// PaymentWebhook receives the payment provider's events, verified by v.
func (d Deps) PaymentWebhook(v payments.Verifier) *payments.Webhook {
	return payments.NewWebhook(v, store.NewPaymentInbox(d.Table), d.Clock, d.Relay(), d.Log)
}

// PaymentSettler is the payments queue's consumer.
func (d Deps) PaymentSettler() *payments.Settler {
	return payments.NewSettler(d.Programs(nil), d.Renewals(nil), d.Attendance(nil), d.Log) // settling starts no checkout
}

// Renewals is the renewal invoices service; checkouts is the payment
// provider (nil where no checkout starts: the settler, the daily job).
func (d Deps) Renewals(checkouts checkout.Starter) *renewals.Service {
	return &renewals.Service{Store: store.NewRenewals(d.Table, d.storeIn()), Holders: store.NewAccounts(d.Table),
		Shards: store.RenewableShards, Links: store.NewAccounts(d.Table), Records: store.NewSubmissions(d.Table),
		Checkouts: checkouts, Policy: d.Policy, Clock: d.Clock, Relay: d.Relay(), Pieces: store.NewPieces(d.Table), Log: d.Log}
}

// Reminders is the daily reminder job.
func (d Deps) Reminders() *reminders.Service {
	return &reminders.Service{Store: store.NewReminders(d.Table), Pieces: store.NewPieces(d.Table), CECs: d.Renewals(nil),
		Policy: d.Policy, Clock: d.Clock, Relay: d.Relay(), Log: d.Log}
}

// DailyWorker is the daily work queue's consumer: the pieces of the
// renewal invoice and reminder jobs.
func (d Deps) DailyWorker() daily.Worker {
	return daily.Worker{renewals.Job: d.Renewals(nil).Handle, reminders.Job: d.Reminders().Handle}
}

// Attendance is the attendance reporting and crediting service; checkouts
// is the payment provider of filing fees (nil where none starts).
func (d Deps) Attendance(checkouts checkout.Starter) *attendance.Service {
	return attendance.NewService(store.NewAttendance(d.Table, d.storeIn()), store.NewPrograms(d.Table, d.storeIn()), d.Accounts(), checkouts, d.Policy, d.Clock, d.newID(), d.Relay()).
		WithLog(d.Log)
}

// HolderImport is staff's import of holders.
func (d Deps) HolderImport() *holderimport.Service {
	return holderimport.NewService(store.NewHolderImports(d.Table), d.Accounts(), d.Clock, d.newID(), d.Relay())
}

// Transcript is the holder's CEC status and transcript.
func (d Deps) Transcript() *transcript.Service {
	return transcript.NewService(store.NewTranscript(d.Table), d.Accounts(), d.Policy, d.Clock)
}

// storeIn has the stores count the office's figures by the association's
// months (docs/dashboard.md).
func (d Deps) storeIn() store.Option { return store.In(d.Policy.Association.Location()) }

// Ledger is the payments ledger staff read (docs/payments.md#the-ledger).
func (d Deps) Ledger() *ledger.Service {
	return &ledger.Service{Store: store.NewLedger(d.Table), Loc: d.Policy.Association.Location()}
}

// Dashboard is the office's numbers at a glance (docs/dashboard.md).
func (d Deps) Dashboard() *dashboard.Service {
	loc := d.Policy.Association.Location()
	return &dashboard.Service{Store: store.NewStats(d.Table), Now: d.Clock.Now, Loc: loc,
		GraceEnds: func(year int) (time.Time, bool) {
			if d.Policy.Renewal.PeriodAnchor == policy.AnchorCredential {
				return time.Time{}, false // each holder's own
			}
			p := d.Policy.Period(year, nil)
			return policy.Day(p.Grace, loc), p.Year == year
		}}
}

// PaymentIssues is staff's queue of refunds and mismatches.
func (d Deps) PaymentIssues() *ledger.IssueService {
	return &ledger.IssueService{Store: store.NewLedger(d.Table), Now: d.Clock.Now}
}

// BadgeIssuer is the association as its badges name it, publishing under
// base, the API's public URL (docs/badges.md).
func (d Deps) BadgeIssuer(base string) badges.Issuer {
	a := d.Policy.Association
	return badges.Issuer{Base: strings.TrimRight(base, "/"), Name: a.Name, URL: a.PortalURL, Email: a.SupportEmail}
}

// Badges is the badges service of issuer is, its proof sealer (vcjwt.Sealer
// with the key file locally, AWS KMS in AWS).
func (d Deps) Badges(is badges.Issuer, sealer badges.Sealer) *badges.Service {
	return &badges.Service{Issuer: is, Sealer: sealer, Store: store.NewBadges(d.Table), Certificates: d.Transcript(),
		Renewals: d.Renewals(nil), Clock: d.Clock}
}

// EmailPrefs is the reminders holders and providers choose, and their
// unsubscribe links, signed with key (nil: none can be made or read).
func (d Deps) EmailPrefs(key *secrets.Secret) *emailprefs.Service {
	return &emailprefs.Service{Store: store.NewEmailPrefs(d.Table), Me: d.Accounts(), Key: key, Clock: d.Clock}
}

// Undeliverable is the email addresses mail no longer goes to: the
// mail-feedback queue's consumer marks them, the mail sender skips them,
// staff and their owners clear them.
func (d Deps) Undeliverable() *undeliverable.Service {
	return undeliverable.NewService(store.NewUndeliverable(d.Table), d.Accounts()).WithLog(d.Log)
}

// Submissions is the holder's CEC submissions and their staff review.
func (d Deps) Submissions() *submissions.Service {
	return submissions.NewService(store.NewSubmissions(d.Table), d.Accounts(), d.Policy, d.Clock, d.newID(), d.Relay())
}

// Documents is the files holders attach to self-reported activities,
// kept in f.
func (d Deps) Documents(f files.Store) *documents.Service {
	return documents.NewService(store.NewDocuments(d.Table), f, d.Accounts(), d.Policy, d.Clock, d.newID())
}

// SubmissionReviewer is the submissions queue's consumer: the reviewer
// step, and the removal of the files (kept in f) of submissions refused
// whole.
func (d Deps) SubmissionReviewer(f files.Store) *submissions.Service {
	return d.Submissions().WithFiles(d.Documents(f))
}

// MailSender lets a mail adapter serve notify, which knows no adapter.
type MailSender struct{ S mail.Sender }

// Send sends a rendered email.
func (m MailSender) Send(ctx context.Context, e notify.Email) (string, error) {
	id, err := m.S.Send(ctx, mail.Message{From: e.From, To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Unsubscribe: e.Unsubscribe})
	if errors.Is(err, mail.ErrRejected) {
		err = fmt.Errorf("%w: %w", notify.ErrRejected, err)
	}
	return id, err
}

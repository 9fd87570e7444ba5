// Package localstack is cecportal on one machine: the Lambda handlers behind
// a local API Gateway, the queue consumers, the schedule, and a captured
// mail outbox a person can read, all on one embedded bbolt file by default.
// With Backend "aws" the same stack runs on AWS-protocol services instead
// (moto_server, or AWS itself). It also serves the local-only endpoints of
// SPEC §7 under /dev, which are never deployed.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"github.com/cecportal/cecportal/internal/attendance"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/app/mailapp"
	"github.com/cecportal/cecportal/internal/badges/vcjwt"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/consumer"
	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/files/diskfiles"
	"github.com/cecportal/cecportal/internal/files/s3files"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/localgw"
	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/mail/sesmail"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/queue"
	"github.com/cecportal/cecportal/internal/records"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/stripepay"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/undeliverable"
	"github.com/cecportal/cecportal/internal/web"
)

// Config configures a local stack. The zero value (plus defaults) runs the
// embedded stack on 127.0.0.1:8080 with data under .data.
type Config struct {
	Addr       string // listen address; default 127.0.0.1:8080
	DataDir    string // bbolt file, signing key; default .data
	Backend    string // "embedded" (default) or "aws"
	PolicyFile string // default: the shipped policy
	MailFrom   string // sender of every email; default the policy's support address
	Now        string // RFC 3339: start the clock at this instant (it then runs on)
	LogLevel   string
	// WebhookSecret signs and verifies the payment webhook; default the one
	// kept in DataDir/stripe-webhook.secret (generated on first start). Set
	// it to a `stripe listen` secret to feed the stack real test events.
	WebhookSecret string
	// CORSAllowOrigins lists, comma-separated, the origins whose web pages
	// may call the API (the HTTP API's CorsConfiguration); empty: none.
	CORSAllowOrigins string

	// Backend "aws": names of the resources. When AWSEndpoint is set (e.g.
	// moto_server) the stack creates missing ones; against AWS they must exist.
	AWSEndpoint string
	TableName   string // default cecportal-local
	// DocumentsBucket is the S3 bucket of holders' files; default
	// <table>-documents, created when AWSEndpoint is set.
	DocumentsBucket string
	QueueURLs       map[string]string // by logical name; missing ones are created as <table>-<name>

	// Tuning, mostly for tests.
	RelayEvery time.Duration // outbox sweep interval; default 5 s (AWS: 1 min)
	Visibility time.Duration // every queue's visibility timeout (a consumer may run a sixth of it); default 30 s
	// QueueVisibility, when set, is Visibility as a Go duration (at least
	// 6 s: a consumer may run a sixth of it): tests that kill the stack wait
	// less for the message in flight to come back.
	QueueVisibility string
}

// ConfigFromEnv reads the configuration the README documents.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		Addr:             getenv("CECPORTAL_ADDR"),
		DataDir:          getenv("CECPORTAL_DATA"),
		Backend:          getenv("CECPORTAL_BACKEND"),
		PolicyFile:       getenv("POLICY_FILE"),
		MailFrom:         getenv("MAIL_FROM"),
		Now:              getenv("CECPORTAL_NOW"),
		LogLevel:         getenv("LOG_LEVEL"),
		WebhookSecret:    getenv("STRIPE_WEBHOOK_SECRET"),
		QueueVisibility:  getenv("CECPORTAL_QUEUE_VISIBILITY"),
		CORSAllowOrigins: getenv("CORS_ALLOW_ORIGINS"),
		AWSEndpoint:      getenv("AWS_ENDPOINT_URL"),
		TableName:        getenv("TABLE_NAME"),
		DocumentsBucket:  getenv("DOCUMENTS_BUCKET"),
		QueueURLs:        app.EnvFrom(getenv).QueueURLs(),
	}
	if port := getenv("PORT"); port != "" && c.Addr == "" {
		c.Addr = "127.0.0.1:" + port
	}
	if c.Backend == "" && (c.AWSEndpoint != "" || c.TableName != "") {
		c.Backend = "aws"
	}
	return c
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DataDir == "" {
		c.DataDir = ".data"
	}
	if c.Backend == "" {
		c.Backend = "embedded"
	}
	if c.TableName == "" {
		c.TableName = "cecportal-local"
	}
	if c.RelayEvery <= 0 {
		c.RelayEvery = 5 * time.Second
	}
	if c.Visibility <= 0 {
		c.Visibility = 30 * time.Second
	}
}

// Stack is a running local stack.
type Stack struct {
	URL    string // http://host:port
	Clock  *clock.Settable
	Outbox *mail.Outbox

	cfg           Config
	key           []byte
	webhookSecret string
	prefs         *emailprefs.Service // the reminders' choices and links
	programStore  programs.Store
	renewalStore  renewals.Store
	filingStore   attendance.Store
	db            *bbolt.DB
	queues        *queue.Embedded // nil on the aws backend; for /dev/dlq
	srv           *http.Server
	scheduler     *Scheduler
	cancel        context.CancelFunc
	wg            sync.WaitGroup
	log           *slog.Logger
}

// Start builds and starts the stack; it is serving when Start returns.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Stack, error) {
	if cfg.QueueVisibility != "" {
		d, err := time.ParseDuration(cfg.QueueVisibility)
		if err != nil || d < 6*time.Second {
			return nil, fmt.Errorf("CECPORTAL_QUEUE_VISIBILITY %q: want a duration of at least 6s, e.g. 30s", cfg.QueueVisibility)
		}
		cfg.Visibility = d
	}
	cfg.defaults()
	if log == nil {
		log = app.Logger(cfg.LogLevel, os.Stderr)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	dbPath := filepath.Join(cfg.DataDir, "cecportal.db")
	db, err := bbolt.Open(dbPath, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%s is in use: is another local stack running on this data directory?", dbPath)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dbPath, err)
	}
	s := &Stack{cfg: cfg, db: db, log: log}
	if err := s.build(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Stack) build(ctx context.Context) (err error) {
	cfg := s.cfg
	clk, err := loadClock(s.db)
	if err != nil {
		return err
	}
	if cfg.Now != "" {
		t, err := time.Parse(time.RFC3339, cfg.Now)
		if err != nil {
			return fmt.Errorf("CECPORTAL_NOW: %w", err)
		}
		if err := setClock(s.db, clk, t); err != nil {
			return err
		}
	}
	s.Clock = clk
	pol, err := app.LoadPolicy(cfg.PolicyFile)
	if err != nil {
		return err
	}
	ownEmail, err := app.EmailTemplates(cfg.PolicyFile)
	if err != nil {
		return err
	}
	from := cfg.MailFrom
	if from == "" {
		from = pol.Association.SupportEmail
	}
	if from == "" {
		from = "cec@localhost.localdomain"
	}
	// The outbox answers mail to SES's simulator addresses with bounces and
	// complaints on the mail-feedback queue, as SES does through SNS.
	var feedback queue.Queue
	sendFeedback := func(ctx context.Context, event string) error {
		_, err := feedback.Send(ctx, event)
		return err
	}
	if s.Outbox, err = mail.NewOutbox(s.db, mail.WithNow(clk.Now), mail.WithFeedback(sendFeedback)); err != nil {
		return fmt.Errorf("mail outbox: %w", err)
	}
	if err := s.Outbox.Verify(ctx, from); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	s.URL = "http://" + ln.Addr().String()

	var (
		tbl      table.Table
		sweepTTL func(context.Context) (int, error)
		queues   map[string]queue.Queue
		sender   mail.Sender = s.Outbox
		docFiles files.Store
		disk     *diskfiles.Disk
	)
	switch cfg.Backend {
	case "embedded":
		bt, err := table.NewBolt(s.db, table.WithBoltNow(clk.Now))
		if err != nil {
			return fmt.Errorf("embedded table: %w", err)
		}
		tbl, sweepTTL = bt, bt.SweepExpired
		if queues, err = s.embeddedQueues(); err != nil {
			return err
		}
		// Holders' files on disk, served under /files as S3 serves a bucket.
		fileKey, err := localgw.NewKey(filepath.Join(cfg.DataDir, "files.key"))
		if err != nil {
			return err
		}
		if disk, err = diskfiles.New(filepath.Join(cfg.DataDir, "files"), s.URL+filesPath, fileKey, clk.Now); err != nil {
			return err
		}
		docFiles = disk
	case "aws":
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return fmt.Errorf("aws configuration: %w", err)
		}
		if tbl, queues, sender, err = s.awsAdapters(ctx, awsCfg, from); err != nil {
			return err
		}
		if docFiles, err = s.awsFiles(ctx, awsCfg); err != nil {
			return err
		}
	default:
		return fmt.Errorf("CECPORTAL_BACKEND %q: want embedded or aws", cfg.Backend)
	}

	feedback = queues[undeliverable.Queue]
	senders := make(map[string]outbox.Sender, len(queues))
	for name, q := range queues {
		senders[name] = q
	}
	deps := app.Deps{Table: tbl, Queues: senders, Clock: clk, Policy: pol, Email: ownEmail, Log: s.log}
	relay := deps.Relay().WithGrace(2 * cfg.RelayEvery)
	// The reminders' unsubscribe links are signed with a key file of the
	// data directory, made at the first start (a parameter in AWS), and
	// lead to this stack, which serves both the API and the portal.
	unsubKey, err := localgw.NewKey(filepath.Join(cfg.DataDir, "unsubscribe.key"))
	if err != nil {
		return err
	}
	unsubscribeKey := secrets.Value(string(unsubKey))
	s.prefs = deps.EmailPrefs(unsubscribeKey)
	links := emailprefs.Links{Prefs: s.prefs, API: func(context.Context) (string, error) { return s.URL, nil }, Portal: s.URL}
	mailer, err := mailapp.Mailer(deps, sender, from, links)
	if err != nil {
		return err
	}
	previews, err := mailapp.NewPreviews(deps)
	if err != nil {
		return err
	}
	programsSvc := deps.Programs(&payments.Simulator{BaseURL: s.URL})
	s.programStore = store.NewPrograms(tbl, store.In(pol.Association.Location()))
	s.renewalStore = store.NewRenewals(tbl, store.In(pol.Association.Location()))
	s.filingStore = store.NewAttendance(tbl, store.In(pol.Association.Location()))
	if s.webhookSecret, err = loadWebhookSecret(cfg.WebhookSecret, cfg.DataDir); err != nil {
		return err
	}

	// The Lambdas of app.Functions, each as its kind says: HTTP functions
	// by the routes they serve, consumers by the queue they drain,
	// schedules as jobs on the stack's clock.
	// Every API gives callers the holder and provider roles their own
	// records give them, as the Lambdas do (docs/security.md#roles).
	apiOptions := httpapi.Options{Logger: s.log, Roles: deps.Accounts()}
	accountsAPI, err := httpapi.NewAccountsAPI(deps.Accounts(), clk, deps.Renewals(nil), deps.HolderImport(), deps.Undeliverable(), deps.EmailPrefs(unsubscribeKey), apiOptions)
	if err != nil {
		return err
	}
	programsAPI, err := httpapi.NewProgramsAPI(programsSvc, apiOptions)
	if err != nil {
		return err
	}
	attendanceSvc := deps.Attendance(&payments.Simulator{BaseURL: s.URL})
	attendanceAPI, err := httpapi.NewAttendanceAPI(attendanceSvc, apiOptions)
	if err != nil {
		return err
	}
	submissionsSvc := deps.Submissions()
	cecAPI, err := httpapi.NewCecAPI(deps.Transcript(), submissionsSvc, deps.Renewals(&payments.Simulator{BaseURL: s.URL}),
		apiOptions)
	if err != nil {
		return err
	}
	documentsAPI, err := httpapi.NewDocumentsAPI(deps.Documents(docFiles), apiOptions)
	if err != nil {
		return err
	}
	recordsAPI, err := httpapi.NewRecordsAPI(httpapi.RecordServices{Attendance: attendanceSvc, Renewals: deps.Renewals(nil), Transcript: deps.Transcript(), Programs: programsSvc, Ledger: deps.Ledger(), PaymentIssues: deps.PaymentIssues(), Dashboard: deps.Dashboard(), Emails: previews},
		httpapi.Drawings{Receipt: records.RenewalReceiptPDF(pol), Invoice: records.InvoicePDF(pol), FeeReceipt: records.FeeReceiptPDF(pol), Filing: records.FilingReceiptPDF(pol), Certificate: records.CertificatePDF(pol), Transcript: records.TranscriptPDF(pol)},
		clk, apiOptions)
	if err != nil {
		return err
	}
	// The badges are signed with a key file of the data directory, made
	// at the first start (KMS signs them in AWS: docs/badges.md).
	badgeKey, err := vcjwt.LoadKeyFile(filepath.Join(cfg.DataDir, "badges-key.pem"))
	if err != nil {
		return err
	}
	badgeIssuer := deps.BadgeIssuer(s.URL)
	badgesAPI, err := httpapi.NewBadgesAPI(deps.Badges(badgeIssuer, vcjwt.Sealer{Issuer: badgeIssuer, Signer: badgeKey}), apiOptions)
	if err != nil {
		return err
	}
	webhookAPI, err := httpapi.NewPaymentWebhookAPI(deps.PaymentWebhook(stripepay.Verifier{Secret: secrets.Value(s.webhookSecret)}),
		httpapi.Options{Logger: s.log})
	if err != nil {
		return err
	}
	renewalsSvc := deps.Renewals(nil)
	remindersSvc := deps.Reminders()
	fns, err := wire(app.Functions, map[string]handler{
		"AccountsApi":           {api: accountsAPI},
		"ProgramsApi":           {api: programsAPI},
		"AttendanceApi":         {api: attendanceAPI},
		"CecApi":                {api: cecAPI},
		"DocumentsApi":          {api: documentsAPI},
		"RecordsApi":            {api: recordsAPI},
		"BadgesApi":             {api: badgesAPI},
		"PaymentWebhook":        {api: webhookAPI},
		"MailSender":            {work: mailer.Handle},
		"MailFeedback":          {work: deps.Undeliverable().Feedback},
		"DailyWorker":           {work: deps.DailyWorker().Handle},
		"ProgramValidator":      {work: programsSvc.Validate},
		"ProgramInvoicer":       {work: programsSvc.Invoice},
		"AttendanceCrediter":    {work: attendanceSvc.CreditChunk},
		"HolderImporter":        {work: deps.HolderImport().Step},
		"CecSubmissionReviewer": {work: deps.SubmissionReviewer(docFiles).Review},
		"PaymentSettler":        {work: deps.PaymentSettler().Settle},
		"RenewalIssuer":         {work: renewalsSvc.CredentialsSet},
		// Every RelayEvery here, every minute in AWS.
		"OutboxRelay":     {run: func(ctx context.Context) error { _, err := relay.Sweep(ctx); return err }, every: cfg.RelayEvery},
		"RenewalInvoicer": {run: func(ctx context.Context) error { _, err := renewalsSvc.IssueDue(ctx); return err }},
		"Reminders":       {run: func(ctx context.Context) error { _, err := remindersSvc.Run(ctx); return err }},
	}, pol.Association.Location())
	if err != nil {
		return err
	}
	targets := map[string]localgw.Target{}
	for _, api := range fns.apis {
		for _, key := range api.RouteKeys() {
			targets[key] = api.Handle
		}
	}

	doc, err := apispec.Spec()
	if err != nil {
		return err
	}
	key, err := localgw.NewKey(filepath.Join(cfg.DataDir, "jwt.key"))
	if err != nil {
		return err
	}
	s.key = key
	cors, err := localgw.ParseCORS(cfg.CORSAllowOrigins)
	if err != nil {
		return fmt.Errorf("CORS_ALLOW_ORIGINS: %w", err)
	}
	gw, err := localgw.New(doc, targets, localgw.NewVerifier(key), localgw.Options{Logger: s.log, CORS: cors})
	if err != nil {
		return err
	}

	jobs := fns.jobs
	if sweepTTL != nil {
		// DynamoDB deletes expired items itself; the embedded table needs a sweep.
		jobs = append(jobs, Job{Name: "ttl-sweep", Daily: true, At: 3 * time.Hour, Location: pol.Association.Location(),
			Run: func(ctx context.Context) error { _, err := sweepTTL(ctx); return err }})
	}
	if disk != nil {
		// S3 removes files by the bucket's lifecycle rules; the disk needs a sweep.
		jobs = append(jobs, Job{Name: "files-sweep", Daily: true, At: 3 * time.Hour, Location: pol.Association.Location(),
			Run: func(ctx context.Context) error { _, err := disk.Sweep(ctx, lifecycle(pol)); return err }})
		gw.Mount(filesPath, disk.Handler())
	}
	s.scheduler = NewScheduler(clk, s.log, time.Second, jobs...)
	gw.Mount("/dev", s.devRoutes(localgw.NewSigner(key)))
	// The web forms at /, on the API's origin: the site answers for its own
	// files only, none of which is an API or /dev path (internal/web tests).
	site, err := web.NewSite(web.LocalConfig(), pol)
	if err != nil {
		return err
	}
	brand, err := app.Brand(cfg.PolicyFile)
	if err != nil {
		return err
	}
	err = site.AddLogo(pol, brand)
	if err != nil {
		return err
	}
	s.srv = newServer(site.Front(gw))

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	for name, work := range fns.consumers {
		poller := queue.NewPoller(queues[name], queue.Handler(consumer.Handler(name, work, s.log)),
			queue.PollerOptions{Wait: time.Second, Logger: s.log, Timeout: s.consumerTimeout(name)})
		s.goRun(func() { poller.Run(runCtx) })
	}
	s.goRun(func() { s.scheduler.Run(runCtx) })
	s.goRun(func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server", "err", err)
		}
	})
	s.log.Info("local stack ready", "url", s.URL, "backend", cfg.Backend, "data", cfg.DataDir, "clock", clk.Now().Format(time.RFC3339))
	return nil
}

// The HTTP server's timeouts bound what a slow or stalled client can hold
// (a connection and a goroutine each), yet let the slowest honest request
// through: a 10 MB attendance roster (API Gateway's payload limit,
// localgw.DefaultMaxBodyBytes) takes 84 s on a 1 Mbit/s uplink.
const (
	// readHeaderTimeout: headers are a few kilobytes; a client that takes
	// longer is holding the connection open on purpose (slowloris).
	readHeaderTimeout = 10 * time.Second
	// readTimeout: the whole request, headers and body: the roster above,
	// with room to spare.
	readTimeout = 2 * time.Minute
	// writeTimeout runs from the end of the request's headers, so it
	// covers reading the body, the handler (API Gateway gives a Lambda
	// integration 30 s at most) and writing the answer.
	writeTimeout = readTimeout + 30*time.Second + 30*time.Second
	// idleTimeout: how long a kept-alive connection may wait for its next
	// request.
	idleTimeout = time.Minute
)

// newServer is the stack's HTTP server for h, with the timeouts above.
func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}

// queueNames are the stack's queues, the names of app.Queues; each has a
// dead-letter queue "<name>-dlq" that takes a message after maxReceives
// failed deliveries.
var queueNames = func() []string {
	names := make([]string, len(app.Queues))
	for i, q := range app.Queues {
		names[i] = q.Name
	}
	return names
}()

const maxReceives = 5

// consumerTimeout is how long the consumer of queue name has for a
// message: its function's Timeout where app.Functions gives one (as in
// AWS), else a sixth of the queues' visibility.
func (s *Stack) consumerTimeout(name string) time.Duration {
	for _, fn := range app.Functions {
		if fn.Kind == app.Consumer && fn.Queue == name && fn.Timeout > 0 {
			return fn.Timeout
		}
	}
	return s.cfg.Visibility / 6
}

// queueVisibility is the visibility timeout of queue name: the stack's, or
// six times its consumer's time when that is longer, as the template's.
func (s *Stack) queueVisibility(name string) time.Duration {
	return max(s.cfg.Visibility, 6*s.consumerTimeout(name))
}

func (s *Stack) embeddedQueues() (map[string]queue.Queue, error) {
	var cfgs []queue.Config
	for _, name := range queueNames {
		cfgs = append(cfgs,
			queue.Config{Name: name, VisibilityTimeout: s.queueVisibility(name), MaxReceives: maxReceives, DeadLetter: name + "-dlq"},
			queue.Config{Name: name + "-dlq", VisibilityTimeout: s.cfg.Visibility})
	}
	qs, err := queue.OpenEmbedded(s.db, cfgs...)
	if err != nil {
		return nil, fmt.Errorf("embedded queues: %w", err)
	}
	s.queues = qs
	out := map[string]queue.Queue{}
	for _, name := range queueNames {
		if out[name], err = qs.Queue(name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// awsAdapters builds the AWS-protocol adapters, creating the resources when
// an endpoint such as moto_server is configured.
func (s *Stack) awsAdapters(ctx context.Context, awsCfg aws.Config, from string) (table.Table, map[string]queue.Queue, mail.Sender, error) {
	cfg := s.cfg
	ddb := table.NewDynamoClient(awsCfg)
	sq := sqs.NewFromConfig(awsCfg)
	sesc := ses.NewFromConfig(awsCfg)
	create := cfg.AWSEndpoint != ""
	if create {
		if err := table.CreateTable(ctx, ddb, cfg.TableName); err != nil {
			return nil, nil, nil, fmt.Errorf("create table: %w", err)
		}
		if err := sesmail.VerifySender(ctx, sesc, from); err != nil {
			return nil, nil, nil, fmt.Errorf("verify sender: %w", err)
		}
	}
	queues := map[string]queue.Queue{}
	for _, name := range queueNames {
		url := cfg.QueueURLs[name]
		if url == "" {
			if !create {
				return nil, nil, nil, fmt.Errorf("no URL for the %s queue: set its *_QUEUE_URL against AWS", name)
			}
			var err error
			url, err = queue.CreateQueues(ctx, sq, queue.Config{Name: cfg.TableName + "-" + name, VisibilityTimeout: s.queueVisibility(name),
				MaxReceives: maxReceives, DeadLetter: cfg.TableName + "-" + name + "-dlq"})
			if err != nil {
				return nil, nil, nil, fmt.Errorf("create %s queue: %w", name, err)
			}
		}
		queues[name] = queue.NewSQS(sq, url)
	}
	tbl := table.NewDynamo(ddb, cfg.TableName, table.WithDynamoNow(s.Clock.Now))
	return tbl, queues, capture{primary: sesmail.New(sesc), outbox: s.Outbox}, nil
}

// filesPath is where the embedded stack serves holders' files, as S3
// serves a bucket: presigned form posts and presigned downloads.
const filesPath = "/files"

// lifecycle is the documents bucket's lifecycle rules as the disk's sweep
// applies them (template.yaml's DocumentsBucket has the same): uploads
// never checked go after a day, documents after the policy's keepDays.
func lifecycle(pol *policy.Policy) map[string]time.Duration {
	return map[string]time.Duration{"uploads/": 24 * time.Hour, "documents/": time.Duration(pol.Attachments.KeepDays) * 24 * time.Hour}
}

// awsFiles is the documents bucket on S3: DocumentsBucket, or one created
// on the endpoint (moto_server), addressed in the path as it needs.
func (s *Stack) awsFiles(ctx context.Context, awsCfg aws.Config) (files.Store, error) {
	cfg := s.cfg
	client := s3files.NewClient(awsCfg, cfg.AWSEndpoint != "")
	bucket := cfg.DocumentsBucket
	if bucket == "" {
		if cfg.AWSEndpoint == "" {
			return nil, errors.New("no documents bucket: set DOCUMENTS_BUCKET against AWS")
		}
		bucket = cfg.TableName + "-documents"
		if err := s3files.CreateBucket(ctx, client, bucket); err != nil {
			return nil, fmt.Errorf("create documents bucket: %w", err)
		}
	}
	return s3files.New(client, bucket), nil
}

// capture sends through SES and keeps a copy in the local outbox, so that
// /dev/outbox shows what went out whatever the backend.
type capture struct {
	primary mail.Sender
	outbox  *mail.Outbox
}

func (c capture) Send(ctx context.Context, m mail.Message) (string, error) {
	id, err := c.primary.Send(ctx, m)
	if err == nil {
		_, _ = c.outbox.Send(ctx, m)
	}
	return id, err
}

func (s *Stack) goRun(f func()) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); f() }()
}

// SigningKey is the key of the local JWT authorizer (tests forge tokens with it).
func (s *Stack) SigningKey() []byte { return s.key }

// UnsubscribeToken is the token of the unsubscribe link a reminder of
// topic to the account would carry (what the mail sender puts in it).
func (s *Stack) UnsubscribeToken(ctx context.Context, audience, id, topic string) (string, error) {
	return s.prefs.Token(ctx, emailprefs.Account{Audience: audience, ID: id}, topic)
}

// Close stops serving, waits for in-flight work, and closes the data file.
func (s *Stack) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.cancel()
	s.wg.Wait()
	return errors.Join(err, s.db.Close())
}

package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stripe/stripe-go/v86/webhook"
	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/badges/vcjwt"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/credits"
	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/files/diskfiles"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/stripepay"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// FuzzRequestBody sends any body to every operation of openapi.yaml that
// takes one (bodyCases; the first argument picks the operation), through
// the Lambda handlers, the real services and the embedded table, and checks:
//
//   - no answer is a 5xx, and every answer conforms to its operation in
//     openapi.yaml (a status it documents, a body its schema accepts);
//   - a 4xx has SPEC §6's error shape and changes nothing: the table holds
//     exactly what it held before and no message went to any queue.
//
// Each input runs against the same seeded table (it is rebuilt after any
// write), so that a failure reproduces from its input alone. Payment
// events are signed with the test secret, so that parsing is reached.
func FuzzRequestBody(f *testing.F) {
	w := newBodyWorld(f)
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		w.check(t, op, body)
	})
}

// TestRequestBodySeeds keeps the committed corpus useful: for every
// operation it holds a body that succeeds and one that is refused.
func TestRequestBodySeeds(t *testing.T) {
	w := newBodyWorld(t)
	dir := filepath.Join("testdata", "fuzz", "FuzzRequestBody")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ok := make([]bool, len(w.cases))
	refused := make([]bool, len(w.cases))
	ran := 0
	for _, e := range entries {
		op, body, err := readBodySeed(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		i := int(op) % len(w.cases)
		status := 0
		t.Run(e.Name(), func(t *testing.T) {
			ran++
			status = w.check(t, op, body)
			t.Logf("%s: %d", w.cases[i].name, status)
			// The harness itself: what a creation writes must show in the digest.
			if (status == http.StatusCreated || status == http.StatusAccepted) && !w.dirty {
				t.Errorf("%s answered %d, yet the table did not change", w.cases[i].name, status)
			}
		})
		switch {
		case status >= 200 && status < 300:
			ok[i] = true
		case status >= 400 && status < 500:
			refused[i] = true
		}
	}
	if ran < len(entries) {
		return // -run chose some seeds: the corpus as a whole is not judged
	}
	for i, c := range w.cases {
		if !ok[i] {
			t.Errorf("no seed of operation %d (%s) succeeds", i, c.name)
		}
		if !refused[i] {
			t.Errorf("no seed of operation %d (%s) is refused", i, c.name)
		}
	}
}

// readBodySeed reads a corpus file of FuzzRequestBody: the format line,
// byte(...) and []byte("...").
func readBodySeed(path string) (uint8, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || lines[0] != "go test fuzz v1" {
		return 0, nil, fmt.Errorf("not a two-value corpus file")
	}
	arg := func(line, prefix string) (string, error) {
		inner, okPrefix := strings.CutPrefix(strings.TrimSpace(line), prefix+"(")
		inner, okSuffix := strings.CutSuffix(inner, ")")
		if !okPrefix || !okSuffix {
			return "", fmt.Errorf("want %s(...), got %q", prefix, line)
		}
		return inner, nil
	}
	lit, err := arg(lines[1], "byte")
	if err != nil {
		return 0, nil, err
	}
	if len(lit) < 3 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		return 0, nil, fmt.Errorf("operation %s: want a character literal", lit)
	}
	op, _, rest, err := strconv.UnquoteChar(lit[1:len(lit)-1], '\'')
	if err != nil || rest != "" || op > 255 {
		return 0, nil, fmt.Errorf("operation %s: not a byte", lit)
	}
	lit, err = arg(lines[2], "[]byte")
	if err != nil {
		return 0, nil, err
	}
	body, err := strconv.Unquote(lit)
	if err != nil {
		return 0, nil, fmt.Errorf("body: %w", err)
	}
	return uint8(op), []byte(body), nil
}

const fuzzWebhookSecret = "whsec_fuzz_test_secret"

// bodyCase is one operation with a body, with a caller entitled to it and
// path parameters naming seeded records it can act on.
type bodyCase struct {
	name        string
	method      string
	template    string // the path as in openapi.yaml
	path        string
	params      map[string]string // path parameters, as API Gateway sends them
	query       string
	sub, groups string // the caller; "" for none
	contentType string
	sign        bool // sign the body as the payment provider does
}

// bodyWorld is every API on one embedded table, seeded through the
// services as of 10 March 2027:
//
//   - holders ana (subject h1) and bo (h2), members holding CAM;
//   - provider Acme (p1) with program A approved and held on 20 February
//     (attendance may be reported), program B in review, program C a draft;
//   - bo's submission of two activities for the 2028 renewal in review;
//     ana has none.
type bodyWorld struct {
	dir      string
	template []byte // the seeded bbolt file
	baseline [32]byte
	db       *bbolt.DB
	table    *swapTable
	clock    *fuzzClock
	policy   *policy.Policy
	ids      *seqIDs
	sent     *sentMessages
	logs     *bytes.Buffer
	apis     map[string]*API // by route key
	cases    []bodyCase
	dirty    bool
	files    int
}

// swapTable lets every service keep its table while the file under it is
// replaced by a fresh copy of the seeded one.
type swapTable struct{ table.Table }

type fuzzClock struct{ t time.Time }

func (c *fuzzClock) Now() time.Time { return c.t }

// seqIDs numbers IDs per prefix, so that every run of an input sees the
// same ones and the corpus can name the seeded records.
type seqIDs struct{ n, base map[string]int }

func (s *seqIDs) next(prefix string) string {
	s.n[prefix]++
	return fmt.Sprintf("%s-%010d", prefix, s.n[prefix])
}

func (s *seqIDs) rewind() { s.n = maps.Clone(s.base) }

// sentMessages keeps what reached each queue.
type sentMessages struct{ bodies map[string][]string }

type queueSink struct {
	name string
	sent *sentMessages
}

func (q queueSink) Send(_ context.Context, body string) (string, error) {
	q.sent.bodies[q.name] = append(q.sent.bodies[q.name], body)
	return fmt.Sprintf("%s-%d", q.name, len(q.sent.bodies[q.name])), nil
}

func (s *sentMessages) count() int {
	n := 0
	for _, b := range s.bodies {
		n += len(b)
	}
	return n
}

// take returns and forgets the messages sent to queue.
func (s *sentMessages) take(queue string) []string {
	b := s.bodies[queue]
	delete(s.bodies, queue)
	return b
}

func newBodyWorld(tb testing.TB) *bodyWorld {
	tb.Helper()
	w := &bodyWorld{
		dir:   tb.TempDir(),
		table: &swapTable{},
		clock: &fuzzClock{t: time.Date(2027, 1, 4, 15, 0, 0, 0, time.UTC)},
		ids:   &seqIDs{n: map[string]int{}},
		sent:  &sentMessages{bodies: map[string][]string{}},
		logs:  &bytes.Buffer{},
		apis:  map[string]*API{},
	}
	tb.Cleanup(func() {
		if w.db != nil {
			w.db.Close()
		}
	})
	if err := w.open(nil); err != nil {
		tb.Fatal(err)
	}
	pol, err := app.LoadPolicy("")
	if err != nil {
		tb.Fatal(err)
	}
	w.policy = pol
	log := slog.New(slog.NewTextHandler(w.logs, nil))
	queues := map[string]outbox.Sender{}
	for _, q := range []string{notify.Queue, programs.ValidationQueue, programs.FeeQueue, attendance.Queue, submissions.Queue, payments.Queue} {
		queues[q] = queueSink{name: q, sent: w.sent}
	}
	deps := app.Deps{Table: w.table, Queues: queues, Clock: w.clock, Policy: pol, Log: log, NewID: w.ids.next}
	acc := deps.Accounts()
	progs := deps.Programs(&payments.Simulator{BaseURL: "http://127.0.0.1:9"})
	subs := deps.Submissions()
	att := deps.Attendance(nil)
	ren := deps.Renewals(nil)
	opts := Options{Logger: log}
	prefs := deps.EmailPrefs(secrets.Value("the fuzz world's unsubscribe key"))
	var apis []*API
	for _, mk := range []func() (*API, error){
		func() (*API, error) {
			return NewAccountsAPI(acc, w.clock, ren, deps.HolderImport(), deps.Undeliverable(), prefs, opts)
		},
		func() (*API, error) { return NewProgramsAPI(progs, opts) },
		func() (*API, error) { return NewAttendanceAPI(att, opts) },
		func() (*API, error) {
			return NewRecordsAPI(RecordServices{Attendance: att, Renewals: ren, Transcript: deps.Transcript(), Programs: progs,
				Ledger: deps.Ledger(), PaymentIssues: deps.PaymentIssues(), Dashboard: deps.Dashboard()}, Drawings{}, w.clock, opts)
		},
		func() (*API, error) {
			return NewCecAPI(deps.Transcript(), subs, ren, opts)
		},
		func() (*API, error) {
			return NewDocumentsAPI(deps.Documents(fileStore(tb, w.clock.Now)), opts)
		},
		func() (*API, error) {
			return NewPaymentWebhookAPI(deps.PaymentWebhook(stripepay.Verifier{Secret: secrets.Value(fuzzWebhookSecret)}), opts)
		},
		func() (*API, error) {
			is := deps.BadgeIssuer("https://api.example.org")
			return NewBadgesAPI(deps.Badges(is, vcjwt.Sealer{Issuer: is, Signer: vcjwt.KeySigner{Key: fuzzBadgeKey(tb)}}), opts)
		},
	} {
		api, err := mk()
		if err != nil {
			tb.Fatal(err)
		}
		apis = append(apis, api)
	}
	for _, api := range apis {
		for _, k := range api.RouteKeys() {
			w.apis[k] = api
		}
	}

	ids := w.seed(tb, acc, progs, subs, att, ren)
	token, err := prefs.Token(context.Background(), emailprefs.Account{Audience: emailprefs.Holder, ID: ids.ana}, "renewal_due")
	if err != nil {
		tb.Fatal(err)
	}
	// The corpus names a case by its index: add new ones at the end.
	w.cases = []bodyCase{
		{name: "createHolder", method: "POST", template: "/holders", sub: "n1"},
		{name: "updateMyContact", method: "PUT", template: "/holders/me/contact", sub: "h1", groups: "[holder]"},
		{name: "setHolderCredentials", method: "PUT", template: "/holders/{holderId}/credentials", path: "/holders/" + ids.ana + "/credentials", sub: "s1", groups: "[staff]"},
		{name: "createProvider", method: "POST", template: "/providers", sub: "n1"},
		{name: "createProgram", method: "POST", template: "/programs", sub: "p1", groups: "[provider]"},
		{name: "editProgram", method: "PUT", template: "/programs/{programId}", path: "/programs/" + ids.draft, sub: "p1", groups: "[provider]"},
		{name: "decideProgram", method: "POST", template: "/programs/{programId}/decision", path: "/programs/" + ids.inReview + "/decision", sub: "s1", groups: "[staff]"},
		{name: "reportAttendance (JSON)", method: "POST", template: "/programs/{programId}/attendance", path: "/programs/" + ids.held + "/attendance", sub: "p1", groups: "[provider]"},
		{name: "reportAttendance (JSON, dry run)", method: "POST", template: "/programs/{programId}/attendance", path: "/programs/" + ids.held + "/attendance", query: "dryRun=true", sub: "p1", groups: "[provider]"},
		{name: "reportAttendance (CSV)", method: "POST", template: "/programs/{programId}/attendance", path: "/programs/" + ids.held + "/attendance", sub: "p1", groups: "[provider]", contentType: "text/csv"},
		{name: "submitCecs", method: "POST", template: "/holders/me/submissions", sub: "h1", groups: "[holder]"},
		{name: "decideSubmission", method: "POST", template: "/submissions/{submissionId}/decision", path: "/submissions/" + ids.submission + "/decision", sub: "s1", groups: "[staff]"},
		{name: "receivePaymentEvent", method: "POST", template: "/webhooks/payments", sign: true},
		{name: "correctAttendance", method: "POST", template: "/programs/{programId}/attendance/{uploadId}/corrections",
			path: "/programs/" + ids.held + "/attendance/" + ids.upload + "/corrections", sub: "p1", groups: "[provider]"},
		{name: "setRenewalLapse", method: "PUT", template: "/holders/{holderId}/renewals/{year}/lapse",
			path: "/holders/" + ids.ana + "/renewals/2027/lapse", sub: "s1", groups: "[staff]"},
		{name: "importHolders (CSV)", method: "POST", template: "/holder-imports", sub: "s1", groups: "[staff]", contentType: "text/csv"},
		{name: "resumeUndeliverableEmail", method: "POST", template: "/undeliverable-emails/resume", sub: "s1", groups: "[staff]"},
		{name: "startDocument", method: "POST", template: "/holders/me/documents", sub: "h1", groups: "[holder]"},
		{name: "provideSubmissionDocuments", method: "POST", template: "/holders/me/submissions/{submissionId}/documents",
			path: "/holders/me/submissions/" + ids.submission + "/documents", sub: "h2", groups: "[holder]"},
		{name: "verifyBadge", method: "POST", template: "/badges/verify"},
		{name: "revokeHolderBadge", method: "POST", template: "/holders/{holderId}/badges/{kind}/{key}/revoke",
			path: "/holders/" + ids.bo + "/badges/program/" + ids.held + "/revoke", sub: "s1", groups: "[staff]"},
		{name: "notePaymentIssue", method: "POST", template: "/review/payment-issues/{issueId}/notes",
			path: "/review/payment-issues/evt_seeded_short/notes", sub: "s1", groups: "[staff]"},
		{name: "setMyEmailPreferences", method: "PUT", template: "/holders/me/email-preferences", sub: "h1", groups: "[holder]"},
		{name: "setProviderEmailPreferences", method: "PUT", template: "/providers/me/email-preferences", sub: "p1", groups: "[provider]"},
		{name: "unsubscribe (form)", method: "POST", template: "/unsubscribe/{token}", path: "/unsubscribe/" + token,
			contentType: "application/x-www-form-urlencoded"},
		{name: "unsubscribe (multipart)", method: "POST", template: "/unsubscribe/{token}", path: "/unsubscribe/" + token,
			contentType: "multipart/form-data; boundary=fuzz-boundary"},
	}
	for i := range w.cases {
		c := &w.cases[i]
		if c.path == "" {
			c.path = c.template
		}
		if c.contentType == "" {
			c.contentType = "application/json"
		}
		if w.apis[c.method+" "+c.template] == nil {
			tb.Fatalf("no API serves %s %s", c.method, c.template)
		}
		e := gatewayEvent(tb, c.method, c.path)
		if e.RouteKey != c.method+" "+c.template {
			tb.Fatalf("%s: %s %s matches route %q, not %s", c.name, c.method, c.path, e.RouteKey, c.template)
		}
		c.params = e.PathParameters
	}
	// Every operation that takes a body, in every media type it takes, has a case.
	doc, err := apispec.Spec()
	if err != nil {
		tb.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			for mt := range op.RequestBody.Value.Content {
				if !slices.ContainsFunc(w.cases, func(c bodyCase) bool {
					got, _, _ := mime.ParseMediaType(c.contentType)
					return c.method == method && c.template == path && got == mt
				}) {
					tb.Fatalf("%s %s takes %s bodies: add a case to FuzzRequestBody", method, path, mt)
				}
			}
		}
	}

	var buf bytes.Buffer
	if err := w.db.View(func(tx *bbolt.Tx) error { _, err := tx.WriteTo(&buf); return err }); err != nil {
		tb.Fatal(err)
	}
	w.template = buf.Bytes()
	if w.baseline, err = w.hash(); err != nil {
		tb.Fatal(err)
	}
	w.ids.base = maps.Clone(w.ids.n)
	return w
}

// seededIDs are the records the cases act on.
type seededIDs struct{ ana, bo, draft, inReview, held, submission, upload string }

// seed builds the world through the services, as the API and the queue
// consumers would, so that the records are what production writes.
func (w *bodyWorld) seed(tb testing.TB, acc *accounts.Service, progs *programs.Service, subs *submissions.Service, att *attendance.Service, ren *renewals.Service) seededIDs {
	tb.Helper()
	ctx := context.Background()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	staff := identity.Caller{Sub: "s1", Roles: []string{identity.RoleStaff}}
	var ids seededIDs
	chicago, err := time.LoadLocation("America/Chicago")
	must(err)
	kit := testkit.Accounts{Service: acc, Staff: staff}
	for _, h := range []struct{ sub, first string }{{"h1", "Ana"}, {"h2", "Bo"}} {
		hd := kit.Holder(tb, identity.Caller{Sub: h.sub, Roles: []string{identity.RoleHolder}},
			accounts.NewHolder{FirstName: h.first, LastName: "Lima", Email: strings.ToLower(h.first) + "@example.com"},
			testkit.Credentials("2020-01-01", "CAM"))
		if h.sub == "h1" {
			ids.ana = hd.ID
		}
	}
	p1 := identity.Caller{Sub: "p1", Roles: []string{identity.RoleProvider}}
	kit.Provider(tb, p1, accounts.NewProvider{Name: "Acme Institute", ContactName: "Ann Admin",
		Email: "office@acme.example", Phone: "+1 312 555 0100",
		Address: accounts.Address{Line1: "1 Lake St", City: "Chicago", Region: "IL", PostalCode: "60601", Country: "US"}})

	// The step consumers are fed what reached their queues.
	seeded := testkit.Programs{Service: progs, Provider: p1, Staff: staff, Next: w.sent.take, PaymentRef: "cs_seed"}
	program := func(month time.Month, day int, upTo programs.Status) string {
		starts := time.Date(2027, month, day, 9, 0, 0, 0, chicago)
		ends := starts.Add(8 * time.Hour)
		return seeded.Reach(tb, programs.Content{Title: "Fair housing update", Description: "What changed this year.",
			Format: programs.InPerson, StartsAt: &starts, EndsAt: &ends, TimeZone: "America/Chicago",
			Location: "Hilton, Chicago", ContactHours: cec.Hours(600), Objectives: []string{"Know the rules"},
			Instructors: []string{"A. Teacher"}, Compliance: true, CalendarOptIn: true}, upTo).ID
	}
	ids.held = program(time.February, 20, programs.Approved)
	ids.inReview = program(time.May, 1, programs.InReview)
	ids.draft = program(time.June, 1, programs.Draft)

	w.clock.t = time.Date(2027, 3, 10, 15, 0, 0, 0, time.UTC)
	sub, err := subs.Submit(ctx, identity.Caller{Sub: "h2", Roles: []string{identity.RoleHolder}}, submissions.NewSubmission{
		RenewalYear: 2028, Activities: []credits.Activity{
			{Kind: "association_course", Title: "Leasing", Organisation: "Chapter", Date: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
				Hours: cec.Hours(600), Compliance: true, DocumentationType: "certificate_of_completion", DocumentationRef: "cert-1"},
			{Kind: "association_course", Title: "Marketing", Organisation: "Chapter", Date: time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC),
				Hours: cec.Hours(200), DocumentationType: "certificate_of_completion", DocumentationRef: "cert-2"}}})
	must(err)
	for _, m := range w.sent.take(submissions.Queue) {
		must(subs.Review(ctx, m))
	}
	ids.submission = sub.ID
	// Program A's attendance: Bo credited by an upload, which corrections change.
	p1c := identity.Caller{Sub: "p1", Roles: []string{identity.RoleProvider}}
	bo, err := acc.MyHolder(ctx, identity.Caller{Sub: "h2", Roles: []string{identity.RoleHolder}})
	must(err)
	// Bo's checked file, which Bo may attach to the submission.
	must(store.NewDocuments(w.table).Create(ctx, documents.Document{ID: "DOC-FUZZ0001", HolderID: bo.ID, Name: "certificate.pdf",
		ContentType: "application/pdf", Size: 1200, SHA256: "00", Status: documents.Ready, CreatedAt: w.clock.t,
		CheckedAt: w.clock.t, KeepUntil: w.clock.t.AddDate(3, 0, 0), Version: 1}))
	row := fmt.Sprintf("%s\n%s,%s,Bo,Lima,2027-02-20\n", roster.Header, ids.held, bo.ID)
	up, _, err := att.Report(ctx, p1c, ids.held, 0, "csv", func() (attendance.Rows, error) {
		return roster.NewReader(strings.NewReader(row), 0)
	}, false)
	must(err)
	for msgs := w.sent.take(attendance.Queue); len(msgs) > 0; msgs = w.sent.take(attendance.Queue) {
		for _, m := range msgs {
			must(att.CreditChunk(ctx, m))
		}
	}
	ids.upload = up.ID
	ids.bo = bo.ID
	// Bo downloaded the program's badge: staff may revoke it.
	_, err = store.NewBadges(w.table).Record(ctx, bo.ID, badges.Program, ids.held, time.Date(2027, 2, 20, 0, 0, 0, 0, time.UTC),
		"urn:uuid:00000000-0000-4000-8000-00000000f022", w.clock.t)
	must(err)
	// Ana's 2027 renewal invoice, unpaid (staff may reverse its lapse).
	ana, err := acc.MyHolder(ctx, identity.Caller{Sub: "h1", Roles: []string{identity.RoleHolder}})
	must(err)
	_, _, err = ren.EnsureInvoice(ctx, ana, 2027)
	must(err)
	// She paid $1 short: a mismatch in staff's queue of payment issues.
	_, _, err = ren.Settle(ctx, renewals.InvoiceID(ana.ID, 2027), renewals.Payment{EventID: "evt_seeded_short", Kind: renewals.PaymentSucceeded,
		Reference: "cs_seeded", AmountCents: 12400, Currency: "USD"})
	must(err)
	// Bo's address bounced: staff may start mailing it again.
	_, err = store.NewUndeliverable(w.table).Mark(ctx, undeliverable.Address{Email: "bo@example.com", Reason: undeliverable.NoMailbox,
		At: w.clock.t, FeedbackID: "fb-seed"})
	must(err)
	w.sent.bodies = map[string][]string{}
	return ids
}

// open replaces the table's file with a fresh one holding data (nil: empty).
func (w *bodyWorld) open(data []byte) error {
	if w.db != nil {
		path := w.db.Path()
		if err := w.db.Close(); err != nil {
			return err
		}
		os.Remove(path)
	}
	w.files++
	path := filepath.Join(w.dir, fmt.Sprintf("t%d.db", w.files))
	if data != nil {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		return err
	}
	bt, err := table.NewBolt(db, table.WithBoltNow(w.clock.Now))
	if err != nil {
		db.Close()
		return err
	}
	w.db, w.table.Table = db, bt
	return nil
}

// hash digests every bucket, key and value of the file.
func (w *bodyWorld) hash() ([32]byte, error) {
	h := sha256.New()
	var walk func(b *bbolt.Bucket) error
	walk = func(b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			fmt.Fprintf(h, "%d:%s", len(k), k)
			if v == nil {
				h.Write([]byte{'{'})
				if err := walk(b.Bucket(k)); err != nil {
					return err
				}
				h.Write([]byte{'}'})
				return nil
			}
			fmt.Fprintf(h, "%d:%s", len(v), v)
			return nil
		})
	}
	err := w.db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			fmt.Fprintf(h, "bucket %d:%s{", len(name), name)
			if err := walk(b); err != nil {
				return err
			}
			h.Write([]byte{'}'})
			return nil
		})
	})
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, err
}

// check sends body to operation op and checks the answer; it returns the status.
func (w *bodyWorld) check(t *testing.T, op uint8, body []byte) int {
	t.Helper()
	c := w.cases[int(op)%len(w.cases)]
	if w.dirty {
		if err := w.open(w.template); err != nil {
			t.Fatal(err)
		}
	}
	w.dirty = true // until the digest says otherwise
	w.ids.rewind()
	w.sent.bodies = map[string][]string{}
	w.logs.Reset()

	resp, err := w.apis[c.method+" "+c.template].Handle(context.Background(), c.event(body))
	if err != nil {
		t.Fatalf("%s: Handle returned an error: %v", c.name, err)
	}
	after, err := w.hash()
	if err != nil {
		t.Fatal(err)
	}
	w.dirty = after != w.baseline
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s with body %q: %s\nanswer %d %s\nlog:\n%s", c.name, body, fmt.Sprintf(format, args...),
			resp.StatusCode, resp.Body, w.logs.String())
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		if !json.Valid([]byte(resp.Body)) {
			fail("a success whose body is not JSON")
		}
		// RFC 8259: JSON is UTF-8. Go's decoder would store U+FFFD in
		// place of the bytes sent, so a success would keep other data.
		if c.contentType == contentTypeJSON && !utf8.Valid(body) {
			fail("a JSON body that is not UTF-8 was accepted")
		}
		// Issue 13: no text people typed carries a control or text-direction
		// character (the payment provider's events aside), and no
		// self-reported activity is dated after today or claims more than
		// the policy's bound.
		var decoded any
		if c.contentType == contentTypeJSON && !c.sign && json.Unmarshal(body, &decoded) == nil {
			var hidden []fault.Detail
			hiddenText(decoded, nil, &hidden)
			if len(hidden) > 0 {
				fail("accepted text with a control or text-direction character at %v", hidden)
			}
		}
		if c.name == "submitCecs" {
			var in struct {
				Activities []struct {
					Date  string
					Hours json.Number
				}
			}
			_ = json.Unmarshal(body, &in)
			for _, a := range in.Activities {
				h, err := cec.Parse(a.Hours.String())
				if a.Date > w.clock.Now().Format(time.DateOnly) || err != nil || h > w.policy.Renewal.MaxActivityCECs {
					fail("accepted an activity dated %s of %s CECs (today %s)", a.Date, a.Hours, w.clock.Now().Format(time.DateOnly))
				}
			}
		}
	case s >= 400 && s < 500:
		if err := errorShape(resp); err != nil {
			fail("not SPEC §6's error shape: %v", err)
		}
		if w.dirty {
			fail("refused, yet the table changed")
		}
		if n := w.sent.count(); n > 0 {
			fail("refused, yet %d messages went to queues: %v", n, w.sent.bodies)
		}
	default:
		fail("status %d", s)
	}
	if err := c.conforms(resp); err != nil {
		fail("the answer does not conform to openapi.yaml: %v", err)
	}
	return resp.StatusCode
}

// event is the request as API Gateway delivers it for this route. A body
// that is not UTF-8 travels base64-encoded, as API Gateway sends binary.
func (c bodyCase) event(body []byte) events.APIGatewayV2HTTPRequest {
	key := c.method + " " + c.template
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: key, RawPath: c.path, RawQueryString: c.query, PathParameters: c.params,
		Headers: map[string]string{"host": "api.example.test", "content-type": c.contentType},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "fuzz", RouteKey: key, Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: c.method, Path: c.path}},
		Body: string(body),
	}
	if !utf8.Valid(body) {
		e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	if c.sub != "" {
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": c.sub, "email": c.sub + "@example.test", "cognito:groups": c.groups}}}
	}
	if c.sign {
		e.Headers["stripe-signature"] = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
			Payload: body, Secret: fuzzWebhookSecret, Timestamp: time.Now()}).Header
	}
	return e
}

// errorShape checks SPEC §6: exactly {"error": {"code", "message", "details": [...]}}.
func errorShape(resp events.APIGatewayV2HTTPResponse) error {
	if ct := resp.Headers["content-type"]; ct != contentTypeJSON {
		return fmt.Errorf("content-type %q", ct)
	}
	var doc struct {
		Error *struct {
			Code    string          `json:"code"`
			Message string          `json:"message"`
			Details *[]fault.Detail `json:"details"`
		} `json:"error"`
	}
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	if doc.Error == nil || doc.Error.Code == "" || doc.Error.Message == "" || doc.Error.Details == nil {
		return fmt.Errorf("error, code, message or details missing")
	}
	for _, d := range *doc.Error.Details {
		if d.Message == "" {
			return fmt.Errorf("a detail without a message: %+v", d)
		}
	}
	return nil
}

// conforms validates the answer against the operation in openapi.yaml.
func (c bodyCase) conforms(resp events.APIGatewayV2HTTPResponse) error {
	doc, err := apispec.Spec()
	if err != nil {
		return err
	}
	item := doc.Paths.Value(c.template)
	route := &routers.Route{Spec: doc, Path: c.template, PathItem: item, Method: c.method, Operation: item.GetOperation(c.method)}
	q, _ := url.ParseQuery(c.query)
	req := &http.Request{Method: c.method, URL: &url.URL{Path: c.path, RawQuery: c.query}, Header: http.Header{}}
	body := resp.Body
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return err
		}
		body = string(b)
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, QueryParams: q,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  resp.StatusCode,
		Header:  http.Header{"Content-Type": {resp.Headers["content-type"]}},
		Body:    io.NopCloser(strings.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// FuzzCalendarQuery reads the public calendar (no token) over the real
// service and embedded table with any from and to: every answer is a 200 or
// a 400 with SPEC §6's shape, never a 5xx (issue 13, class 3: an unbounded
// range once answered 500), and a read writes nothing.
func FuzzCalendarQuery(f *testing.F) {
	w := newBodyWorld(f)
	for _, seed := range [][2]string{
		{"", ""}, {"2027-01-01T00:00:00Z", "2027-06-01T00:00:00-05:00"}, {"9999-12-31T23:59:59Z", ""},
		{"", "0001-01-01T00:00:00Z"}, {"2027-01-01T00:00:00+24:00", ""}, {"2199-12-31T23:59:59Z", ""},
		{"1900-01-01T00:00:00Z", "1901-12-31T00:00:00Z"}, {"2027-03-02T00:00:00", ""}, {"x", "y"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		if w.dirty {
			if err := w.open(w.template); err != nil {
				t.Fatal(err)
			}
		}
		q := url.Values{}
		if from != "" {
			q.Set("from", from)
		}
		if to != "" {
			q.Set("to", to)
		}
		e := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /calendar", RawPath: "/calendar", RawQueryString: q.Encode(),
			Headers: map[string]string{"host": "api.example.test"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "fuzz", RouteKey: "GET /calendar", Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/calendar"}}}
		resp, err := w.apis["GET /calendar"].Handle(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		after, err := w.hash()
		if err != nil {
			t.Fatal(err)
		}
		w.dirty = after != w.baseline
		switch {
		case resp.StatusCode == 200:
		case resp.StatusCode == 400:
			if err := errorShape(resp); err != nil {
				t.Fatalf("from %q to %q: %v", from, to, err)
			}
		default:
			t.Fatalf("from %q to %q: status %d %s", from, to, resp.StatusCode, resp.Body)
		}
		if w.dirty {
			t.Fatalf("from %q to %q: reading the calendar changed the table", from, to)
		}
	})
}

// fileStore is a files.Store on disk that nothing serves: the routes
// presign against it, and no file ever arrives.
func fileStore(tb testing.TB, now func() time.Time) files.Store {
	d, err := diskfiles.New(tb.TempDir(), "http://127.0.0.1:9/files", bytes.Repeat([]byte{3}, 32), now)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

var (
	badgeKeyOnce sync.Once
	badgeKey     *rsa.PrivateKey
)

// fuzzBadgeKey is the badges' signing key of the fuzz world (made once:
// an RSA key takes a while).
func fuzzBadgeKey(tb testing.TB) *rsa.PrivateKey {
	badgeKeyOnce.Do(func() {
		var err error
		if badgeKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return badgeKey
}

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/daily"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/reminders"
	"github.com/cecportal/cecportal/internal/renewals"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// TestDailyJobsAtScale (make bench-daily; skipped unless
// CECPORTAL_DAILY_HOLDERS is set) runs the daily jobs as AWS runs them, at
// scale: N holders with credentials, their renewal invoices issued on one
// day, then all their 30-day reminders (renewal and CECs) on one day; every
// table call and every queue call waits CECPORTAL_DAILY_LATENCY (10 ms);
// the daily work queue's pieces run on 8 workers at once (DailyWorker's
// MaximumConcurrency), each piece an invocation with 60 s (DailyWorker's
// Timeout), and CECPORTAL_DAILY_KILLS of them (5 %) die at a random call,
// their message delivered again later. It checks that every invoice and
// every reminder is there exactly once, that no invocation ran over 60 s,
// and reports the wall time, the longest invocation and the busiest
// partition's writes a second (docs/performance.md#daily-jobs-at-scale).
//
// The table is the embedded one (bbolt), not DynamoDB on moto: moto copies
// a table's state in every transaction and serialises them, so that with 8
// pieces at once a single call took over a minute at 200 holders (tried:
// pieces past their deadline); the latency stands for DynamoDB's and SQS's.
// The DynamoDB and SQS adapters' part in the pieces is proved end to end on
// moto by infra/local (TestLocalStack_AWSBackend, DailyJobs).
func TestDailyJobsAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CECPORTAL_DAILY_HOLDERS"))
	if n <= 0 {
		t.Skip("set CECPORTAL_DAILY_HOLDERS (make bench-daily)")
	}
	latency := 10 * time.Millisecond
	if d, err := time.ParseDuration(os.Getenv("CECPORTAL_DAILY_LATENCY")); err == nil {
		latency = d
	}
	kills := 0.05
	if f, err := strconv.ParseFloat(os.Getenv("CECPORTAL_DAILY_KILLS"), 64); err == nil {
		kills = f
	}
	ctx := context.Background()
	raw, pol := testkit.TempTable(t, testkit.NoSync), testkit.Policy(t)
	ny := pol.Association.Location()
	ids := make([]string, n)
	acc := NewAccounts(raw)
	for i := range n {
		ids[i] = fmt.Sprintf("H-%08d", i)
		if err := acc.CreateHolder(ctx, accounts.Holder{ID: ids[i], Sub: "sub-" + ids[i], FirstName: "Holder", LastName: ids[i],
			Email: ids[i] + "@example.org", Credentials: []accounts.Credential{{Code: "CAS", EarnedOn: "2020-01-01"}}}); err != nil {
			t.Fatal(err)
		}
	}
	w := &scaleWorld{t: t, latency: latency, kills: kills}
	tbl := &slowTable{Table: raw, w: w}
	w.work, w.mail = &memQueue{w: w}, &memQueue{w: w}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	relay := outbox.NewRelay(NewOutbox(tbl), map[string]outbox.Sender{daily.Queue: w.work, notify.Queue: w.mail}, log).WithGrace(time.Second)

	// 2 November 2026: the 2027 invoices.
	clk := clock.Fixed(time.Date(2026, 11, 2, 6, 0, 0, 0, ny))
	ren := &renewals.Service{Store: NewRenewals(tbl), Holders: NewAccounts(tbl), Shards: RenewableShards, Links: NewAccounts(tbl),
		Records: NewSubmissions(tbl), Policy: pol, Clock: clk, Relay: relay, Pieces: NewPieces(tbl), Log: log}
	if planned, err := ren.IssueDue(ctx); err != nil || planned != 1 {
		t.Fatalf("plan the sweep: %d, %v", planned, err)
	}
	w.run("renewal invoices", daily.Worker{renewals.Job: ren.Handle}, relay)
	for _, id := range ids {
		if _, err := raw.Get(ctx, invoiceKey(renewals.InvoiceID(id, 2027))); err != nil {
			t.Fatalf("no 2027 invoice of %s: %v", id, err)
		}
	}

	// 2 December 2026, 30 days before 1 January: every holder's renewal
	// and CEC reminders (nobody has earned a CEC).
	clk = clock.Fixed(time.Date(2026, 12, 2, 7, 0, 0, 0, ny))
	rem := &reminders.Service{Store: NewReminders(tbl), Pieces: NewPieces(tbl), CECs: &renewals.Service{Store: NewRenewals(tbl),
		Records: NewSubmissions(tbl), Policy: pol, Clock: clk}, Policy: pol, Clock: clk, Relay: relay, Log: log}
	if planned, err := rem.Run(ctx); err != nil || planned != 1 {
		t.Fatalf("plan the reminders: %d, %v", planned, err)
	}
	w.mail.reset() // the mail queue holds the reminders from here on
	w.run("reminders", daily.Worker{reminders.Job: rem.Handle}, relay)
	want := map[string]bool{}
	for _, id := range ids {
		for _, reason := range []string{reminders.ReasonRenewal, reminders.ReasonCECs} {
			job := reminders.JobID(reason, renewals.InvoiceID(id, 2027), "d30")
			want[job] = true
			if _, err := raw.Get(ctx, reminderKey(job)); err != nil {
				t.Fatalf("no reminder %s: %v", job, err)
			}
		}
	}
	sent := map[string]int{}
	for _, body := range w.mail.all() {
		var j notify.Job
		if err := json.Unmarshal([]byte(body), &j); err != nil {
			t.Fatal(err)
		}
		sent[j.ID]++
	}
	again := 0
	for id, c := range sent {
		if !want[id] {
			t.Fatalf("an unexpected mail job %s", id)
		}
		again += c - 1
	}
	if len(sent) != len(want) {
		t.Fatalf("%d mail jobs of %d reminders reached the mail queue", len(sent), len(want))
	}
	// A mail job sent twice by the relay (a kill between its send and its
	// deletion) is sent once by the mail sender, whose ledger keeps its ID.
	t.Logf("mail jobs sent again by the relay (the mail sender sends them once): %d", again)
	most, where := w.busiest()
	t.Logf("busiest partition: %d writes in one second (%s)", most, where)
	if w.longest > 60*time.Second {
		t.Fatalf("an invocation ran %v, over 60 s", w.longest)
	}
}

// scaleWorld is the daily jobs' AWS as the test plays it.
type scaleWorld struct {
	t          *testing.T
	latency    time.Duration
	kills      float64
	work, mail *memQueue

	mu      sync.Mutex
	longest time.Duration
	// The writes of each partition in the current second, and the most
	// any partition took in one second so far (memory stays that of one
	// second's partitions: most items are partitions of their own).
	second    int64
	writes    map[string]int
	most      int
	mostWhere string
}

// run does the daily work queue's pieces on 8 workers until none is left
// (nor any outbox entry a killed piece left), and reports.
func (w *scaleWorld) run(job string, worker daily.Worker, relay *outbox.Relay) {
	w.t.Helper()
	start := time.Now()
	var invocations, killed, outOfTime, failed atomic.Int64
	for {
		w.drain(worker, relay, &invocations, &killed, &outOfTime, &failed)
		// A last sweep: what it sends is worked off in turn.
		sent, err := relay.WithGrace(0).Sweep(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		if sent == 0 && w.work.idle() {
			break
		}
	}
	w.t.Logf("%s: %v wall, %d invocations (%d killed at a random call, %d out of time, %d failed otherwise), longest invocation %v",
		job, time.Since(start).Round(time.Second), invocations.Load(), killed.Load(), outOfTime.Load(), failed.Load(), w.longest.Round(time.Millisecond))
	if failed.Load() > 0 {
		w.t.Errorf("%d invocations failed for another reason than a kill", failed.Load())
	}
}

// drain runs 8 workers until the daily work queue is idle, with the
// relay's sweep every second sending what a killed piece wrote and did not
// send.
func (w *scaleWorld) drain(worker daily.Worker, relay *outbox.Relay, invocations, killed, outOfTime, failed *atomic.Int64) {
	stop, swept := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(swept)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				if _, err := relay.Sweep(context.Background()); err != nil {
					w.t.Errorf("sweep: %v", err)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				m, ok := w.work.receive()
				if !ok {
					if w.work.idle() {
						return
					}
					time.Sleep(20 * time.Millisecond)
					continue
				}
				invocations.Add(1)
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				if rand.Float64() < w.kills {
					left := new(atomic.Int64)
					left.Store(int64(1 + rand.IntN(30)))
					ctx = context.WithValue(ctx, killKey{}, left)
					killed.Add(1)
				}
				began := time.Now()
				err := worker.Handle(ctx, m.body)
				took := time.Since(began)
				cancel()
				w.mu.Lock()
				w.longest = max(w.longest, took)
				w.mu.Unlock()
				switch {
				case err == nil:
					w.work.ack(m)
				case daily.IsOutOfTime(err):
					outOfTime.Add(1)
					w.work.nack(m)
				default:
					if !errors.Is(err, errKilled) {
						failed.Add(1)
						w.t.Logf("a piece failed: %v", err)
					}
					w.work.nack(m)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-swept
}

// wait is one call's latency, and the death of an invocation whose count
// of calls left ran out.
func (w *scaleWorld) wait(ctx context.Context) error {
	time.Sleep(w.latency)
	if left, ok := ctx.Value(killKey{}).(*atomic.Int64); ok && left.Add(-1) < 0 {
		return errKilled
	}
	return nil
}

// wrote counts a write on partition pk in this second.
func (w *scaleWorld) wrote(pk string) {
	s := time.Now().Unix()
	w.mu.Lock()
	defer w.mu.Unlock()
	if s != w.second {
		w.second, w.writes = s, map[string]int{}
	}
	w.writes[pk]++
	if c := w.writes[pk]; c > w.most {
		w.most, w.mostWhere = c, pk
	}
}

func (w *scaleWorld) busiest() (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.most, w.mostWhere
}

type killKey struct{}

var errKilled = errors.New("killed")

// slowTable is the table with the world's latency and kills, counting the
// writes of each partition (the item's, and its index entries').
type slowTable struct {
	table.Table
	w *scaleWorld
}

func (s *slowTable) Get(ctx context.Context, k table.Key) (table.Item, error) {
	if err := s.w.wait(ctx); err != nil {
		return nil, err
	}
	return s.Table.Get(ctx, k)
}

func (s *slowTable) Query(ctx context.Context, q table.Query) (table.Page, error) {
	if err := s.w.wait(ctx); err != nil {
		return table.Page{}, err
	}
	return s.Table.Query(ctx, q)
}

func (s *slowTable) BatchGet(ctx context.Context, keys []table.Key) ([]table.Item, error) {
	if err := s.w.wait(ctx); err != nil {
		return nil, err
	}
	return s.Table.BatchGet(ctx, keys)
}

func (s *slowTable) Write(ctx context.Context, ops ...table.Op) error {
	if err := s.w.wait(ctx); err != nil {
		return err
	}
	err := s.Table.Write(ctx, ops...)
	if err == nil {
		for _, op := range ops {
			s.count(op.Key, op.Item)
		}
	}
	return err
}

func (s *slowTable) BatchWrite(ctx context.Context, puts []table.Item, deletes []table.Key) error {
	if err := s.w.wait(ctx); err != nil {
		return err
	}
	err := s.Table.BatchWrite(ctx, puts, deletes)
	if err == nil {
		for _, it := range puts {
			s.count(table.Key{}, it)
		}
		for _, k := range deletes {
			s.count(k, nil)
		}
	}
	return err
}

func (s *slowTable) count(k table.Key, item table.Item) {
	if item != nil {
		k = table.KeyOf(item)
		for _, attr := range []string{"GSI1PK", "GSI2PK"} {
			if v, ok := item[attr].(*types.AttributeValueMemberS); ok {
				s.w.wrote(attr[:4] + " " + v.Value)
			}
		}
	}
	if k.PK != "" {
		s.w.wrote(k.PK)
	}
}

// memQueue is an SQS queue as the workers see it: a message received is
// hidden until acknowledged, or visible again shortly after a failure.
type memQueue struct {
	w        *scaleWorld
	mu       sync.Mutex
	next     int
	visible  []queued
	inFlight map[int]queued
	sent     []string
}

type queued struct {
	id   int
	body string
}

func (q *memQueue) Send(ctx context.Context, body string) (string, error) {
	if err := q.w.wait(ctx); err != nil {
		return "", err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	q.visible = append(q.visible, queued{id: q.next, body: body})
	q.sent = append(q.sent, body)
	return strconv.Itoa(q.next), nil
}

func (q *memQueue) receive() (queued, bool) {
	time.Sleep(q.w.latency)
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.visible) == 0 {
		return queued{}, false
	}
	m := q.visible[0]
	q.visible = q.visible[1:]
	if q.inFlight == nil {
		q.inFlight = map[int]queued{}
	}
	q.inFlight[m.id] = m
	return m, true
}

func (q *memQueue) ack(m queued) {
	time.Sleep(q.w.latency)
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, m.id)
}

// nack makes m visible again after a short while (SQS: the visibility
// timeout; short here, so that the run does not wait for it).
func (q *memQueue) nack(m queued) {
	go func() {
		time.Sleep(100 * time.Millisecond)
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.inFlight, m.id)
		q.visible = append(q.visible, m)
	}()
}

func (q *memQueue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.visible) == 0 && len(q.inFlight) == 0
}

func (q *memQueue) all() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.sent...)
}

func (q *memQueue) reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent, q.visible = nil, nil
}

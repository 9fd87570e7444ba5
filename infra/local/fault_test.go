package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/localstack"
	"github.com/cecportal/cecportal/internal/notify"
)

// soak selects the long variants of the fault and load tests (`make soak`);
// `make test` runs the short ones.
var soak = os.Getenv("CECPORTAL_SOAK") != ""

// faultVisibility is the queues' visibility timeout of the stack the fault
// test kills.
const faultVisibility = 12 * time.Second

// TestFault_KillDuringCrediting is the fault test: the local stack
// (`make run`'s command, built and run as a child process) is killed with
// SIGKILL while it credits an attendance upload, and started again on the
// same data directory. When the upload is done every row has exactly one
// result, the expected one, the totals reconcile, and every holder's
// transcript holds the program once if their row was accepted and not at
// all otherwise: nothing lost, nothing doubled. Short: 2,000 rows, one kill;
// soak: 10,000 rows, five kills at random points.
func TestFault_KillDuringCrediting(t *testing.T) {
	rows, holders, kills := 2000, 200, 1
	if soak {
		rows, holders, kills = 10000, 2000, 5
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 8))
	start := time.Now()
	p := startProc(t, buildStack(t))
	c := &client{t: t, base: p.url}
	acme := c.acmeProvider()
	staff := c.token("sub-staff", "staff", "office@example.org")
	const hours = 3
	program := approvedProgram(t, c, acme, staff, hours)
	programAt := time.Since(start)
	accounts := createHolders(t, p.url, holders)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)
	ro := newRoster(rng, program, accounts, rows)
	t.Logf("set-up in %v (build, start and approved program %v, %d holders through POST /holders %v); roster of %d rows, %d to accept (seed %d)",
		time.Since(start).Round(time.Millisecond), programAt.Round(time.Millisecond), holders,
		(time.Since(start) - programAt).Round(time.Millisecond), rows, ro.accepted, seed)

	var acc struct {
		UploadID string `json:"uploadId"`
	}
	c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv", ro.csv, 202, &acc)
	upload := "/programs/" + program + "/attendance/" + acc.UploadID

	// Kill once some chunks are credited and others are not, at a random
	// moment of the next chunk; after a restart, wait for crediting to move
	// on and kill again.
	progress := func() (done, chunks int) {
		var st struct{ Chunks, ChunksDone int }
		c.do("GET", upload+"?limit=1", acme, nil, 200, &st)
		return st.ChunksDone, st.Chunks
	}
	base, landed := 0, 0
	restarted := time.Now()
	for k := range kills {
		target := base + 1
		if k > 0 {
			target += rng.IntN(3)
		}
		var done, chunks int
		resumed := time.Duration(0)
		for done, chunks = progress(); done < target && done < chunks; done, chunks = progress() {
			if resumed == 0 && done > base {
				resumed = time.Since(restarted)
			}
		}
		if resumed == 0 {
			resumed = time.Since(restarted)
		}
		if k > 0 {
			t.Logf("restart %d: crediting moved on %v after it", k, resumed.Round(time.Millisecond))
		}
		if done >= chunks {
			t.Logf("kill %d: crediting finished (%d chunks) before the kill point", k+1, chunks)
			break
		}
		delay := time.Duration(rng.IntN(60)) * time.Millisecond
		time.Sleep(delay)
		p.kill()
		landed++
		restarted = time.Now()
		p.start()
		after, _ := progress()
		t.Logf("kill %d: SIGKILL %v after chunk %d of %d was seen recorded; %d recorded after the restart",
			k+1, delay, done, chunks, after)
		if after < done {
			t.Fatalf("after the restart %d chunks are recorded, before the kill %d were", after, done)
		}
		base = after
	}
	if landed == 0 {
		t.Fatal("no kill landed while crediting was under way")
	}
	res := c.waitForUploadWithin(acme, program, acc.UploadID, 3*time.Minute)
	t.Logf("upload done %v after the last restart (a chunk in flight at a kill comes back after the queue's %v visibility "+
		"timeout; a next-chunk message a kill kept in the outbox, after the relay's 10 s grace)", time.Since(restarted).Round(time.Millisecond), faultVisibility)

	// Every row has one result, the expected one.
	results := uploadRows(c, acme, upload)
	if len(results) != rows {
		t.Errorf("%d row results, want %d", len(results), rows)
	}
	wrong := 0
	for line, want := range ro.verdicts {
		got, ok := results[line]
		if !ok || got != want {
			if wrong++; wrong <= 10 {
				t.Errorf("row %d: %q, want %q", line, got, want)
			}
		}
	}
	if wrong > 0 {
		t.Fatalf("%d rows of %d have a missing or wrong result", wrong, rows)
	}
	var tot struct {
		Rows, Accepted, Rejected int
		RejectedByReason         map[string]int
	}
	raw, _ := json.Marshal(res["totals"])
	_ = json.Unmarshal(raw, &tot)
	if tot.Rows != rows || tot.Accepted != ro.accepted || tot.Accepted+tot.Rejected != tot.Rows ||
		fmt.Sprint(tot.RejectedByReason) != fmt.Sprint(ro.byReason) {
		t.Fatalf("totals %+v, want %d rows, %d accepted, rejected by reason %v", tot, rows, ro.accepted, ro.byReason)
	}

	// Every holder is credited once if accepted, never otherwise.
	credited := transcriptCounts(t, p.url, accounts, program, hours)
	bad := 0
	for _, h := range accounts {
		if want := ro.credited[h.id]; credited[h.id] != want {
			if bad++; bad <= 10 {
				t.Errorf("holder %s has the program %d times on the transcript, want %d", h.id, credited[h.id], want)
			}
		}
	}
	total := 0
	for _, n := range credited {
		total += n
	}
	if bad > 0 || total != ro.accepted {
		t.Fatalf("%d credits on transcripts for %d accepted rows (%d holders wrong)", total, ro.accepted, bad)
	}
	var dlq struct{ Queues []struct{ Count int } }
	c.do("GET", "/dev/dlq", "", nil, 200, &dlq)
	for _, q := range dlq.Queues {
		if q.Count != 0 {
			t.Fatalf("dead letters after the kills: %+v", dlq)
		}
	}
	t.Logf("%d rows, %d kills: %d credits for %d accepted rows, %d rejected, every row once; %v in all",
		rows, landed, total, ro.accepted, tot.Rejected, time.Since(start).Round(time.Millisecond))
}

// TestLocalStack_PoisonMessage puts a message its consumer always fails
// straight on two of the stack's queues, beside good work, and follows it to
// the dead-letter queue and /dev/dlq, then redrives it.
func TestLocalStack_PoisonMessage(t *testing.T) {
	// Visibility 2 s instead of 30 s, so that five deliveries take seconds.
	ctx := context.Background()
	st, err := localstack.Start(ctx, localstack.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Visibility: 2 * time.Second},
		app.Logger("ERROR", io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &client{t: t, base: st.URL}

	poison := map[string]string{notify.Queue: "not a mail job", attendance.Queue: `{"uploadId":"","chunk":0}`}
	for name, body := range poison {
		q, err := st.Queue(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.Send(ctx, body); err != nil {
			t.Fatal(err)
		}
	}
	// Good work around it: a welcome email and an upload, credited.
	acme := c.acmeProvider()
	staff := c.token("sub-staff", "staff", "office@example.org")
	program := approvedProgram(t, c, acme, staff, 2)
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var h struct{ HolderID string }
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &h)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)
	var acc struct{ UploadID string }
	c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv",
		"Program ID,Holder ID,First Name,Last Name,Completion Date\n"+program+","+h.HolderID+",Ana,Lima,2027-03-10\n", 202, &acc)
	if got := verdictsOf(c.waitForUpload(acme, program, acc.UploadID)); got != "2:ok" {
		t.Fatalf("upload beside the poison: %s", got)
	}
	c.waitForEmails("ana@example.com", 1)

	type dlqView struct {
		Queue, DeadLetterQueue string
		MaxReceives, Count     int
		Messages               []struct {
			MessageID, Body, SentAt, DeadLetteredAt string
			ReceiveCount                            int
		}
	}
	deadline := time.Now().Add(40 * time.Second)
	var all struct{ Queues []dlqView }
	for {
		c.do("GET", "/dev/dlq", "", nil, 200, &all)
		n := 0
		for _, q := range all.Queues {
			n += q.Count
		}
		if n >= len(poison) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead-letter queues after 40 s: %+v", all)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, q := range all.Queues {
		body, isPoison := poison[q.Queue]
		switch {
		case !isPoison && q.Count != 0:
			t.Errorf("queue %s has %d dead letters, want none: %+v", q.Queue, q.Count, q)
		case isPoison && (q.Count != 1 || len(q.Messages) != 1 || q.Messages[0].Body != body ||
			q.Messages[0].ReceiveCount != q.MaxReceives || q.MaxReceives != 5 || q.DeadLetterQueue != q.Queue+"-dlq"):
			t.Errorf("queue %s: %+v, want the poison %q after 5 receives", q.Queue, q, body)
		}
	}
	var one dlqView
	c.do("GET", "/dev/dlq/"+notify.Queue+"?limit=5", "", nil, 200, &one)
	if one.Count != 1 || one.Messages[0].Body != poison[notify.Queue] {
		t.Fatalf("/dev/dlq/mail: %+v", one)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/dev/dlq/nowhere", 404, "unknown_queue"},
		{"POST", "/dev/dlq/nowhere/redrive", 404, "unknown_queue"},
		{"GET", "/dev/dlq/mail?limit=many", 400, "invalid_request"},
		{"GET", "/dev/dlq?limit=-1", 400, "invalid_request"},
	} {
		if status, e := c.raw(tc.method, tc.path, "", "", ""); status != tc.status || e.Error.Code != tc.code {
			t.Errorf("%s %s: %d %+v, want %d %s", tc.method, tc.path, status, e, tc.status, tc.code)
		}
	}

	// Redrive: the message goes round again (and, still poison, will fail).
	var moved struct {
		Queue string
		Moved int
	}
	c.do("POST", "/dev/dlq/"+notify.Queue+"/redrive", "", nil, 200, &moved)
	c.do("GET", "/dev/dlq/"+notify.Queue, "", nil, 200, &one)
	if moved.Moved != 1 || moved.Queue != notify.Queue || one.Count != 0 {
		t.Fatalf("redrive %+v, then %+v; want 1 moved and none left", moved, one)
	}
	c.do("GET", "/dev/dlq/"+attendance.Queue, "", nil, 200, &one)
	if one.Count != 1 {
		t.Fatalf("redriving mail touched %s: %+v", attendance.Queue, one)
	}
}

// stackProc is the local stack as a child process, on a fixed address and
// data directory across restarts.
type stackProc struct {
	t        *testing.T
	bin, dir string
	addr     string
	url      string
	logPath  string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// buildStack builds `make run`'s command once per test.
func buildStack(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the local stack: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "cecportal-local")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the local stack: %v\n%s", err, out)
	}
	return bin
}

func startProc(t *testing.T, bin string) *stackProc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	p := &stackProc{t: t, bin: bin, dir: filepath.Join(dir, "data"), addr: addr, url: "http://" + addr, logPath: filepath.Join(dir, "stack.log")}
	t.Cleanup(func() {
		if p.cmd != nil {
			p.kill()
		}
		if t.Failed() {
			if raw, err := os.ReadFile(p.logPath); err == nil {
				t.Logf("local stack log (last 4 KB):\n%s", raw[max(0, len(raw)-4096):])
			}
		}
	})
	p.start()
	return p
}

// start runs the stack and waits until it answers /health.
func (p *stackProc) start() {
	p.t.Helper()
	logs, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	defer logs.Close()
	cmd := exec.Command(p.bin)
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "CECPORTAL_") || strings.HasPrefix(kv, "TABLE_NAME=") || strings.HasPrefix(kv, "PORT=")
	})
	// A 12 s visibility timeout instead of 30 s: a chunk in flight at a kill
	// comes back sooner; the consumers' own timeout (2 s) is still far above
	// a chunk's work.
	cmd.Env = append(env, "CECPORTAL_ADDR="+p.addr, "CECPORTAL_DATA="+p.dir, "CECPORTAL_BACKEND=embedded", "LOG_LEVEL=WARN",
		"CECPORTAL_QUEUE_VISIBILITY="+faultVisibility.String())
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start the local stack: %v", err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.exited:
			p.cmd = nil
			p.t.Fatalf("the local stack exited at start (log in %s)", p.logPath)
		default:
		}
		if status, _, err := call(p.url, "GET", "/health", "", "", nil); err == nil && status == 200 {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatal("the local stack did not answer /health within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown, no flush, no deferred function runs.
func (p *stackProc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("kill the local stack: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.t.Fatal("the local stack outlived SIGKILL by 10 s")
	}
	p.cmd = nil
}

// httpClient is shared by every goroutine of these tests: enough idle
// connections for the load test's clients, and a bound on each request.
var httpClient = &http.Client{
	Timeout:   60 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: 30 * time.Second},
}

// call is a request that any goroutine may make: it reports instead of
// failing the test.
func call(base, method, path, token, ctype string, body []byte) (int, []byte, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("content-type", ctype)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// callJSON sends v as JSON and decodes a 2xx answer into out.
func callJSON(base, method, path, token string, v, out any) (int, error) {
	var body []byte
	ctype := ""
	if v != nil {
		body, _ = json.Marshal(v)
		ctype = "application/json"
	}
	status, raw, err := call(base, method, path, token, ctype, body)
	if err != nil {
		return status, err
	}
	if status/100 != 2 {
		return status, fmt.Errorf("%s %s: %d %s", method, path, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return status, fmt.Errorf("%s %s: decode %s: %w", method, path, raw, err)
		}
	}
	return status, nil
}

// holderAccount is a holder created through the API, with its token.
type holderAccount struct {
	id, first, last, token string
}

// inParallel calls fn(i) for every i in [0, n), eight at a time, and
// returns the first error.
func inParallel(n int, fn func(i int) error) error {
	var mu sync.Mutex
	var first error
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// createHolders creates n guest holders through POST /holders, eight at a time.
func createHolders(t *testing.T, base string, n int) []holderAccount {
	t.Helper()
	out := make([]holderAccount, n)
	err := inParallel(n, func(i int) error {
		sub := fmt.Sprintf("fault-holder-%05d", i)
		var tok struct{ Token string }
		if _, err := callJSON(base, "POST", "/dev/token", "", map[string]any{"sub": sub, "role": "holder"}, &tok); err != nil {
			return err
		}
		h := holderAccount{first: "Ana" + strconv.Itoa(i), last: "Lima", token: tok.Token}
		var created struct{ HolderID string }
		if _, err := callJSON(base, "POST", "/holders", tok.Token, map[string]any{"firstName": h.first, "lastName": h.last,
			"email": sub + "@example.com"}, &created); err != nil {
			return err
		}
		h.id = created.HolderID
		out[i] = h
		return nil
	})
	if err != nil {
		t.Fatalf("create holders: %v", err)
	}
	return out
}

// faultRoster is a generated roster and the verdict each row must get.
type faultRoster struct {
	csv      string
	verdicts map[int]string // spreadsheet line → "ok" or the reason
	credited map[string]int // holder → credits the upload must leave
	accepted int
	byReason map[string]int
}

// newRoster mixes, in random order, one correct row for five holders in six
// and, for the rest of n, rows SPEC §2 refuses: unknown holders, names that
// do not match, completion dates outside the program, correct rows of
// holders already on the roster. The verdicts follow from the order.
func newRoster(rng *rand.Rand, program string, hs []holderAccount, n int) faultRoster {
	type spec struct {
		h      int // index into hs, or -1
		first  string
		date   string
		holder string
	}
	var specs []spec
	good := len(hs) * 5 / 6
	for i := range good {
		specs = append(specs, spec{h: i, first: hs[i].first, date: "2027-03-10"})
	}
	for len(specs) < n {
		switch rng.IntN(4) {
		case 0: // unknown holder
			specs = append(specs, spec{h: -1, holder: fmt.Sprintf("H-NONE%06d", rng.IntN(1e6)), first: "Cy", date: "2027-03-10"})
		case 1: // name mismatch, any holder
			i := rng.IntN(len(hs))
			specs = append(specs, spec{h: i, first: "Bo" + strconv.Itoa(i), date: "2027-03-10"})
		case 2: // completed outside the program's dates
			i := rng.IntN(len(hs))
			specs = append(specs, spec{h: i, first: hs[i].first, date: "2027-03-01"})
		case 3: // a correct row again: only the first of a holder counts
			i := rng.IntN(good)
			specs = append(specs, spec{h: i, first: hs[i].first, date: "2027-03-10"})
		}
	}
	rng.Shuffle(len(specs), func(i, j int) { specs[i], specs[j] = specs[j], specs[i] })
	r := faultRoster{verdicts: map[int]string{}, credited: map[string]int{}, byReason: map[string]int{}}
	var b strings.Builder
	b.WriteString("Program ID,Holder ID,First Name,Last Name,Completion Date\n")
	for i, s := range specs {
		line := i + 2
		last, verdict := "Lima", ""
		if s.h >= 0 {
			s.holder = hs[s.h].id
		}
		switch {
		case s.h < 0:
			verdict = attendance.ReasonHolderNotFound
		case s.first != hs[s.h].first:
			verdict = attendance.ReasonNameMismatch
		case s.date != "2027-03-10":
			verdict = attendance.ReasonOutsideProgram
		case r.credited[s.holder] > 0:
			verdict = attendance.ReasonDuplicateInFile
		default:
			verdict = "ok"
			r.credited[s.holder] = 1
			r.accepted++
		}
		if verdict != "ok" {
			r.byReason[verdict]++
		}
		r.verdicts[line] = verdict
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s\n", program, s.holder, s.first, last, s.date)
	}
	r.csv = b.String()
	return r
}

// uploadRows reads every page of an upload's row results: line → "ok" or
// the reason. A line twice fails the test.
func uploadRows(c *client, token, upload string) map[int]string {
	c.t.Helper()
	out := map[int]string{}
	cursor := ""
	for {
		var page struct {
			Rows []struct {
				Row      int
				Accepted bool
				Reason   string
			}
			NextCursor string
		}
		path := upload + "?limit=1000"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		c.do("GET", path, token, nil, 200, &page)
		for _, r := range page.Rows {
			if _, dup := out[r.Row]; dup {
				c.t.Fatalf("row %d has two results", r.Row)
			}
			out[r.Row] = r.Reason
			if r.Accepted {
				out[r.Row] = "ok"
			}
		}
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

// transcriptCounts reads each holder's 2028 transcript (CECs earned in
// 2027) and counts the entries of program, each of which must carry its
// hours.
func transcriptCounts(t *testing.T, base string, hs []holderAccount, program string, hours float64) map[string]int {
	t.Helper()
	var mu sync.Mutex
	out := map[string]int{}
	err := inParallel(len(hs), func(i int) error {
		h := hs[i]
		var tr struct {
			Entries []struct {
				ID    string
				Hours float64
			}
		}
		if _, err := callJSON(base, "GET", "/holders/me/transcript?year=2028", h.token, nil, &tr); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range tr.Entries {
			if e.ID != program {
				continue
			}
			out[h.id]++
			if e.Hours != hours {
				return fmt.Errorf("holder %s: the program credits %v hours, want %v", h.id, e.Hours, hours)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read transcripts: %v", err)
	}
	return out
}

func (c *client) waitForUploadWithin(token, program, upload string, within time.Duration) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var res map[string]any
		c.do("GET", "/programs/"+program+"/attendance/"+upload+"?limit=1", token, nil, 200, &res)
		if res["status"] == "done" {
			return res
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("upload %s still %v after %v (%v of %v chunks)", upload, res["status"], within, res["chunksDone"], res["chunks"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLoad drives the local stack with concurrent clients on loopback, each
// a holder, a provider or staff doing what the web forms do, mixed reads and
// writes, as fast as the stack answers, for a fixed time. Then every write
// that was acknowledged (2xx) is read back through the API. It fails on any
// 5xx, any transport error, any 4xx (every request is valid) and any write
// that cannot be read back, and logs latency percentiles per kind of
// request. Short: 20 clients for 2 s, in process; soak: 200 clients for
// 30 s against `make run`'s command as a child process, without the race
// detector.
func TestLoad(t *testing.T) {
	clients, dur, uploaders := 20, 2*time.Second, 1
	var base string
	if soak {
		clients, dur, uploaders = 200, 30*time.Second, 2
		base = startProc(t, buildStack(t)).url
	} else {
		base = startStack(t, nil).URL
	}
	const maxOpsPerClient = 100_000 // a bound on count as well as on time
	c := &client{t: t, base: base}
	staff := c.token("sub-staff", "staff", "office@example.org")

	// Set-up, not measured: providers with an approved program for the
	// uploads, a few holders to report, the clock in the reporting window.
	setup := time.Now()
	var lcs []*loadClient
	for i := range uploaders {
		sub := fmt.Sprintf("load-uploader-%d", i)
		tok := c.token(sub, "provider", sub+"@example.org")
		c.do("POST", "/providers", tok, map[string]any{"name": "Uploader " + sub, "contactName": "Dee Dunn", "email": sub + "@example.org",
			"phone": "+1 202 555 0142", "address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, 201, nil)
		lcs = append(lcs, &loadClient{role: "provider", sub: sub, token: tok, registered: true, program: approvedProgram(t, c, tok, staff, 2)})
	}
	attendees := createHolders(t, base, 5)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)
	for i := len(lcs); i < clients; i++ {
		role := []string{"holder", "holder", "holder", "holder", "holder", "holder", "provider", "provider", "provider", "staff"}[i%10]
		sub := fmt.Sprintf("load-%s-%03d", role, i)
		lcs = append(lcs, &loadClient{role: role, sub: sub, token: c.token(sub, role, sub+"@example.org"), registered: role == "staff"})
	}
	t.Logf("set-up %v: %d clients (%d uploaders with an approved program)", time.Since(setup).Round(time.Millisecond), clients, uploaders)

	rec := &loadRecorder{ops: map[string]*opStats{}}
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for i, lc := range lcs {
		lc.base, lc.rec, lc.attendees = base, rec, attendees
		lc.rng = rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			lc.run(deadline, maxOpsPerClient)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	// Every acknowledged write is there.
	checks, lost := verifyWrites(t, lcs)
	total, writes := rec.report(t, elapsed)
	t.Logf("%d clients for %v: %d requests, %.0f requests/s; %d writes acknowledged (2xx), then %d read-backs of what they wrote "+
		"(each account, its last contact phone, each draft with its last title and in its provider's list, each upload done and reconciling): %d lost",
		clients, elapsed.Round(time.Millisecond), total.n, float64(total.n)/elapsed.Seconds(), writes, checks, len(lost))
	for _, l := range lost[:min(len(lost), 10)] {
		t.Errorf("lost write: %s", l)
	}
	if total.s5xx > 0 || total.errs > 0 || total.s4xx > 0 {
		t.Errorf("%d responses 5xx, %d 4xx, %d transport errors; want none", total.s5xx, total.s4xx, total.errs)
		for _, s := range rec.samples {
			t.Log(s)
		}
	}
}

// loadClient is one person at a web form.
type loadClient struct {
	role, sub, token string
	base             string
	rng              *rand.Rand
	rec              *loadRecorder
	attendees        []holderAccount

	registered bool
	holderID   string
	phone      string // the contact phone last acknowledged
	providerID string
	programs   map[string]string // draft ID → title last acknowledged
	drafts     []string
	program    string // approved, for the uploaders
	uploads    []string
	uploadRows int
}

type loadOp struct {
	kind   string
	weight int
	run    func(lc *loadClient) (status int, err error)
}

var holderOps = []loadOp{
	{"holder: GET /holders/me", 20, func(lc *loadClient) (int, error) { return lc.get("/holders/me") }},
	{"holder: GET status", 20, func(lc *loadClient) (int, error) { return lc.get("/holders/me/status?year=2028") }},
	{"holder: GET transcript", 20, func(lc *loadClient) (int, error) { return lc.get("/holders/me/transcript?year=2028") }},
	{"holder: PUT contact (write)", 15, func(lc *loadClient) (int, error) {
		phone := fmt.Sprintf("+1 703 555 %04d", lc.rng.IntN(10000))
		status, err := lc.send("PUT", "/holders/me/contact", map[string]any{"phone": phone}, nil)
		if err == nil {
			lc.phone = phone
		}
		return status, err
	}},
	{"anyone: GET /calendar", 10, func(lc *loadClient) (int, error) {
		return lc.get("/calendar?from=" + url.QueryEscape("2027-01-01T00:00:00Z") + "&to=" + url.QueryEscape("2028-01-01T00:00:00Z"))
	}},
}

var providerOps = []loadOp{
	{"provider: POST /programs (write)", 15, func(lc *loadClient) (int, error) {
		title := fmt.Sprintf("Load course %s %d", lc.sub, len(lc.drafts))
		var p struct{ ProgramID string }
		status, err := lc.send("POST", "/programs", map[string]any{"title": title, "description": "Under load."}, &p)
		if err == nil {
			lc.programs[p.ProgramID] = title
			lc.drafts = append(lc.drafts, p.ProgramID)
		}
		return status, err
	}},
	{"provider: PUT /programs/{id} (write)", 10, func(lc *loadClient) (int, error) {
		if len(lc.drafts) == 0 {
			return 0, errSkip
		}
		id := lc.drafts[lc.rng.IntN(len(lc.drafts))]
		title := fmt.Sprintf("Load course %s edited %d", lc.sub, lc.rng.IntN(1e6))
		status, err := lc.send("PUT", "/programs/"+id, map[string]any{"title": title, "description": "Edited under load."}, nil)
		if err == nil {
			lc.programs[id] = title
		}
		return status, err
	}},
	{"provider: GET /programs", 20, func(lc *loadClient) (int, error) { return lc.get("/programs?limit=20") }},
	{"provider: GET /programs/{id}", 20, func(lc *loadClient) (int, error) {
		if len(lc.drafts) == 0 {
			return 0, errSkip
		}
		return lc.get("/programs/" + lc.drafts[lc.rng.IntN(len(lc.drafts))])
	}},
	{"provider: GET /directory", 15, func(lc *loadClient) (int, error) { return lc.get("/directory?q=lim") }},
	{"provider: POST attendance (write)", 3, func(lc *loadClient) (int, error) {
		if lc.program == "" {
			return 0, errSkip
		}
		var b strings.Builder
		b.WriteString("Program ID,Holder ID,First Name,Last Name,Completion Date\n")
		for _, h := range lc.attendees {
			fmt.Fprintf(&b, "%s,%s,%s,%s,2027-03-10\n", lc.program, h.id, h.first, h.last)
		}
		fmt.Fprintf(&b, "%s,H-NONE%06d,Cy,Cole,2027-03-10\n", lc.program, lc.rng.IntN(1e6))
		var acc struct{ UploadID string }
		status, raw, err := call(lc.base, "POST", "/programs/"+lc.program+"/attendance", lc.token, "text/csv", []byte(b.String()))
		if err == nil && status == 202 {
			if err = json.Unmarshal(raw, &acc); err == nil {
				lc.uploads = append(lc.uploads, acc.UploadID)
				lc.uploadRows = len(lc.attendees) + 1
			}
		} else if err == nil {
			err = fmt.Errorf("POST attendance: %d %s", status, raw)
		}
		return status, err
	}},
}

var staffOps = []loadOp{
	{"staff: GET /review/programs", 50, func(lc *loadClient) (int, error) { return lc.get("/review/programs?status=draft&limit=20") }},
	{"staff: GET /directory", 50, func(lc *loadClient) (int, error) { return lc.get("/directory?q=ana") }},
}

// errSkip means the operation did not apply (no draft yet): pick another.
var errSkip = errors.New("skip")

func (lc *loadClient) run(deadline time.Time, maxOps int) {
	lc.programs = map[string]string{}
	if !lc.registered {
		if !lc.register() {
			return
		}
	}
	ops := map[string][]loadOp{"holder": holderOps, "provider": providerOps, "staff": staffOps}[lc.role]
	sum := 0
	for _, op := range ops {
		sum += op.weight
	}
	for n := 0; n < maxOps && time.Now().Before(deadline); {
		pick := lc.rng.IntN(sum)
		op := ops[0]
		for _, o := range ops {
			if pick -= o.weight; pick < 0 {
				op = o
				break
			}
		}
		t0 := time.Now()
		status, err := op.run(lc)
		if err == errSkip {
			continue
		}
		lc.rec.add(op.kind, time.Since(t0), status, err)
		n++
	}
}

// register is the client's first write: its holder or provider account.
func (lc *loadClient) register() bool {
	t0 := time.Now()
	var status int
	var err error
	var kind string
	if lc.role == "holder" {
		kind = "holder: POST /holders (write)"
		var h struct{ HolderID string }
		status, err = lc.send("POST", "/holders", map[string]any{"firstName": "Load" + lc.sub[len(lc.sub)-3:], "lastName": "Lima",
			"email": lc.sub + "@example.org"}, &h)
		lc.holderID = h.HolderID
	} else {
		kind = "provider: POST /providers (write)"
		var p struct{ ProviderID string }
		status, err = lc.send("POST", "/providers", map[string]any{"name": "Load " + lc.sub, "contactName": "Dee Dunn",
			"email": lc.sub + "@example.org", "phone": "+1 202 555 0142",
			"address": map[string]any{"line1": "9 K St", "city": "Washington", "country": "US"}}, &p)
		lc.providerID = p.ProviderID
	}
	lc.rec.add(kind, time.Since(t0), status, err)
	lc.registered = err == nil
	return lc.registered
}

func (lc *loadClient) get(path string) (int, error) {
	return callJSON(lc.base, "GET", path, lc.token, nil, nil)
}

func (lc *loadClient) send(method, path string, body, out any) (int, error) {
	return callJSON(lc.base, method, path, lc.token, body, out)
}

// verifyWrites reads back, through the API, every write a client had
// acknowledged: accounts, the last contact phone, every draft with its last
// title, every upload done with reconciling totals.
func verifyWrites(t *testing.T, lcs []*loadClient) (checks int, lost []string) {
	t.Helper()
	var mu sync.Mutex
	check := func(ok bool, what string) {
		mu.Lock()
		defer mu.Unlock()
		checks++
		if !ok {
			lost = append(lost, what)
		}
	}
	_ = inParallel(len(lcs), func(i int) error {
		lcs[i].verify(check)
		return nil
	})
	return checks, lost
}

func (lc *loadClient) verify(check func(ok bool, what string)) {
	switch {
	case lc.holderID != "":
		var h struct {
			HolderID string
			Contact  struct{ Phone string }
		}
		_, err := callJSON(lc.base, "GET", "/holders/me", lc.token, nil, &h)
		check(err == nil && h.HolderID == lc.holderID, fmt.Sprintf("holder %s of %s: %v %+v", lc.holderID, lc.sub, err, h))
		if lc.phone != "" {
			check(h.Contact.Phone == lc.phone, fmt.Sprintf("holder %s: phone %q, last written %q", lc.holderID, h.Contact.Phone, lc.phone))
		}
	case lc.providerID != "":
		var p struct{ ProviderID string }
		_, err := callJSON(lc.base, "GET", "/providers/me", lc.token, nil, &p)
		check(err == nil && p.ProviderID == lc.providerID, fmt.Sprintf("provider %s of %s: %v %+v", lc.providerID, lc.sub, err, p))
	}
	for id, title := range lc.programs {
		var p struct{ ProgramID, Title, Status string }
		_, err := callJSON(lc.base, "GET", "/programs/"+id, lc.token, nil, &p)
		check(err == nil && p.Title == title && p.Status == "draft", fmt.Sprintf("program %s: %v %+v, want title %q", id, err, p, title))
	}
	if len(lc.programs) > 0 {
		listed := map[string]bool{}
		cursor := ""
		for {
			path := "/programs?limit=100"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			var page struct {
				Programs   []struct{ ProgramID string }
				NextCursor string
			}
			if _, err := callJSON(lc.base, "GET", path, lc.token, nil, &page); err != nil {
				check(false, fmt.Sprintf("list programs of %s: %v", lc.sub, err))
				break
			}
			for _, p := range page.Programs {
				listed[p.ProgramID] = true
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		for id := range lc.programs {
			check(listed[id], fmt.Sprintf("program %s is missing from GET /programs of %s", id, lc.sub))
		}
	}
	for _, id := range lc.uploads {
		var res struct {
			Status string
			Totals struct{ Rows, Accepted, Rejected int }
		}
		deadline := time.Now().Add(2 * time.Minute)
		var err error
		for {
			_, err = callJSON(lc.base, "GET", "/programs/"+lc.program+"/attendance/"+id+"?limit=1", lc.token, nil, &res)
			if err != nil || res.Status == "done" || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		check(err == nil && res.Status == "done" && res.Totals.Rows == lc.uploadRows && res.Totals.Accepted+res.Totals.Rejected == res.Totals.Rows,
			fmt.Sprintf("upload %s: %v %+v, want done with %d reconciling rows", id, err, res, lc.uploadRows))
	}
}

// loadRecorder collects every request's kind, latency and outcome.
type loadRecorder struct {
	mu      sync.Mutex
	ops     map[string]*opStats
	samples []string // the first few failures, for the log
}

type opStats struct {
	lat                 []time.Duration
	n, s4xx, s5xx, errs int
}

func (r *loadRecorder) add(kind string, d time.Duration, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.ops[kind]
	if s == nil {
		s = &opStats{}
		r.ops[kind] = s
	}
	s.n++
	s.lat = append(s.lat, d)
	switch {
	case status >= 500:
		s.s5xx++
	case status >= 400:
		s.s4xx++
	case err != nil:
		s.errs++
	}
	if err != nil && len(r.samples) < 10 {
		r.samples = append(r.samples, fmt.Sprintf("%s: %v", kind, err))
	}
}

// report logs one line per kind and the total, and returns the total and
// the number of writes acknowledged.
func (r *loadRecorder) report(t *testing.T, elapsed time.Duration) (all opStats, writes int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	kinds := make([]string, 0, len(r.ops))
	for k := range r.ops {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var lines []string
	line := func(kind string, s *opStats) string {
		slices.Sort(s.lat)
		pct := func(p float64) string {
			if len(s.lat) == 0 {
				return "-"
			}
			return fmtMS(s.lat[min(len(s.lat)-1, int(p*float64(len(s.lat))))])
		}
		return fmt.Sprintf("| %s | %d | %.1f | %d | %d | %d | %s | %s | %s | %s |", kind, s.n, float64(s.n)/elapsed.Seconds(),
			s.n-s.s4xx-s.s5xx-s.errs, s.s4xx, s.s5xx+s.errs, pct(0.50), pct(0.90), pct(0.99), pct(1))
	}
	for _, k := range kinds {
		s := r.ops[k]
		lines = append(lines, line(k, s))
		if strings.HasSuffix(k, "(write)") {
			writes += s.n - s.s4xx - s.s5xx - s.errs
		}
		all.n, all.s4xx, all.s5xx, all.errs = all.n+s.n, all.s4xx+s.s4xx, all.s5xx+s.s5xx, all.errs+s.errs
		all.lat = append(all.lat, s.lat...)
	}
	lines = append(lines, line("**all**", &all))
	t.Logf("latency per request kind over %v:\n| request | count | per s | 2xx | 4xx | 5xx or error | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n%s",
		elapsed.Round(time.Millisecond), strings.Join(lines, "\n"))
	return all, writes
}

func fmtMS(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// TestLoad_ContendedHolder writes one holder from many clients at once, as
// a holder saving their contact details in several tabs while staff change
// their credentials: each write reads, changes and writes the holder under
// its version, so most lose a race at first. Every answer must be a 200 or
// a 409 `conflict` with Retry-After (the write lost every retry within its
// budget; issue 13, class 2), never a 5xx; and the contact read back is
// one that a 200 acknowledged.
func TestLoad_ContendedHolder(t *testing.T) {
	writers := 40
	if soak {
		writers = 200
	}
	st := startStack(t, nil)
	c := &client{t: t, base: st.URL}
	h := createHolders(t, st.URL, 1)[0]
	staff := c.token("sub-staff-contended", "staff", "office@example.org")

	type answer struct {
		status int
		code   string
		retry  string
		phone  string
	}
	answers := make([]answer, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var req *http.Request
			phone := fmt.Sprintf("+1 703 555 %04d", i)
			if i%4 == 3 { // a quarter are staff changing credentials
				body := fmt.Sprintf(`{"membership":"member","credentials":[{"code":"CAM","earnedOn":"2019-05-%02d"}]}`, 1+i%28)
				req, _ = http.NewRequest("PUT", st.URL+"/holders/"+h.id+"/credentials", strings.NewReader(body))
				req.Header.Set("authorization", "Bearer "+staff)
				phone = ""
			} else {
				req, _ = http.NewRequest("PUT", st.URL+"/holders/me/contact", strings.NewReader(`{"phone":"`+phone+`"}`))
				req.Header.Set("authorization", "Bearer "+h.token)
			}
			req.Header.Set("content-type", "application/json")
			resp, err := httpClient.Do(req)
			if err != nil {
				answers[i] = answer{code: err.Error()}
				return
			}
			defer resp.Body.Close()
			var e apiError
			raw, _ := io.ReadAll(resp.Body)
			_ = json.Unmarshal(raw, &e)
			answers[i] = answer{status: resp.StatusCode, code: e.Error.Code, retry: resp.Header.Get("retry-after"), phone: phone}
		}()
	}
	wg.Wait()

	byStatus := map[int]int{}
	saved := map[string]bool{}
	for i, a := range answers {
		byStatus[a.status]++
		switch {
		case a.status == 200:
			if a.phone != "" {
				saved[a.phone] = true
			}
		case a.status == 409 && a.code == "conflict" && a.retry != "":
		default:
			t.Errorf("writer %d: status %d code %q retry-after %q; want 200, or 409 conflict with Retry-After", i, a.status, a.code, a.retry)
		}
	}
	t.Logf("%d concurrent writes to one holder: %v (status: count)", writers, byStatus)
	if byStatus[200] == 0 {
		t.Fatal("no write succeeded")
	}
	var me struct {
		Contact struct{ Phone string } `json:"contact"`
	}
	c.do("GET", "/holders/me", h.token, nil, 200, &me)
	if len(saved) > 0 && !saved[me.Contact.Phone] {
		t.Errorf("phone read back %q is none of the acknowledged writes", me.Contact.Phone)
	}
}

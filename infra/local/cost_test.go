package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var updateCost = flag.Bool("update-cost", false, "rewrite the calls-per-endpoint table in docs/performance.md")

// logSink keeps the stack's JSON log lines.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// requestLog is the line internal/httpapi logs for each request.
type requestLog struct {
	Msg      string `json:"msg"`
	Route    string `json:"route"`
	Consumer string `json:"consumer"`
	Status   int    `json:"status"`
	Dynamodb struct {
		Calls int     `json:"calls"`
		ByAPI string  `json:"by_api"`
		RCU   float64 `json:"rcu"`
		WCU   float64 `json:"wcu"`
	} `json:"dynamodb"`
}

func (s *logSink) requests() []requestLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []requestLog
	sc := bufio.NewScanner(bytes.NewReader(s.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r requestLog
		if json.Unmarshal(sc.Bytes(), &r) == nil && (r.Msg == "request" || r.Msg == "message done") {
			out = append(out, r)
		}
	}
	return out
}

// TestLocalStack_CostPerRequest sends every route of openapi.yaml once, in
// the state the authorization matrix builds (newAuthzFixture), as the first
// caller the matrix lets through, and reads the request's DynamoDB calls
// and capacity from its log line (the table adapter's meter). The figures
// are pinned in docs/performance.md: a change to what an endpoint reads or
// writes shows up here and must be documented (-update-cost).
func TestLocalStack_CostPerRequest(t *testing.T) {
	sink := &logSink{}
	st := startStackLogged(t, map[string]string{"LOG_LEVEL": "INFO"}, sink)
	c := &client{t: t, base: st.URL}
	f := newAuthzFixture(t, c, st)

	// The first 2xx of each route while the fixture was built: the figure of
	// the routes the matrix cannot repeat with success (the webhook needs the
	// payment provider's signature, which the simulator gave the fixture's
	// payments; a second submission for a year is refused while one is open).
	fixture := map[string]requestLog{}
	for _, r := range sink.requests() {
		if r.Msg != "request" {
			continue
		}
		if _, seen := fixture[r.Route]; r.Status >= 200 && r.Status < 300 && !seen {
			fixture[r.Route] = r
		}
	}
	cost := map[string]requestLog{}
	for _, row := range authzMatrix {
		who := caller(-1)
		for _, w := range []caller{holderA, providerA, staff, anon} {
			if row.want[w] >= 200 && row.want[w] < 300 {
				who = w
				break
			}
		}
		if who < 0 {
			if r, ok := fixture[row.route]; ok {
				cost[row.route] = r
			} else {
				t.Errorf("%s: no caller of the matrix gets a 2xx, and the fixture made none", row.route)
			}
			continue
		}
		method, _, _ := strings.Cut(row.route, " ")
		before := len(sink.requests())
		status, _, body := c.send(method, row.send(f, who), f.tokens[who], nil)
		if status < 200 || status > 299 {
			t.Errorf("%s as %s: %d %s", row.route, callerNames[who], status, clip(body))
			continue
		}
		for _, r := range sink.requests()[before:] {
			if r.Msg == "request" && r.Route == row.route {
				cost[row.route] = r
			}
		}
		if _, ok := cost[row.route]; !ok {
			t.Errorf("%s: no request line logged", row.route)
		}
	}
	for _, r := range cost {
		if r.Dynamodb.Calls > 0 && r.Dynamodb.RCU+r.Dynamodb.WCU == 0 {
			t.Errorf("%s: %d calls but no capacity: %+v", r.Route, r.Dynamodb.Calls, r.Dynamodb)
		}
	}

	// The queue consumers' messages, for the record (not pinned: how many
	// messages a flow takes depends on timing, e.g. the relay's sweeps).
	type agg struct {
		n        int
		calls    int
		rcu, wcu float64
	}
	consumers := map[string]*agg{}
	for _, r := range sink.requests() {
		if r.Msg != "message done" {
			continue
		}
		a := consumers[r.Consumer]
		if a == nil {
			a = &agg{}
			consumers[r.Consumer] = a
		}
		a.n++
		a.calls += r.Dynamodb.Calls
		a.rcu += r.Dynamodb.RCU
		a.wcu += r.Dynamodb.WCU
	}
	for name, a := range consumers {
		t.Logf("consumer %s: %d messages, per message %.1f calls, %.1f RCU, %.1f WCU", name, a.n,
			float64(a.calls)/float64(a.n), a.rcu/float64(a.n), a.wcu/float64(a.n))
	}

	var b strings.Builder
	b.WriteString("| route | DynamoDB calls | RCU | WCU |\n|---|---|---:|---:|\n")
	for _, row := range authzMatrix {
		r, ok := cost[row.route]
		if !ok {
			continue
		}
		calls := r.Dynamodb.ByAPI
		if calls == "" {
			calls = "none"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %g | %g |\n", row.route, calls, r.Dynamodb.RCU, r.Dynamodb.WCU)
	}
	checkDocRegion(t, "docs/performance.md", "calls-per-endpoint", b.String(), *updateCost,
		"go test ./infra/local -run TestLocalStack_CostPerRequest -update-cost")
}

// checkDocRegion compares the text between the file's begin and end marker
// lines of name with want, or rewrites it when update is set.
func checkDocRegion(t *testing.T, docsFile, name, want string, update bool, how string) {
	t.Helper()
	file := filepath.Join("..", "..", docsFile)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	begin := "<!-- " + name + ": generated by " + how + " -->\n"
	end := "<!-- end of " + name + " -->\n"
	doc := string(raw)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the lines\n%s...\n%s", docsFile, begin, end)
	}
	if got := doc[i+len(begin) : j]; got != want {
		if !update {
			t.Fatalf("%s (%s) differs from what was measured; run %s\nmeasured:\n%s", docsFile, name, how, want)
		}
		if err := os.WriteFile(file, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

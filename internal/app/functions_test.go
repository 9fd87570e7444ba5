package app_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/app"
)

// TestFunctions_WellFormed: each entry of app.Functions says what its kind
// needs, and only that, and names only queues of app.Queues and variables
// Env reads. (infra/templatecheck holds the list against template.yaml.)
func TestFunctions_WellFormed(t *testing.T) {
	queues := map[string]app.Queue{}
	for _, q := range app.Queues {
		queues[q.Name] = q
	}
	known := func(name string) bool {
		err := app.Env{}.Require(name)
		return err == nil || !strings.Contains(err.Error(), "not a variable Env reads")
	}
	ids, dirs, jobs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, fn := range app.Functions {
		t.Run(fn.ID, func(t *testing.T) {
			if fn.ID == "" || fn.Dir == "" || strings.Contains(fn.Dir, "/") {
				t.Fatalf("want an ID and a directory name: %+v", fn)
			}
			if ids[fn.ID] || dirs[fn.Dir] {
				t.Errorf("ID %s or functions/%s is in the list twice", fn.ID, fn.Dir)
			}
			ids[fn.ID], dirs[fn.Dir] = true, true
			if got, ok := app.FunctionByID(fn.ID); !ok || got.Dir != fn.Dir {
				t.Errorf("FunctionByID(%q) = %+v, %v", fn.ID, got, ok)
			}
			switch fn.Kind {
			case app.HTTP:
				if fn.Queue != "" || fn.Schedule != (app.Schedule{}) {
					t.Errorf("an HTTP function has no queue or schedule: %+v", fn)
				}
			case app.Consumer:
				if _, ok := queues[fn.Queue]; !ok {
					t.Errorf("consumes %q, which is not a queue of app.Queues", fn.Queue)
				}
				if fn.Schedule != (app.Schedule{}) {
					t.Errorf("a consumer has no schedule: %+v", fn.Schedule)
				}
			case app.Scheduled:
				s := fn.Schedule
				if fn.Queue != "" {
					t.Errorf("a scheduled function consumes no queue: %q", fn.Queue)
				}
				if s.Job == "" || jobs[s.Job] {
					t.Errorf("job name %q is empty or taken", s.Job)
				}
				jobs[s.Job] = true
				if (s.Every > 0) == s.Daily || (!s.Daily && s.At != 0) || s.At < 0 || s.At >= 24*time.Hour {
					t.Errorf("want Every, or Daily at a time of day: %+v", s)
				}
			default:
				t.Errorf("kind %q is none of HTTP, Consumer, Scheduled", fn.Kind)
			}
			for i, name := range fn.Sends {
				if _, ok := queues[name]; !ok {
					t.Errorf("sends to %q, which is not a queue of app.Queues", name)
				}
				if slices.Contains(fn.Sends[:i], name) {
					t.Errorf("sends to %q twice", name)
				}
			}
			for _, name := range fn.Env {
				if !known(name) {
					t.Errorf("Env names %s, which app.Env does not read", name)
				}
				if name == "TABLE_NAME" || strings.HasSuffix(name, "_QUEUE_URL") {
					t.Errorf("Env names %s: TABLE_NAME is implied, and queue URLs come from Sends", name)
				}
			}
			req := fn.Required()
			if err := app.EnvFrom(func(k string) string { return "set-" + k }).Require(req...); err != nil {
				t.Errorf("Required() = %q: %v", req, err)
			}
			if len(req) != 1+len(fn.Sends)+len(fn.Env) || req[0] != "TABLE_NAME" {
				t.Errorf("Required() = %q, want TABLE_NAME, a URL per queue of %q, then %q", req, fn.Sends, fn.Env)
			}
		})
	}

	t.Run("Queues", func(t *testing.T) {
		names, ids, vars := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, q := range app.Queues {
			if q.Name == "" || names[q.Name] || ids[q.ID] || vars[q.URLVar] {
				t.Errorf("queue %+v: a name, ID or variable is empty or taken", q)
			}
			names[q.Name], ids[q.ID], vars[q.URLVar] = true, true, true
			if !known(q.URLVar) || !strings.HasSuffix(q.URLVar, "_QUEUE_URL") {
				t.Errorf("queue %s: %s is not a *_QUEUE_URL variable app.Env reads", q.Name, q.URLVar)
			}
			var drains []string
			for _, fn := range app.Functions {
				if fn.Kind == app.Consumer && fn.Queue == q.Name {
					drains = append(drains, fn.ID)
				}
			}
			if len(drains) != 1 {
				t.Errorf("queue %s is drained by %q, want exactly one consumer", q.Name, drains)
			}
		}
	})

	t.Run("OutboxRelaySendsToEveryQueue", func(t *testing.T) {
		relay, ok := app.FunctionByID("OutboxRelay")
		if !ok {
			t.Fatal("no OutboxRelay in app.Functions")
		}
		for _, q := range app.Queues {
			if q.FedBy == "" && !slices.Contains(relay.Sends, q.Name) {
				t.Errorf("OutboxRelay does not send to %s: its outbox entries would wait forever", q.Name)
			}
		}
	})

	t.Run("UnknownID", func(t *testing.T) {
		if fn, ok := app.FunctionByID("NoSuchFunction"); ok {
			t.Errorf("FunctionByID(NoSuchFunction) = %+v, true", fn)
		}
	})
}

func TestEnv_QueueURLs(t *testing.T) {
	all := app.EnvFrom(func(k string) string { return "url-of-" + k }).QueueURLs()
	want := map[string]string{}
	for _, q := range app.Queues {
		want[q.Name] = "url-of-" + q.URLVar
	}
	if !maps.Equal(all, want) {
		t.Errorf("QueueURLs = %v, want %v", all, want)
	}
	some := app.Env{MailQueueURL: "m", PaymentsQueueURL: "p"}.QueueURLs()
	if want := map[string]string{"mail": "m", "payments": "p"}; !maps.Equal(some, want) {
		t.Errorf("QueueURLs = %v, want %v (queues without a URL left out)", some, want)
	}
}

// TestFunctions_Mains: every directory under functions/ is an entry of
// app.Functions, and its main starts with app.Lambda(<that entry's ID>).
func TestFunctions_Mains(t *testing.T) {
	root := filepath.Join("..", "..", "functions")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]app.Function{}
	for _, fn := range app.Functions {
		byDir[fn.Dir] = fn
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		seen[e.Name()] = true
		fn, ok := byDir[e.Name()]
		if !ok {
			t.Errorf("functions/%s is no entry of app.Functions", e.Name())
			continue
		}
		ids := lambdaIDs(t, filepath.Join(root, e.Name()))
		if len(ids) != 1 || ids[0] != fn.ID {
			t.Errorf("functions/%s calls app.Lambda with %q, want exactly once with %q", e.Name(), ids, fn.ID)
		}
	}
	for _, fn := range app.Functions {
		if !seen[fn.Dir] {
			t.Errorf("%s: functions/%s does not exist", fn.ID, fn.Dir)
		}
	}
}

// lambdaIDs returns the arguments of the app.Lambda calls in the Go files
// of dir (a non-literal argument as "?").
func lambdaIDs(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Lambda" {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "app" {
				return true
			}
			id := "?"
			if len(call.Args) == 1 {
				if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					id, _ = strconv.Unquote(lit.Value)
				}
			}
			ids = append(ids, id)
			return true
		})
	}
	return ids
}

// TestFunctions_HTTPAreRouted: the HTTP entries of app.Functions are the
// functions whose routes TestRoutes_AgreeEverywhere builds (httpFunctions).
func TestFunctions_HTTPAreRouted(t *testing.T) {
	var list []string
	for _, fn := range app.Functions {
		if fn.Kind == app.HTTP {
			list = append(list, fn.ID)
		}
	}
	slices.Sort(list)
	if routed := slices.Sorted(maps.Keys(httpFunctions)); !slices.Equal(list, routed) {
		t.Errorf("HTTP functions of app.Functions %q, httpFunctions %q", list, routed)
	}
}

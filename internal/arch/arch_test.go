package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/cecportal/cecportal/internal/"

// domain are the packages of rules and services, as directories under
// internal/. They import no AWS, HTTP or storage package and no edge package,
// and read the time only through the clock they are given.
var domain = []string{
	"accounts", "attendance", "calendar", "cec", "checkout", "credits", "fault", "identity", "ids", "names",
	"freetext", "holderimport", "notify", "notify/templates", "outbox", "payments", "policy", "programs",
	"reminders", "renewals", "roster", "submissions", "transcript", "undeliverable", "daily", "documents", "files", "records", "badges", "ledger", "dashboard", "emailprefs",
}

// edge are the other packages: adapters, wiring, generators, the local stack,
// and the clock, the one package that reads the wall clock for the domain.
var edge = []string{
	"app", "app/mailapp", "arch", "clock", "consumer",
	"httpapi", "httpapi/apispec", "httpapi/contract", "httpapi/internal/gencontract",
	"awsenv", "localgw", "localstack", "mail", "mail/sesmail", "meter", "moto", "queue", "secrets", "store", "table", "testkit",
	"stripepay", "web", "web/cmd/webexport", "files/diskfiles", "files/s3files", "badges/vcjwt", "badges/kmssign", "badges/badgetest",
}

// wallClock are the functions of package time that read the wall clock.
var wallClock = map[string]bool{"Now": true, "Since": true, "Until": true}

// forbiddenImport says why a domain package may not import path, or "".
func forbiddenImport(path string) string {
	switch {
	case strings.HasPrefix(path, "github.com/aws/"):
		return "an AWS package"
	case path == "net/http" || strings.HasPrefix(path, "net/http/"):
		return "an HTTP package"
	case strings.HasPrefix(path, "go.etcd.io/bbolt"):
		return "a storage engine"
	case strings.HasPrefix(path, "github.com/stripe/"):
		return "a payment provider's SDK"
	case strings.HasPrefix(path, module):
		if p := strings.TrimPrefix(path, module); p != "clock" && !slices.Contains(domain, p) {
			return "an edge package"
		}
	}
	return ""
}

// TestArch_EveryPackageClassified: a new package under internal/ says which
// side it is on, so that the domain checks below cannot miss it.
func TestArch_EveryPackageClassified(t *testing.T) {
	found := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			rel, err := filepath.Rel("..", filepath.Dir(path))
			if err != nil {
				return err
			}
			found[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range found {
		if !slices.Contains(domain, p) && !slices.Contains(edge, p) {
			t.Errorf("internal/%s is neither in domain nor in edge (internal/arch/arch_test.go)", p)
		}
	}
	for _, p := range append(slices.Clone(domain), edge...) {
		if !found[p] {
			t.Errorf("internal/%s is listed but has no Go file", p)
		}
		if slices.Contains(domain, p) && slices.Contains(edge, p) {
			t.Errorf("internal/%s is listed both as domain and as edge", p)
		}
	}
}

// TestArch_DomainImports: no domain package imports AWS, HTTP, storage or
// payment-provider packages, nor an adapter or the wiring.
func TestArch_DomainImports(t *testing.T) {
	for _, p := range domain {
		for _, f := range parseDomain(t, p) {
			for _, imp := range f.file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if why := forbiddenImport(path); why != "" {
					t.Errorf("%s imports %s, %s", f.name, path, why)
				}
			}
		}
	}
}

// apart lists domain packages that must not import one another: a
// dependency that existed only for a shared helper or port, now in a
// package of its own (checkout, calendar), must not grow back.
var apart = map[string][]string{
	"renewals": {"programs"},
	// Every invoice decides its payments by checkout.Decide, not another's.
	"attendance": {"renewals"},
}

// TestArch_DomainApart: see apart.
func TestArch_DomainApart(t *testing.T) {
	for p, others := range apart {
		for _, f := range parseDomain(t, p) {
			for _, imp := range f.file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if o, ok := strings.CutPrefix(path, module); ok && slices.Contains(others, o) {
					t.Errorf("%s imports internal/%s: take what it needs from a package of its own (checkout, calendar)", f.name, o)
				}
			}
		}
	}
}

// TestArch_DomainReadsNoWallClock: business dates come from the injected
// clock (docs/architecture.md, Time), so no domain package calls or refers
// to time.Now, time.Since or time.Until; internal/clock does it for them.
func TestArch_DomainReadsNoWallClock(t *testing.T) {
	for _, p := range domain {
		for _, f := range parseDomain(t, p) {
			for _, pos := range wallClockReads(f.fset, f.file) {
				t.Errorf("%s: %s reads the wall clock; take a clock (Now func() time.Time) instead", pos.where, pos.what)
			}
		}
	}
}

// TestArch_WallClockReadsFound: the check above sees a call, a function
// value, an aliased import and a dot import, and not other functions of time.
func TestArch_WallClockReadsFound(t *testing.T) {
	src := `package p

import (
	"time"
	clk "time"
)

func f(now func() time.Time) time.Duration {
	_ = time.Now()
	now = time.Now
	_ = clk.Since(now())
	time.Sleep(time.Second)
	return time.Until(now())
}
`
	dot := `package p

import . "time"

var _ = Now()
`
	for _, c := range []struct {
		src  string
		want []string
	}{
		{src, []string{"time.Now", "time.Now", "clk.Since", "time.Until"}},
		{dot, []string{`import . "time"`}},
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p.go", c.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range wallClockReads(fset, f) {
			got = append(got, r.what)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("found %q, want %q in\n%s", got, c.want, c.src)
		}
	}
}

type parsedFile struct {
	name string // internal/<package>/<file>.go
	fset *token.FileSet
	file *ast.File
}

// parseDomain parses the non-test Go files of internal/<p>.
func parseDomain(t *testing.T, p string) []parsedFile {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", filepath.FromSlash(p), "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []parsedFile
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		name := "internal/" + p + "/" + filepath.Base(n)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, parsedFile{name: name, fset: fset, file: f})
	}
	if len(files) == 0 {
		t.Fatalf("internal/%s has no Go files", p)
	}
	return files
}

type read struct{ where, what string }

// wallClockReads lists the references in f to time.Now, time.Since and
// time.Until, under whatever name f imports package time, and any dot import
// of time (which would make them unqualified).
func wallClockReads(fset *token.FileSet, f *ast.File) []read {
	names := map[string]bool{}
	var reads []read
	for _, imp := range f.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path != "time" {
			continue
		}
		switch {
		case imp.Name == nil:
			names["time"] = true
		case imp.Name.Name == ".":
			reads = append(reads, read{fset.Position(imp.Pos()).String(), `import . "time"`})
		case imp.Name.Name != "_":
			names[imp.Name.Name] = true
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		// Without type information a local variable named like the import
		// counts too: a false alarm, cured by a better name.
		if id, ok := sel.X.(*ast.Ident); ok && names[id.Name] && wallClock[sel.Sel.Name] {
			reads = append(reads, read{fset.Position(sel.Pos()).String(), id.Name + "." + sel.Sel.Name})
		}
		return true
	})
	return reads
}

package templatecheck

import (
	"archive/zip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/policy"
)

// packagedZoneinfo is where the build puts Go's time zone database next
// to each bootstrap: Lambda's provided.al2023 has none of its own, and every
// function reads the policy's time zone at start.
const packagedZoneinfo = "/var/task/zoneinfo.zip"

// TestTemplate_TimeZoneDatabase: every function is told where the
// packaged database is, the build puts it there, and it holds the time
// zone of every policy the repository ships.
func TestTemplate_TimeZoneDatabase(t *testing.T) {
	tpl := loadTemplate(t)
	fns := tpl.ofType(typeFunction)
	for _, fn := range fns {
		vars := mapping(mapping(tpl.functionProperty(fn, "Environment"))["Variables"])
		if got := vars["ZONEINFO"]; got != packagedZoneinfo {
			t.Errorf("function %s: ZONEINFO is %v, want %s", fn.ID, got, packagedZoneinfo)
		}
	}
	if len(fns) == 0 {
		t.Fatal("no functions in template.yaml")
	}
	artifacts := filepath.Join(t.TempDir(), "artifacts")
	cmd := exec.Command("make", "-n", "--no-print-directory", "-C", repoRoot, "build-"+fns[0].ID, "ARTIFACTS_DIR="+artifacts, "GO=go")
	cmd.Env = makeEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build-%s: %v\n%s", fns[0].ID, err, out)
	}
	if !strings.Contains(string(out), "lib/time/zoneinfo.zip\" \""+artifacts+"/zoneinfo.zip\"") {
		t.Errorf("make build-%s does not copy Go's zoneinfo.zip next to the bootstrap:\n%s", fns[0].ID, out)
	}

	// What the build copies: the database of the Go that builds (GO=go
	// above, so the GOROOT that `go env` reports, as the recipe reads it).
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	z, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	zones := map[string]bool{}
	for _, f := range z.File {
		zones[f.Name] = true
	}
	files, _ := filepath.Glob(filepath.Join(repoRoot, "policy", "examples", "*.yaml"))
	for _, f := range append(files, filepath.Join(repoRoot, "policy", "default.yaml")) {
		p, err := policy.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !zones[p.Association.TimeZone] {
			t.Errorf("%s: time zone %s is not in the packaged database", f, p.Association.TimeZone)
		}
	}
}

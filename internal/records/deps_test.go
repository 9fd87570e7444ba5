package records_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The PDF library is linked by records-api alone, and the S3 client by the
// functions that keep files: every API function links package httpapi, so
// a dependency that slips into it lands in all of them (docs/performance.md).
func TestFunctions_LinkOnlyWhatTheyUse(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the imports: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", `{{if eq .Name "main"}}{{.ImportPath}}: {{join .Deps " "}}{{end}}`,
		"github.com/cecportal/cecportal/functions/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	heavy := map[string][]string{
		"codeberg.org/go-pdf/fpdf":                 {"records-api"},
		"github.com/aws/aws-sdk-go-v2/service/s3":  {"cec-submission-reviewer", "documents-api"},
		"github.com/go-jose/go-jose/v4":            {"badges-api"},
		"github.com/aws/aws-sdk-go-v2/service/kms": {"badges-api"},
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		main, deps, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		seen++
		dir := main[strings.LastIndex(main, "/")+1:]
		for lib, allowed := range heavy {
			if slices.Contains(strings.Fields(deps), lib) != slices.Contains(allowed, dir) {
				t.Errorf("functions/%s links %s: %v, want %v", dir, lib, !slices.Contains(allowed, dir), slices.Contains(allowed, dir))
			}
		}
	}
	if seen < 20 {
		t.Fatalf("go list gave %d functions:\n%s", seen, out)
	}
}

package templates

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A template engine that can call methods by a name known only at run time
// (text/template's evalField uses reflect.Value.MethodByName) makes the
// linker keep every exported method of every type in the binary: in the
// mail sender that was every SES and DynamoDB operation, 6 MB, past the
// 12 MB Lambda target. The linker's -dumpdep output marks such a function
// <ReflectMethod>; the mail sender, the one binary that renders templates,
// must have none.
func TestTemplates_MailSenderKeepsDeadCodeElimination(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the mail sender")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to link the mail sender: %v", err)
	}
	root, err := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	cmd := exec.Command(goTool, "build", "-tags", "lambda.norpc", "-ldflags=-dumpdep",
		"-o", filepath.Join(t.TempDir(), "mail-sender"), "./functions/mail-sender")
	cmd.Dir = strings.TrimSpace(string(root))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build functions/mail-sender: %v\n%.2000s", err, out)
	}
	deps := string(out)
	if !strings.Contains(deps, "internal/notify/templates.Load") {
		t.Fatalf("the -dumpdep output does not mention templates.Load: not the mail sender's call graph?\n%.2000s", deps)
	}
	var found []string
	for line := range strings.Lines(deps) {
		if strings.Contains(line, "<ReflectMethod>") {
			found = append(found, strings.TrimSpace(line))
			if len(found) == 10 {
				break
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("functions/mail-sender calls methods by reflection, so the linker keeps every exported method:\n%s",
			strings.Join(found, "\n"))
	}
}

// Every Lambda imports package app (and notify, to queue jobs); the template
// engine's packages, whose init runs in any binary that imports them, must
// stay out of that path and be linked by the mail sender alone.
func TestTemplates_NotImportedByApp(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the imports: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/cecportal/cecportal/internal/app").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/cecportal/cecportal/internal/notify") {
		t.Fatalf("go list -deps internal/app does not list internal/notify:\n%s", out)
	}
	for _, d := range deps {
		if strings.HasSuffix(d, "/template") || strings.Contains(d, "/template/") || strings.HasSuffix(d, "/templates") {
			t.Errorf("internal/app depends on %s", d)
		}
	}
}

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localstack"
)

// ownPolicy is the shipped policy copied into a folder of its own, with
// the association's own emails beside it (email/NAME.txt, ...).
func ownPolicy(t *testing.T, emails map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "policy", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "email"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, src := range emails {
		if err := os.WriteFile(filepath.Join(dir, "email", name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLocalStack_OwnEmails: the association's own wording of an email,
// beside its policy file, is what a new holder receives and what staff's
// preview shows; the other emails stay as shipped; a mistake in one
// stops the start, naming the file.
func TestLocalStack_OwnEmails(t *testing.T) {
	st := startStack(t, map[string]string{"POLICY_FILE": ownPolicy(t, map[string]string{
		"welcome_holder.txt":  "Subject: Welcome aboard, {{.Data.firstName}}\nYour holder ID is {{.Data.holderId}}.\n\n{{.Association.Name}}\n",
		"welcome_holder.html": "<p>Your holder ID is <strong>{{.Data.holderId}}</strong>.</p>",
	})})
	c := &client{t: t, base: st.URL}
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var h struct{ HolderID string }
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &h)
	got := c.waitForEmails("ana@example.com", 1)[0]
	if got.Subject != "Welcome aboard, Ana" || !strings.Contains(got.Text, "Your holder ID is "+h.HolderID) || !strings.Contains(got.HTML, "<strong>"+h.HolderID+"</strong>") {
		t.Fatalf("the welcome: %+v", got)
	}
	staff := c.token("sub-staff", "staff", "office@example.org")
	var list struct {
		Emails []struct {
			Name string
			Own  bool
		}
	}
	c.do("GET", "/emails", staff, nil, 200, &list)
	own := map[string]bool{}
	for _, e := range list.Emails {
		own[e.Name] = e.Own
	}
	if len(own) != 18 || !own["welcome_holder"] || own["welcome_provider"] {
		t.Fatalf("the list says own: %v", own)
	}
	var preview struct{ Subject, Text string }
	c.do("GET", "/emails/welcome_holder", staff, nil, 200, &preview)
	if preview.Subject != "Welcome aboard, Ana" || !strings.Contains(preview.Text, "H-4F7Q2R8KXM") {
		t.Fatalf("the preview: %+v", preview)
	}
	c.do("GET", "/emails/no_such_email", staff, nil, 404, nil)

	// A key the welcome is not given: the stack does not start.
	bad := ownPolicy(t, map[string]string{"welcome_holder.txt": "Subject: Hi\nYou owe {{.Data.amount}}.\n"})
	vars := map[string]string{"CECPORTAL_ADDR": "127.0.0.1:0", "CECPORTAL_DATA": t.TempDir(), "LOG_LEVEL": "ERROR", "POLICY_FILE": bad}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := run(ctx, func(k string) string { return vars[k] }, io.Discard, func(*localstack.Stack) { t.Error("the stack started") })
	if err == nil || !strings.Contains(err.Error(), "welcome_holder.txt") || !strings.Contains(err.Error(), `"amount"`) {
		t.Fatalf("start with a broken email: %v", err)
	}
}

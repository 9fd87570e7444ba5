package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	err := run([]string{"-out", dir, "-api-base", "https://api.example.org/", "-cognito-domain", "https://ami.auth.us-east-1.amazoncognito.com/",
		"-cognito-client-id", "c1", "-cognito-redirect-uri", "https://forms.example.org/"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"apiBase": "https://api.example.org"`, `"signIn": "cognito"`, `"domain": "https://ami.auth.us-east-1.amazoncognito.com"`,
		`"redirectUri": "https://forms.example.org/"`, `"devTools": false`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config.js lacks %s:\n%s", want, b)
		}
	}
	for _, f := range []string{"index.html", "policy.js", "app.css", "js/app.js", "js/fee.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	// Without a Cognito pool the forms could not sign anyone in.
	if err := run([]string{"-out", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "cognito") {
		t.Fatalf("no Cognito settings: %v", err)
	}
}

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var stdout bytes.Buffer
	err := run([]string{"-out", dir, "-api-base", "https://api.example.org/", "-cognito-domain", "https://ami.auth.us-east-1.amazoncognito.com/",
		"-cognito-client-id", "c1", "-cognito-redirect-uri", "https://forms.example.org/"}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	// The headers for CloudFront: the policy with frame-ancestors, which
	// index.html's meta element cannot carry.
	for _, want := range []string{
		"  content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' https://api.example.org https://ami.auth.us-east-1.amazoncognito.com; form-action 'none'; frame-ancestors 'none'; base-uri 'none'\n",
		"  x-content-type-options: nosniff\n", "  referrer-policy: no-referrer\n", "  x-frame-options: DENY\n", "  strict-transport-security: max-age=31536000\n",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
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
	if err := run([]string{"-out", t.TempDir()}, io.Discard); err == nil || !strings.Contains(err.Error(), "cognito") {
		t.Fatalf("no Cognito settings: %v", err)
	}
}

package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/table"
)

// newDeps builds Deps on the embedded table in db, with the shipped policy,
// the real clock and the given queues.
func newDeps(t *testing.T, db *bbolt.DB, queues map[string]outbox.Sender) app.Deps {
	t.Helper()
	table, err := table.NewBolt(db)
	if err != nil {
		t.Fatalf("embedded table: %v", err)
	}
	pol, err := app.LoadPolicy("")
	if err != nil {
		t.Fatalf("shipped policy: %v", err)
	}
	return app.Deps{Table: table, Queues: queues, Clock: clock.System{}, Policy: pol,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestEnvFrom(t *testing.T) {
	vars := map[string]string{"TABLE_NAME": "t", "MAIL_QUEUE_URL": "q", "MAIL_FROM": "f@example.org",
		"ROLE_CLAIM": "groups", "POLICY_FILE": "/p.yaml", "LOG_LEVEL": "DEBUG"}
	got := app.EnvFrom(func(k string) string { return vars[k] })
	want := app.Env{TableName: "t", MailQueueURL: "q", MailFrom: "f@example.org", RoleClaim: "groups", PolicyFile: "/p.yaml", LogLevel: "DEBUG"}
	if got != want {
		t.Fatalf("EnvFrom = %+v, want %+v", got, want)
	}
}

func TestEnv_Require(t *testing.T) {
	all := []string{"TABLE_NAME", "MAIL_QUEUE_URL", "MAIL_FROM"}
	t.Run("AllSet", func(t *testing.T) {
		e := app.Env{TableName: "t", MailQueueURL: "q", MailFrom: "f@example.org"}
		if err := e.Require(all...); err != nil {
			t.Fatalf("Require = %v, want nil", err)
		}
		if err := e.Require(); err != nil {
			t.Fatalf("Require() = %v, want nil", err)
		}
	})
	t.Run("ErrNamesEveryMissing", func(t *testing.T) {
		err := app.Env{}.Require(all...)
		if err == nil {
			t.Fatal("Require on an empty Env = nil")
		}
		for _, n := range all {
			if !strings.Contains(err.Error(), n) {
				t.Errorf("error %q does not name %s", err, n)
			}
		}
	})
	t.Run("ErrNamesOnlyMissing", func(t *testing.T) {
		err := app.Env{TableName: "t"}.Require(all...)
		if err == nil {
			t.Fatal("Require with two variables empty = nil")
		}
		msg := err.Error()
		if strings.Contains(msg, "TABLE_NAME") || !strings.Contains(msg, "MAIL_QUEUE_URL") || !strings.Contains(msg, "MAIL_FROM") {
			t.Fatalf("error %q, want MAIL_QUEUE_URL and MAIL_FROM only", msg)
		}
	})
	t.Run("OnlyListedNamesChecked", func(t *testing.T) {
		if err := (app.Env{TableName: "t"}).Require("TABLE_NAME"); err != nil {
			t.Fatalf("Require(TABLE_NAME) with TABLE_NAME set = %v", err)
		}
	})
	t.Run("EveryVariableCanBeRequired", func(t *testing.T) {
		e := app.EnvFrom(func(k string) string { return "set-" + k })
		if err := e.Require("TABLE_NAME", "MAIL_QUEUE_URL", "MAIL_FROM", "ROLE_CLAIM", "POLICY_FILE", "LOG_LEVEL"); err != nil {
			t.Fatalf("every variable set: %v", err)
		}
		if err := (app.Env{}).Require("ROLE_CLAIM"); err == nil || !strings.Contains(err.Error(), "ROLE_CLAIM") {
			t.Fatalf("empty ROLE_CLAIM: %v", err)
		}
	})
	t.Run("ErrUnknownName", func(t *testing.T) {
		err := (app.Env{TableName: "t"}).Require("TABEL_NAME")
		if err == nil || !strings.Contains(err.Error(), "TABEL_NAME") {
			t.Fatalf("a misspelt name: %v", err)
		}
	})
}

func TestLogger(t *testing.T) {
	for _, tc := range []struct {
		level string
		want  []string // levels of the four records that get through
	}{
		{"DEBUG", []string{"DEBUG", "INFO", "WARN", "ERROR"}},
		{"debug", []string{"DEBUG", "INFO", "WARN", "ERROR"}},
		{"INFO", []string{"INFO", "WARN", "ERROR"}},
		{"WARN", []string{"WARN", "ERROR"}},
		{"ERROR", []string{"ERROR"}},
		{"", []string{"INFO", "WARN", "ERROR"}},     // unset: INFO
		{"LOUD", []string{"INFO", "WARN", "ERROR"}}, // unknown: INFO
	} {
		name := tc.level
		if name == "" {
			name = "unset"
		}
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			log := app.Logger(tc.level, &buf)
			log.Debug("d")
			log.Info("i")
			log.Warn("w")
			log.Error("e", "k", "v")
			var got []string
			for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
				if len(line) == 0 {
					continue
				}
				var rec struct{ Level, Msg string }
				if err := json.Unmarshal(line, &rec); err != nil {
					t.Fatalf("log line is not JSON: %s", line)
				}
				got = append(got, rec.Level)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("Logger(%q) wrote levels %v, want %v", tc.level, got, tc.want)
			}
		})
	}
}

func TestLoadPolicy(t *testing.T) {
	t.Run("Shipped", func(t *testing.T) {
		p, err := app.LoadPolicy("")
		if err != nil {
			t.Fatalf("LoadPolicy(\"\"): %v", err)
		}
		if p.Association.Name == "" || p.Association.Location() == nil || len(p.Credentials) == 0 {
			t.Fatalf("shipped policy looks empty: %+v", p.Association)
		}
	})
	// The shipped policy comes from Go generated at build time; a file
	// named by POLICY_FILE is still YAML read at start.
	t.Run("File", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "policy.yaml")
		doc := strings.Replace(string(cecportal.DefaultPolicy), "shortName: AMI", "shortName: AMX", 1)
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := app.LoadPolicy(path)
		if err != nil {
			t.Fatalf("LoadPolicy(%s): %v", path, err)
		}
		if p.Association.ShortName != "AMX" || p.Association.Location().String() != "America/New_York" {
			t.Fatalf("policy file not read: %+v", p.Association)
		}
	})
	t.Run("ErrMissingFileNamesPath", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "no-such-policy.yaml")
		_, err := app.LoadPolicy(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("LoadPolicy(%s) = %v, want an error naming the path", path, err)
		}
	})
	t.Run("ErrInvalidFileNamesPath", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad-policy.yaml")
		if err := os.WriteFile(path, []byte("association:\n  name: X\n  colour: blue\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := app.LoadPolicy(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("LoadPolicy(%s) = %v, want an error naming the path", path, err)
		}
	})
}

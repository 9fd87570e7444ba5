package localstack

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// On the aws backend the dead-letter queues are SQS's: /dev/dlq says so,
// in SPEC §6's error shape, instead of showing nothing.
func TestDLQRoutes_AWSBackend(t *testing.T) {
	s := &Stack{log: slog.New(slog.NewTextHandler(io.Discard, nil))} // no embedded queues
	mux := http.NewServeMux()
	s.dlqRoutes(mux)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/dev/dlq"}, {"GET", "/dev/dlq/mail"}, {"POST", "/dev/dlq/mail/redrive"},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusNotImplemented || e.Error.Code != "not_embedded" {
			t.Errorf("%s %s: %d %s, want 501 not_embedded", tc.method, tc.path, rec.Code, rec.Body)
		}
	}
	if _, err := s.Queue("mail"); err == nil {
		t.Error("Queue on the aws backend succeeded")
	}
}

func TestStart_QueueVisibility(t *testing.T) {
	for _, bad := range []string{"1s", "soon", "-30s"} {
		_, err := Start(t.Context(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), QueueVisibility: bad}, nil)
		if err == nil || !strings.Contains(err.Error(), "CECPORTAL_QUEUE_VISIBILITY") {
			t.Errorf("visibility %q: %v", bad, err)
		}
	}
}

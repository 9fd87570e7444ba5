package localstack

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/localgw"
	"github.com/cecportal/cecportal/internal/mail"
)

// devRoutes are the local-only endpoints of SPEC §7. They are absent from
// openapi.yaml and template.yaml: nothing here is ever deployed. Their
// answers carry the API's security headers; the HTML pages replace its
// Content-Security-Policy with their own.
func (s *Stack) devRoutes(signer *localgw.Signer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /dev/token", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Sub   string   `json:"sub"`
			Role  string   `json:"role"`
			Roles []string `json:"roles"`
			Email string   `json:"email"`
		}
		if !decode(w, r, &in) {
			return
		}
		roles := in.Roles
		if in.Role != "" {
			roles = append(roles, in.Role)
		}
		var problems []string
		if strings.TrimSpace(in.Sub) == "" {
			problems = append(problems, "sub is required")
		}
		for _, role := range roles {
			if !slices.Contains([]string{identity.RoleHolder, identity.RoleProvider, identity.RoleStaff}, role) {
				problems = append(problems, fmt.Sprintf("role %q: want holder, provider or staff", role))
			}
		}
		if len(problems) > 0 {
			writeError(w, http.StatusBadRequest, "invalid_request", strings.Join(problems, "; "))
			return
		}
		token, err := signer.Sign(in.Sub, in.Email, roles, 12*time.Hour)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "could not sign the token")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"token": token})
	})
	mux.HandleFunc("GET /dev/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, clockView(s.Clock))
	})
	mux.HandleFunc("PUT /dev/clock", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Now *string `json:"now"`
		}
		if !decode(w, r, &in) {
			return
		}
		var err error
		if in.Now == nil {
			err = resetClock(s.db, s.Clock)
		} else {
			t, perr := time.Parse(time.RFC3339, *in.Now)
			if perr != nil {
				writeError(w, http.StatusBadRequest, "invalid_request", `now must be an RFC 3339 time such as "2026-03-01T09:00:00-05:00", or null for real time`)
				return
			}
			err = setClock(s.db, s.Clock, t)
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "could not keep the clock")
			return
		}
		writeJSON(w, http.StatusOK, clockView(s.Clock))
	})
	mux.HandleFunc("GET /dev/outbox", func(w http.ResponseWriter, r *http.Request) {
		emails, err := s.Outbox.List(r.Context(), 200)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "could not read the outbox")
			return
		}
		if to := r.URL.Query().Get("to"); to != "" {
			emails = slices.DeleteFunc(emails, func(c mail.Captured) bool {
				return !slices.ContainsFunc(c.To, func(a string) bool { return strings.EqualFold(a, to) })
			})
		}
		if emails == nil {
			emails = []mail.Captured{}
		}
		if wantsHTML(r) {
			w.Header().Set("content-type", "text/html; charset=utf-8")
			w.Header().Set("content-security-policy", outboxPageCSP)
			_ = outboxPage.Execute(w, emails)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"emails": emails})
	})
	mux.HandleFunc("GET /dev/outbox/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Outbox.Get(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, http.StatusNotFound, "not_found", "no captured email with that ID")
			return
		}
		if r.URL.Query().Get("format") == "html" && c.HTML != "" {
			w.Header().Set("content-type", "text/html; charset=utf-8")
			w.Header().Set("content-security-policy", emailCSP)
			_, _ = w.Write([]byte(c.HTML))
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	mux.HandleFunc("POST /dev/run/{job}", func(w http.ResponseWriter, r *http.Request) {
		err := s.scheduler.RunNow(r.Context(), r.PathValue("job"))
		switch {
		case errors.Is(err, ErrUnknownJob):
			writeError(w, http.StatusNotFound, "unknown_job", err.Error())
		case err != nil:
			s.log.Error("job run on demand failed", "job", r.PathValue("job"), "err", err)
			writeError(w, http.StatusInternalServerError, "job_failed", err.Error())
		default:
			writeJSON(w, http.StatusOK, map[string]any{"job": r.PathValue("job"), "ran": true})
		}
	})
	// The local payment simulator: the provider "pays" (or fails to) and
	// Stripe's webhook delivery is simulated, signed, through the real route.
	mux.HandleFunc("POST /dev/payments/{reference}/{outcome}", s.simulatePayment)
	s.dlqRoutes(mux)
	mux.HandleFunc("/dev/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "route_not_found", "no local endpoint "+r.Method+" "+r.URL.Path)
	})
	return withSecurityHeaders(mux)
}

// withSecurityHeaders puts the API's security headers on every answer of h.
func withSecurityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range httpapi.SecurityHeaders() {
			w.Header().Set(k, v)
		}
		h.ServeHTTP(w, r)
	})
}

func clockView(c *clock.Settable) map[string]any {
	now, wall := c.Now(), time.Now()
	return map[string]any{"now": now.UTC().Format(time.RFC3339Nano), "real": wall.UTC().Format(time.RFC3339Nano),
		"offsetSeconds": int64(now.Sub(wall).Round(time.Second) / time.Second)}
}

// The clock's setting survives restarts, so a stack run "as of" a date stays there.
var clockBucket = []byte("local:clock")

type clockSetting struct {
	At   time.Time `json:"at"`   // the instant the clock was set to
	Real time.Time `json:"real"` // the real time when it was set
}

func loadClock(db *bbolt.DB) (*clock.Settable, error) {
	c := clock.NewSettable()
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(clockBucket)
		if b == nil {
			return nil
		}
		raw := b.Get([]byte("setting"))
		if raw == nil {
			return nil
		}
		var st clockSetting
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("stored clock: %w", err)
		}
		c.Set(st.At.Add(time.Since(st.Real)))
		return nil
	})
	return c, err
}

func setClock(db *bbolt.DB, c *clock.Settable, t time.Time) error {
	raw, _ := json.Marshal(clockSetting{At: t, Real: time.Now()})
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(clockBucket)
		if err != nil {
			return err
		}
		return b.Put([]byte("setting"), raw)
	}); err != nil {
		return fmt.Errorf("keep clock: %w", err)
	}
	c.Set(t)
	return nil
}

func resetClock(db *bbolt.DB, c *clock.Settable) error {
	if err := db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(clockBucket) == nil {
			return nil
		}
		return tx.DeleteBucket(clockBucket)
	}); err != nil {
		return fmt.Errorf("reset clock: %w", err)
	}
	c.Reset()
	return nil
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "malformed_json", "the body must be a JSON object with known fields: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg, "details": []any{}}})
}

func wantsHTML(r *http.Request) bool {
	return r.URL.Query().Get("format") == "html" ||
		(r.URL.Query().Get("format") == "" && strings.Contains(r.Header.Get("accept"), "text/html"))
}

// outboxStyle is the outbox page's one style element, which its policy
// admits by hash: no other style, and no script at all.
const outboxStyle = `body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}article{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}pre{white-space:pre-wrap}dt{font-weight:bold}`

var outboxPageCSP = "default-src 'none'; style-src 'sha256-" + sha256Base64(outboxStyle) + "'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// emailCSP is for a captured email's HTML, shown as it would be mailed:
// its inline styles, nothing loaded, nothing run.
const emailCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

func sha256Base64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var outboxPage = template.Must(template.New("outbox").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cecportal local outbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>` + outboxStyle + `</style>
</head><body>
<h1>Local outbox</h1>
<p>Every email the local stack sent, newest first. Nothing leaves this machine. JSON: <a href="/dev/outbox?format=json">/dev/outbox?format=json</a>.</p>
{{range .}}<article>
<h2>{{.Subject}}</h2>
<dl><dt>To</dt><dd>{{range $i, $a := .To}}{{if $i}}, {{end}}{{$a}}{{end}}</dd><dt>From</dt><dd>{{.From}}</dd><dt>At</dt><dd>{{.At.Format "2006-01-02 15:04:05 MST"}}</dd></dl>
{{if .HTML}}<p><a href="/dev/outbox/{{.ID}}?format=html">HTML version</a></p>{{end}}
<pre>{{.Text}}</pre>
</article>{{else}}<p>No email yet.</p>{{end}}
</body></html>`))

package localstack

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/localgw"
	"github.com/cecportal/cecportal/internal/mail"
)

func TestNewServer_Timeouts(t *testing.T) {
	srv := newServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s = %v, want a bound of at most 5 minutes", name, d)
		}
	}
	// A 10 MB roster at 1 Mbit/s must fit, and the answer after it.
	roster := time.Duration(localgw.DefaultMaxBodyBytes*8/1_000_000+1) * time.Second
	if srv.ReadTimeout < roster || srv.WriteTimeout < srv.ReadTimeout+30*time.Second || srv.ReadHeaderTimeout >= srv.ReadTimeout {
		t.Errorf("timeouts %v (headers), %v (read), %v (write): want read ≥ %v, write ≥ read + 30 s", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, roster)
	}
}

// TestNewServer_CutsSlowClients runs newServer's server with its bounds
// shortened and checks that each one cuts off the client it is for.
func TestNewServer_CutsSlowClients(t *testing.T) {
	bodyErr := make(chan error, 1)
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_, err := io.ReadAll(r.Body)
			bodyErr <- err
		}
		_, _ = io.WriteString(w, "ok")
	}))
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout = 300*time.Millisecond, 600*time.Millisecond, 300*time.Millisecond
	srv.WriteTimeout = time.Second
	srv.ErrorLog = nil
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	const bound = 2 * time.Second

	dial := func(t *testing.T) net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closed reports when the server closes c, reading (and dropping)
	// whatever it sends first.
	closed := func(c net.Conn) <-chan time.Time {
		done := make(chan time.Time, 1)
		go func() {
			_, _ = io.Copy(io.Discard, c)
			done <- time.Now()
		}()
		return done
	}
	// trickle writes a byte of s every 50 ms until the server stops it.
	trickle := func(c net.Conn, s string) {
		go func() {
			for i := 0; i < len(s); i++ {
				if _, err := c.Write([]byte{s[i]}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}

	t.Run("SlowHeaders", func(t *testing.T) {
		c := dial(t)
		start := time.Now()
		gone := closed(c)
		trickle(c, "GET / HTTP/1.1\r\nHost: x\r\n"+strings.Repeat("X-Slow: 1\r\n", 20)+"\r\n")
		select {
		case at := <-gone:
			if at.Sub(start) > bound {
				t.Errorf("cut after %v", at.Sub(start))
			}
		case <-time.After(bound):
			t.Fatal("a client sending its headers slowly was not cut off")
		}
	})
	t.Run("SlowBody", func(t *testing.T) {
		c := dial(t)
		start := time.Now()
		if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		trickle(c, strings.Repeat("x", 100))
		select {
		case err := <-bodyErr:
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) > bound {
				t.Errorf("body read ended after %v with %v, want a timeout", time.Since(start), err)
			}
		case <-time.After(bound):
			t.Fatal("a client sending its body slowly was not cut off")
		}
	})
	t.Run("Idle", func(t *testing.T) {
		c := dial(t)
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("response %v, %v", resp, err)
		}
		resp.Body.Close()
		start := time.Now()
		select {
		case at := <-closed(c):
			if at.Sub(start) > bound {
				t.Errorf("idle connection closed after %v", at.Sub(start))
			}
		case <-time.After(bound):
			t.Fatal("an idle kept-alive connection was not closed")
		}
	})
}

// TestStack_Headers starts the stack and checks what it answers with: its
// server's timeouts, the API's security headers on the API and /dev, and
// the web pages' own.
func TestStack_Headers(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if s.srv.ReadHeaderTimeout != readHeaderTimeout || s.srv.ReadTimeout != readTimeout || s.srv.WriteTimeout != writeTimeout || s.srv.IdleTimeout != idleTimeout {
		t.Errorf("server timeouts %v %v %v %v, want newServer's", s.srv.ReadHeaderTimeout, s.srv.ReadTimeout, s.srv.WriteTimeout, s.srv.IdleTimeout)
	}
	if err := s.Outbox.Verify(ctx, "dev@example.test"); err != nil {
		t.Fatal(err)
	}
	id, err := s.Outbox.Send(ctx, mail.Message{From: "dev@example.test", To: []string{"a@example.test"}, Subject: "Hi", Text: "hi", HTML: "<p style=\"color:red\">hi</p>"})
	if err != nil {
		t.Fatal(err)
	}

	api := map[string]string{"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
	withCSP := func(csp string) map[string]string {
		m := map[string]string{}
		for k, v := range api {
			m[k] = v
		}
		m["Content-Security-Policy"] = csp
		return m
	}
	pageCSP := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	page := map[string]string{"Content-Security-Policy": pageCSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}
	for _, tc := range []struct {
		name, method, path string
		status             int
		ctype              string
		want               map[string]string
	}{
		{"Page", "GET", "/", 200, "text/html; charset=utf-8", page},
		{"Module", "GET", "/js/app.js", 200, "text/javascript; charset=utf-8", page},
		{"Health", "GET", "/health", 200, "application/json", api},
		{"Unauthorized", "GET", "/holders/me", 401, "application/json", api},
		{"NotFound", "GET", "/nowhere", 404, "application/json", api},
		{"DevJSON", "GET", "/dev/clock", 200, "application/json", api},
		{"DevNotFound", "GET", "/dev/nowhere", 404, "application/json", api},
		{"DevOutboxPage", "GET", "/dev/outbox?format=html", 200, "text/html; charset=utf-8", withCSP(outboxPageCSP)},
		{"DevEmailHTML", "GET", "/dev/outbox/" + id + "?format=html", 200, "text/html; charset=utf-8", withCSP(emailCSP)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.ctype {
				t.Fatalf("%d %q, want %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype, body)
			}
			for k, v := range tc.want {
				if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.name == "DevOutboxPage" {
				// The page's one style element is the one its policy admits.
				m := regexp.MustCompile(`<style>([^<]*)</style>`).FindAllSubmatch(body, -1)
				if len(m) != 1 || strings.Contains(string(body), "<script") || strings.Contains(string(body), " style=") {
					t.Fatalf("outbox page has %d style elements, or a script or style attribute", len(m))
				}
				sum := sha256.Sum256(m[0][1])
				if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(outboxPageCSP, h) {
					t.Errorf("policy %q does not admit the page's style (%s)", outboxPageCSP, h)
				}
			}
		})
	}
}

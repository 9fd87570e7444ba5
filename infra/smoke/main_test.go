package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localstack"
)

// stack starts the local stack on a free loopback port.
func stack(t *testing.T) *localstack.Stack {
	t.Helper()
	st, err := localstack.Start(context.Background(), localstack.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "WARN"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("local stack: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestSmoke_LocalStack: the smoke check passes against the local stack,
// twice (the second run finds the test user's holder account).
func TestSmoke_LocalStack(t *testing.T) {
	st := stack(t)
	for round := range 2 {
		var said []string
		err := run(t.Context(), config{API: st.URL, Local: true, Say: func(f string, a ...any) { said = append(said, f) }})
		if err != nil {
			t.Fatalf("run %d: %v", round, err)
		}
		if created := strings.Contains(strings.Join(said, "\n"), "POST /holders"); created != (round == 0) {
			t.Fatalf("run %d: the holder account created: %v (%q)", round, created, said)
		}
	}
}

// TestSmoke_Cognito: deployed, the test user signs in with
// USER_PASSWORD_AUTH against the pool (a stand-in here, whose ID token the
// local stack accepts); a challenge or a refusal stops the run in words.
func TestSmoke_Cognito(t *testing.T) {
	st := stack(t)
	idToken := func() string {
		resp, err := http.Post(st.URL+"/dev/token", "application/json", strings.NewReader(`{"sub":"cognito-smoke","email":"smoke@example.org"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Token string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out.Token
	}
	for _, tc := range []struct {
		name, password, err string
	}{
		{"SignsIn", "right", ""},
		{"WrongPassword", "wrong", "Incorrect username or password"},
		{"NewPasswordRequired", "temporary", "NEW_PASSWORD_REQUIRED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var in struct {
					AuthFlow, ClientId string
					AuthParameters     map[string]string
				}
				_ = json.NewDecoder(r.Body).Decode(&in)
				if r.Header.Get("X-Amz-Target") != "AWSCognitoIdentityProviderService.InitiateAuth" || in.AuthFlow != "USER_PASSWORD_AUTH" ||
					in.ClientId != "smoke-client" || in.AuthParameters["USERNAME"] != "smoke@example.org" {
					t.Errorf("InitiateAuth %v %+v", r.Header, in)
				}
				switch in.AuthParameters["PASSWORD"] {
				case "right":
					_ = json.NewEncoder(w).Encode(map[string]any{"AuthenticationResult": map[string]string{"IdToken": idToken()}})
				case "temporary":
					_ = json.NewEncoder(w).Encode(map[string]any{"ChallengeName": "NEW_PASSWORD_REQUIRED"})
				default:
					w.WriteHeader(400)
					_, _ = w.Write([]byte(`{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`))
				}
			}))
			defer pool.Close()
			err := run(t.Context(), config{API: st.URL, Cognito: pool.URL, ClientID: "smoke-client", User: "smoke@example.org", Password: tc.password,
				Say: func(string, ...any) {}})
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("run: %v, want %q", err, tc.err)
			}
		})
	}
}

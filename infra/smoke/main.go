// Command smoke runs a short end-to-end check against a running stack:
// make smoke API=https://<api> checks a deployment (a test user of the
// user pool signs in through Cognito's USER_PASSWORD_AUTH with the stack's
// smoke client), and make test runs it against the local stack (a token
// from /dev/token), so that it stays true. Each step prints what it
// checked; the first failure stops it with exit status 1.
//
//	go run ./infra/smoke -api https://abc.execute-api.eu-west-1.amazonaws.com \
//	  -cognito-region eu-west-1 -client-id <SmokeClientId> -user smoke@example.org -password-env SMOKE_PASSWORD
//	go run ./infra/smoke -api http://127.0.0.1:8080 -local
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// config is what a run needs: the API, and how to get a holder's token.
type config struct {
	API        string
	Local      bool   // token from the local stack's /dev/token
	Region     string // Cognito's region (deployed)
	ClientID   string // the stack's smoke client (deployed)
	User       string // a test user of the pool (deployed)
	Password   string
	Cognito    string // Cognito's endpoint; default https://cognito-idp.<region>.amazonaws.com
	HTTP       *http.Client
	Say        func(format string, args ...any)
	Holder     [2]string // first and last name of the test holder's account
	HolderMail string
}

func main() {
	var c config
	var passwordEnv string
	flag.StringVar(&c.API, "api", os.Getenv("API"), "the API's base URL")
	flag.BoolVar(&c.Local, "local", false, "a local stack: the token from /dev/token")
	flag.StringVar(&c.Region, "cognito-region", "", "the user pool's region")
	flag.StringVar(&c.ClientID, "client-id", os.Getenv("SMOKE_CLIENT_ID"), "the stack's output SmokeClientId")
	flag.StringVar(&c.User, "user", os.Getenv("SMOKE_USER"), "a test user of the pool (email)")
	flag.StringVar(&passwordEnv, "password-env", "SMOKE_PASSWORD", "the variable holding the test user's password")
	flag.Parse()
	c.Password = os.Getenv(passwordEnv)
	if err := run(context.Background(), c); err != nil {
		fmt.Fprintln(os.Stderr, "smoke: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("smoke: every check passed")
}

// run makes the checks in order.
func run(ctx context.Context, c config) error {
	if c.API == "" {
		return errors.New("no API: pass -api or API=")
	}
	c.API = strings.TrimRight(c.API, "/")
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if c.Say == nil {
		c.Say = func(format string, args ...any) { fmt.Printf("smoke: "+format+"\n", args...) }
	}
	if c.Holder == [2]string{} {
		c.Holder = [2]string{"Smoke", "Test"}
	}
	if _, err := c.call(ctx, "GET", "/health", "", nil, 200); err != nil {
		return err
	}
	c.Say("GET /health: 200")
	token, err := c.token(ctx)
	if err != nil {
		return fmt.Errorf("a test user's token: %w", err)
	}
	c.Say("signed in as the test user")
	if _, err := c.call(ctx, "GET", "/me", token, nil, 200); err != nil {
		return err
	}
	// The test user's holder account: made once, then read.
	if _, err := c.call(ctx, "GET", "/holders/me", token, nil, 200); err != nil {
		mail := c.HolderMail
		if mail == "" {
			mail = c.User
		}
		if mail == "" {
			mail = "smoke@example.org" // the local stack's test user
		}
		body := map[string]any{"firstName": c.Holder[0], "lastName": c.Holder[1], "email": mail}
		if _, cerr := c.call(ctx, "POST", "/holders", token, body, 201); cerr != nil {
			return fmt.Errorf("no holder account (%v), and creating one failed: %w", err, cerr)
		}
		c.Say("POST /holders: 201 (the test user's holder account)")
	}
	if _, err := c.call(ctx, "GET", "/holders/me", token, nil, 200); err != nil {
		return err
	}
	c.Say("GET /holders/me: 200")
	if _, err := c.call(ctx, "GET", "/holders/me/status", token, nil, 200); err != nil {
		return err
	}
	c.Say("GET /holders/me/status: 200")
	if _, err := c.call(ctx, "GET", "/calendar", "", nil, 200); err != nil {
		return err
	}
	c.Say("GET /calendar: 200")
	// A webhook event without a signature changes nothing and is refused.
	body, err := c.call(ctx, "POST", "/webhooks/payments", "", map[string]any{"id": "evt_smoke", "type": "checkout.session.completed"}, 400)
	if err != nil {
		return err
	}
	if !strings.Contains(string(body), "invalid_signature") {
		return fmt.Errorf("POST /webhooks/payments without a signature: %s, want invalid_signature", body)
	}
	c.Say("POST /webhooks/payments without a signature: 400")
	return nil
}

// token signs the test user in.
func (c config) token(ctx context.Context) (string, error) {
	if c.Local {
		b, err := c.call(ctx, "POST", "/dev/token", "", map[string]any{"sub": "smoke-test", "email": "smoke@example.org"}, 200)
		if err != nil {
			return "", err
		}
		var out struct{ Token string }
		return out.Token, json.Unmarshal(b, &out)
	}
	if c.ClientID == "" || c.User == "" || c.Password == "" {
		return "", errors.New("pass -client-id, -user and the password (SMOKE_PASSWORD)")
	}
	endpoint := c.Cognito
	if endpoint == "" {
		if c.Region == "" {
			return "", errors.New("pass -cognito-region")
		}
		endpoint = "https://cognito-idp." + c.Region + ".amazonaws.com/"
	}
	payload, _ := json.Marshal(map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": c.ClientID,
		"AuthParameters": map[string]string{"USERNAME": c.User, "PASSWORD": c.Password}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		AuthenticationResult *struct{ IdToken string }
		ChallengeName        string
		Message              string `json:"message"`
	}
	_ = json.Unmarshal(raw, &out)
	switch {
	case resp.StatusCode != 200:
		return "", fmt.Errorf("cognito InitiateAuth: status %d: %s", resp.StatusCode, out.Message)
	case out.AuthenticationResult == nil:
		return "", fmt.Errorf("cognito asks for %s: give the test user a permanent password first", out.ChallengeName)
	}
	return out.AuthenticationResult.IdToken, nil
}

// call makes one request and wants status; it returns the body.
func (c config) call(ctx context.Context, method, path, token string, body any, status int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.API+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != status {
		return raw, fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, raw)
	}
	return raw, nil
}

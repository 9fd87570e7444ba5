package browser

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cecportal/cecportal"
	"github.com/cecportal/cecportal/internal/localstack"
	"github.com/cecportal/cecportal/internal/policy"
	"github.com/cecportal/cecportal/internal/web"
)

// fakeHostedUI plays the Cognito hosted UI's part of the authorization
// code flow with PKCE: /oauth2/authorize remembers the code challenge and
// sends the browser back with a code, /oauth2/token gives tokens only for
// the verifier of that challenge, /logout sends the browser to logout_uri.
// The ID token is one the local stack signs, so that its API accepts it.
type fakeHostedUI struct {
	clientID string
	redirect string
	idToken  func() string

	mu        sync.Mutex
	codes     map[string]string // code → challenge
	exchanges int
	logouts   int
	problems  []string
}

func (f *fakeHostedUI) problem(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func (f *fakeHostedUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.URL.Path {
	case "/oauth2/authorize":
		for k, want := range map[string]string{"response_type": "code", "client_id": f.clientID, "redirect_uri": f.redirect, "code_challenge_method": "S256"} {
			if q.Get(k) != want {
				f.problem("authorize: %s=%q, want %q", k, q.Get(k), want)
			}
		}
		if !strings.Contains(" "+q.Get("scope")+" ", " openid ") || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" {
			f.problem("authorize: scope %q, challenge %q, state %q", q.Get("scope"), q.Get("code_challenge"), q.Get("state"))
		}
		f.mu.Lock()
		code := fmt.Sprintf("code-%d", len(f.codes)+1)
		f.codes[code] = q.Get("code_challenge")
		f.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	case "/oauth2/token":
		// Called by the page's script from another origin: CORS, as Cognito does.
		w.Header().Set("access-control-allow-origin", strings.TrimSuffix(f.redirect, "/"))
		if r.Method != http.MethodPost || r.ParseForm() != nil {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		challenge, ok := f.codes[r.PostForm.Get("code")]
		delete(f.codes, r.PostForm.Get("code")) // a code is good once
		f.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge || r.PostForm.Get("grant_type") != "authorization_code" ||
			r.PostForm.Get("client_id") != f.clientID || r.PostForm.Get("redirect_uri") != f.redirect {
			f.problem("token: refused exchange %v", r.PostForm)
			w.Header().Set("content-type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		f.mu.Lock()
		f.exchanges++
		f.mu.Unlock()
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id_token": f.idToken(), "access_token": "unused", "token_type": "Bearer", "expires_in": 3600})
	case "/logout":
		if q.Get("client_id") != f.clientID || q.Get("logout_uri") != f.redirect {
			f.problem("logout: %v", q)
		}
		f.mu.Lock()
		f.logouts++
		f.mu.Unlock()
		http.Redirect(w, r, q.Get("logout_uri"), http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

// TestBrowser_CognitoSignIn runs the forms as deployed: served from their
// own origin, calling the API on another (apiBase, allowed by CORS), and
// signing in through the hosted UI (a stand-in here): the sign-in button
// goes there, the page trades the code for tokens with its PKCE verifier,
// and the ID token it keeps is accepted by the API; signing out ends the
// hosted UI's session too.
func TestBrowser_CognitoSignIn(t *testing.T) {
	pol, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	// The forms on their own origin, as on CloudFront, calling the API on
	// another (config.js apiBase), which allows that origin (CORS).
	siteSrv := httptest.NewUnstartedServer(nil)
	siteURL := "http://" + siteSrv.Listener.Addr().String() + "/"
	s := start(t, localstack.Config{CORSAllowOrigins: strings.TrimSuffix(siteURL, "/")})
	hosted := &fakeHostedUI{clientID: "client-123", redirect: siteURL, codes: map[string]string{}}
	hostedSrv := httptest.NewServer(hosted)
	t.Cleanup(hostedSrv.Close)
	site, err := web.NewSite(web.Config{SignIn: "cognito", APIBase: s.base, Cognito: web.Cognito{Domain: hostedSrv.URL, ClientID: "client-123"}}, pol)
	if err != nil {
		t.Fatal(err)
	}
	// Only the files: every API call must go to apiBase.
	siteSrv.Config.Handler = site.Front(http.NotFoundHandler())
	siteSrv.Start()
	t.Cleanup(siteSrv.Close)
	hosted.idToken = func() string {
		var out struct{ Token string }
		s.api(t, "POST", "/dev/token", "", map[string]any{"sub": "cognito-ana", "role": "holder", "email": "ana@example.com"}, 200, &out)
		return out.Token
	}

	ana := s.personAt(t, "holder", siteURL+"#/holder", false)
	ana.waitRendered(t, "/signin") // not signed in yet
	if n := eval[int](t, ana, "the local role picker", `document.querySelectorAll("#signin-form").length`); n != 0 {
		t.Fatalf("the role picker shows on a Cognito deployment")
	}
	ana.click(t, "#cognito-sign-in")
	// Back from the hosted UI at /?code=..., the page lands where it was going.
	ana.waitRendered(t, "/holder")
	ana.waitText(t, "#signed-in-as", "ana@example.com")
	if got := eval[string](t, ana, "the address", `location.search + location.hash`); got != "#/holder" {
		t.Fatalf("the code stays in the address bar: %q", got)
	}
	e := struct{ Error struct{ Code string } }{}
	s.api(t, "GET", "/holders/me", ana.token(t), nil, 404, &e) // accepted, and no account yet
	if e.Error.Code != "holder_not_found" {
		t.Fatalf("GET /holders/me with the ID token: %+v", e)
	}
	ana.fill(t, "#signup-form [name=firstName]", "Ana")
	ana.fill(t, "#signup-form [name=lastName]", "Lima")
	ana.click(t, "#signup-form button[type=submit]")
	ana.waitText(t, "#holder-created", "H-")
	var h struct{ Email string }
	s.api(t, "GET", "/holders/me", ana.token(t), nil, 200, &h)
	if h.Email != "ana@example.com" {
		t.Fatalf("holder %+v", h)
	}

	ana.click(t, "#sign-out")
	ana.waitJS(t, "the sign-out", `document.documentElement.dataset.ready === "true" && sessionStorage.getItem("cecportal.session") === null && document.querySelector("#who a")?.textContent === "Sign in"`)

	hosted.mu.Lock()
	defer hosted.mu.Unlock()
	if len(hosted.problems) > 0 || hosted.exchanges != 1 || hosted.logouts != 1 {
		t.Fatalf("hosted UI saw %d exchanges, %d logouts, problems %v", hosted.exchanges, hosted.logouts, hosted.problems)
	}
}

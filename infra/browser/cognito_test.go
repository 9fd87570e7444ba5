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
	pages     map[string]int    // hosted UI page → visits: /oauth2/authorize, /forgotPassword, /signup
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
	// Sign-in, "Forgot your password?" and "Sign up" take the same
	// parameters and, once the person is through (a new password chosen, an
	// account confirmed), come back the same way with a code.
	case "/oauth2/authorize", "/forgotPassword", "/signup":
		f.mu.Lock()
		if f.pages == nil {
			f.pages = map[string]int{}
		}
		f.pages[r.URL.Path]++
		f.mu.Unlock()
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

// cognitoSite serves the forms as deployed: on their own origin, as on
// CloudFront, calling the stack's API on another (config.js apiBase, which
// allows that origin by CORS), signing in through the hosted UI's stand-in.
func cognitoSite(t *testing.T, cfg localstack.Config) (*suite, *fakeHostedUI, string) {
	t.Helper()
	pol, err := policy.Load(cecportal.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	siteSrv := httptest.NewUnstartedServer(nil)
	siteURL := "http://" + siteSrv.Listener.Addr().String() + "/"
	cfg.CORSAllowOrigins = strings.TrimSuffix(siteURL, "/")
	s := start(t, cfg)
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
	return s, hosted, siteURL
}

// TestBrowser_CognitoSignIn runs the forms as deployed: served from their
// own origin, calling the API on another (apiBase, allowed by CORS), and
// signing in through the hosted UI (a stand-in here): the sign-in button
// goes there, the page trades the code for tokens with its PKCE verifier,
// and the ID token it keeps is accepted by the API; signing out ends the
// hosted UI's session too.
func TestBrowser_CognitoSignIn(t *testing.T) {
	s, hosted, siteURL := cognitoSite(t, localstack.Config{})
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

// TestBrowser_SelfSignUp: a person who signs themselves up through the
// hosted UI (issue 16) gets a token with no group, and uses the portal at
// once: the start page asks what they would like to do, creating their
// holder account makes every holder page theirs, registering their
// organisation makes them a provider too (the role switch offers both);
// "Forgot your password?" goes through the hosted UI and back. On a phone.
func TestBrowser_SelfSignUp(t *testing.T) {
	s, hosted, siteURL := cognitoSite(t, localstack.Config{Now: "2027-01-05T10:00:00-05:00"})
	// What Cognito gives a person who has just signed up: no group.
	hosted.idToken = func() string {
		var out struct{ Token string }
		s.api(t, "POST", "/dev/token", "", map[string]any{"sub": "cognito-dee", "email": "dee@example.com"}, 200, &out)
		return out.Token
	}

	dee := s.personAt(t, "new-person", siteURL+"#/signin", true)
	dee.waitRendered(t, "/signin")
	// Forgot the password: the hosted UI's page, then back signed in.
	dee.click(t, "#forgot-password")
	dee.waitRendered(t, "/")
	dee.waitText(t, "#get-started-heading", "What would you like to do?")
	dee.waitText(t, "#signed-in-role", "No account yet")
	dee.audit(t)
	noCodesShown(t, dee)

	// A holder account: every holder page opens at once.
	dee.click(t, "#start-holder")
	dee.waitRendered(t, "/holder")
	dee.fill(t, "#signup-form [name=firstName]", "Dee")
	dee.fill(t, "#signup-form [name=lastName]", "Self")
	dee.click(t, "#signup-form button[type=submit]")
	dee.waitText(t, "#holder-created", "H-")
	dee.waitText(t, "#signed-in-role", "Credential holder")
	dee.open(t, "#/holder/status?year=2028")
	if n := eval[int](t, dee, "a wrong-role notice", `document.querySelectorAll("#wrong-role").length`); n != 0 {
		t.Fatal("the new holder is told the status page is not for them")
	}
	dee.audit(t)

	// Their organisation too, with the same sign-in.
	dee.open(t, "#/")
	dee.click(t, "#also-provider")
	dee.waitRendered(t, "/provider")
	dee.fillIn(t, "#provider-form ", "[name=name]", "Dee's Training", "[name=contactName]", "Dee Self", "[name=email]", "dee@example.com",
		"[name=phone]", "+1 202 555 0142", `[name="address.line1"]`, "9 K St", `[name="address.city"]`, "Washington", `[name="address.country"]`, "US")
	dee.click(t, "#provider-form button[type=submit]")
	dee.waitText(t, "#provider-registered", "P-")
	if got := eval[string](t, dee, "the roles offered", `[...document.querySelectorAll("#role-switch option")].map((o) => o.value).join(",")`); got != "holder,provider" {
		t.Fatalf("the role switch offers %q", got)
	}
	dee.open(t, "#/provider/programs")
	dee.waitText(t, "#program-list caption", "Applications")
	// Back to a holder page: the page acts as a holder again.
	dee.open(t, "#/holder/status?year=2028")
	dee.waitJS(t, "the holder role", `document.querySelector("#role-switch")?.value === "holder"`)
	// The switch reads on the dark bar: its text is not its background's colour.
	if got := eval[string](t, dee, "the role switch's colours", `(() => { const c = getComputedStyle(document.querySelector("#role-switch")); return c.color + " on " + c.backgroundColor; })()`); got != "rgb(27, 27, 27) on rgb(255, 255, 255)" {
		t.Fatalf("the role switch is %s", got)
	}
	dee.audit(t)
	noCodesShown(t, dee)

	hosted.mu.Lock()
	defer hosted.mu.Unlock()
	if len(hosted.problems) > 0 || hosted.pages["/forgotPassword"] != 1 || hosted.exchanges != 1 {
		t.Fatalf("hosted UI pages %v, %d exchanges, problems %v", hosted.pages, hosted.exchanges, hosted.problems)
	}
}

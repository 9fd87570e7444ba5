package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cecportal/cecportal/internal/localstack"
)

// screenshotsEnv names a directory for the screenshots of a failed test;
// without it they go to a new directory under the system's temp directory
// (kept after the test, unlike t.TempDir). The failure message says where.
const screenshotsEnv = "CECPORTAL_SCREENSHOTS"

// actionTimeout bounds one browser step; the stack's asynchronous steps
// (queues polled every second) fit well inside it.
const actionTimeout = 30 * time.Second

// suite is one local stack and one headless Chromium, with a tab per person.
type suite struct {
	base    string
	stack   *localstack.Stack
	browser context.Context

	mu     sync.Mutex
	people []*person
	shots  string
	axe    reviewed
}

// chromiumPath finds Debian's chromium (or another Chromium the PATH has).
func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on the PATH: install Debian's chromium package (apt-get install -y chromium); .ci/run does so when it is missing")
}

// start runs the local stack on a free port and starts Chromium. cfg sets
// the stack's clock (Now) or CORS; the rest is filled in.
func start(t *testing.T, cfg localstack.Config) *suite {
	t.Helper()
	exe, err := chromiumPath() // first: without Chromium nothing else is worth starting
	if err != nil {
		t.Fatal(err)
	}
	needAxe(t)
	cfg.Addr, cfg.DataDir, cfg.LogLevel = "127.0.0.1:0", t.TempDir(), "WARN"
	st, err := localstack.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("local stack: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("stop the local stack: %v", err)
		}
	})
	s := &suite{base: st.URL, stack: st, browser: startChromium(t, exe)}
	t.Cleanup(func() { s.logReview(t) })
	return s
}

// startChromium starts headless Chromium for the test.
func startChromium(t *testing.T, exe string) context.Context {
	t.Helper()
	// Without the background-networking flags Chromium keeps calling home,
	// which on a closed network makes it hang.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,AutofillServerCommunication"),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("metrics-recording-only", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := firstRun(browser, 60*time.Second); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	return browser
}

// firstRun opens the context's tab, starting the browser if need be. The
// tab (or the browser) lives as long as the context of its first Run, which
// must therefore have no timeout: the wait is bounded here instead.
func firstRun(ctx context.Context, limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx, chromedp.Navigate("about:blank")) }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		return fmt.Errorf("no answer within %v", limit)
	}
}

// person is one signed-in person: a tab in a browser context of its own, so
// sessions never mix.
type person struct {
	s     *suite
	name  string
	ctx   context.Context
	phone bool // opened on a phone-sized screen
}

// person opens a tab for name on the forms; phone emulates a phone's screen.
func (s *suite) person(t *testing.T, name string, phone bool) *person {
	t.Helper()
	p := s.personAt(t, name, s.base+"/#/", phone)
	p.waitRendered(t, "/")
	return p
}

// personAt opens a tab for name at url.
func (s *suite) personAt(t *testing.T, name, url string, phone bool) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &person{s: s, name: name, ctx: ctx, phone: phone}
	s.mu.Lock()
	s.people = append(s.people, p)
	s.mu.Unlock()
	if err := firstRun(ctx, actionTimeout); err != nil {
		t.Fatalf("open a tab for %s: %v", name, err)
	}
	// Keep every Content-Security-Policy violation of every page the tab
	// opens (a script from the protocol runs whatever the policy says).
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__cspViolations = [];
		document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
			e.effectiveDirective + " blocked " + (e.blockedURI || "?") + " (" + (e.sourceFile || location.href) + ":" + e.lineNumber + ")"));`}); err != nil {
		t.Fatalf("watch %s's tab for CSP violations: %v", name, err)
	}
	steps := []chromedp.Action[chromedp.Void]{}
	if phone {
		steps = append(steps, p.ownWidth())
	}
	steps = append(steps, chromedp.Navigate(url))
	p.do(t, "open "+url, steps...)
	return p
}

// fail saves a screenshot and the text of every tab, then fails the test.
func (s *suite) fail(t *testing.T, who *person, what string, err error) {
	t.Helper()
	dir := s.screenshotDir()
	var saved []string
	for _, p := range s.peopleNow() {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		png, perr := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n\n" + document.body.innerText`))
		cancel()
		base := filepath.Join(dir, fmt.Sprintf("%s-%s", sanitize(t.Name()), p.name))
		if perr == nil {
			_ = os.WriteFile(base+".png", png, 0o644)
			saved = append(saved, base+".png")
		}
		_ = os.WriteFile(base+".txt", []byte(text), 0o644)
	}
	t.Fatalf("%s (%s's tab): %v\nscreenshots and page text in %s: %s", what, who.name, err, dir, strings.Join(saved, ", "))
}

func (s *suite) peopleNow() []*person {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*person(nil), s.people...)
}

func (s *suite) screenshotDir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shots != "" {
		return s.shots
	}
	if d := os.Getenv(screenshotsEnv); d != "" {
		_ = os.MkdirAll(d, 0o755)
		s.shots = d
		return d
	}
	d, err := os.MkdirTemp("", "cecportal-browser-")
	if err != nil {
		d = os.TempDir()
	}
	s.shots = d
	return d
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func sanitize(s string) string { return unsafeName.ReplaceAllString(s, "_") }

// do runs browser steps, failing the test with screenshots on an error.
func (p *person) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.s.fail(t, p, what, err)
	}
}

// eval evaluates a JavaScript expression in the tab.
func eval[T any](t *testing.T, p *person, what, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.s.fail(t, p, what, err)
	}
	return v
}

// waitJS waits until the JavaScript expression is truthy, asking every
// 50 ms (a plain loop: chromedp's Poll waits for animation frames, which a
// tab in the background does not get).
func (p *person) waitJS(t *testing.T, what, js string) {
	t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("still false after %v: %s", actionTimeout, js)
			}
			p.s.fail(t, p, "wait for "+what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// open goes to a route of the forms and waits until the page has its content.
func (p *person) open(t *testing.T, hash string) {
	t.Helper()
	// The page marks main as rendered; clear the mark first, and render
	// again when the route is the current one (as a click on its link does).
	eval[bool](t, p, "go to "+hash, fmt.Sprintf(`((h) => {
		document.getElementById("main").removeAttribute("data-rendered");
		if (location.hash === h) window.dispatchEvent(new HashChangeEvent("hashchange"));
		else location.hash = h;
		return true;
	})(%s)`, js(hash)))
	p.waitRendered(t, strings.SplitN(strings.TrimPrefix(hash, "#"), "?", 2)[0])
}

// waitRendered waits until the page of path has rendered, then checks it.
func (p *person) waitRendered(t *testing.T, path string) {
	t.Helper()
	p.waitJS(t, "the page "+path, fmt.Sprintf(`document.documentElement.dataset.ready === "true" && document.getElementById("main").dataset.rendered === %s`, js(path)))
	p.audit(t)
	p.checkCSP(t)
}

// checkCSP fails the test on any Content-Security-Policy violation the
// tab's page has had: the policy must allow all the forms do.
func (p *person) checkCSP(t *testing.T) {
	t.Helper()
	if v := eval[[]string](t, p, "read CSP violations", `window.__cspViolations || []`); len(v) > 0 {
		p.s.fail(t, p, "Content-Security-Policy violations", errors.New(strings.Join(v, "; ")))
	}
}

// audit checks what every page owes its users: a label for every control,
// aria-describedby and aria-labelledby pointing at what exists, radios in a fieldset with a
// legend, named buttons and links, unique IDs, one h1, and no sideways
// scrolling on the tab's screen (a phone's, for some people), of the page or
// of a table on a phone; then axe-core
// at both widths (review).
func (p *person) audit(t *testing.T) {
	t.Helper()
	// The screen's width: on an emulated phone the layout viewport
	// (innerWidth) grows to fit content that is too wide, as a phone's
	// browser zooms out, so that it cannot show the overflow.
	screenWidth := "window.innerWidth"
	if p.phone {
		screenWidth = strconv.FormatInt(phone.w, 10)
	}
	problems := eval[[]string](t, p, "audit the page", `((screenWidth) => {
		const problems = [];
		const seen = {};
		for (const el of document.querySelectorAll("[id]")) {
			if (seen[el.id]) problems.push("duplicate id " + el.id);
			seen[el.id] = true;
		}
		for (const el of document.querySelectorAll("input, select, textarea")) {
			if (el.type === "hidden") continue;
			const name = el.name || el.id;
			if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")) problems.push("no label for " + name);
			if (el.type === "radio" && !(el.closest("fieldset") && el.closest("fieldset").querySelector("legend"))) problems.push("radio " + name + " outside a fieldset with a legend");
		}
		for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby]")) {
			for (const attr of ["aria-describedby", "aria-labelledby"]) {
				for (const ref of (el.getAttribute(attr) || "").split(/\s+/).filter(Boolean)) {
					if (!document.getElementById(ref)) problems.push((el.name || el.id || el.tagName.toLowerCase()) + " " + attr + " names no element: " + ref);
				}
			}
		}
		for (const el of document.querySelectorAll("button, a[href]")) {
			if (!el.textContent.trim() && !el.getAttribute("aria-label")) problems.push("a button or link without a name");
		}
		if (document.querySelectorAll("main h1").length !== 1) problems.push("want exactly one h1 in main");
		const doc = document.documentElement;
		if (doc.scrollWidth > screenWidth + 1) problems.push("the page scrolls sideways: " + doc.scrollWidth + " > " + screenWidth);
		// Nothing a person reads may be the API's own language: raw codes
		// (in_review, association_minimum), JSON field names (startsAt), the
		// words of the contract, or an empty slot's placeholder (issue 14).
		// The local tools and the payment simulator, for developers, aside.
		if (!/^#\/(dev|pay\/)/.test(location.hash)) {
			const main = document.querySelector("main");
			const text = (main ? main.innerText : "") + "\n" + [...document.querySelectorAll("main input[type=submit], main button")].map((b) => b.textContent).join("\n");
			const term = /\b(?:[a-z]+_[a-z_]+|[a-z]+[A-Z][A-Za-z]*|property|properties|contract|schema|payload|null|undefined|NaN)\b/.exec(text.replace(/\S+@\S+/g, "").replace(/\bhttps?:\/\/\S+/g, ""));
			if (term) problems.push("an API term on the page: \"" + term[0] + "\" in \"" + text.slice(Math.max(0, term.index - 40), term.index + 40).replace(/\s+/g, " ") + "\"");
		}
		// Nor may a table on a phone: its rows stack instead (issue 14).
		if (window.innerWidth <= 640) {
			for (const w of document.querySelectorAll(".table-wrap")) {
				if (w.scrollWidth > w.clientWidth + 1) problems.push("a table scrolls sideways: " + (w.querySelector("caption")?.textContent || "") + " " + w.scrollWidth + " > " + w.clientWidth);
			}
		}
		return problems;
	})(`+screenWidth+`)`)
	if len(problems) > 0 {
		p.s.fail(t, p, "accessibility audit", errors.New(strings.Join(problems, "; ")))
	}
	p.review(t)
}

// fill sets a control's value as typing would (input and change events).
func (p *person) fill(t *testing.T, sel, value string) {
	t.Helper()
	eval[bool](t, p, "fill "+sel, fmt.Sprintf(`((sel, v) => {
		const el = document.querySelector(sel);
		if (!el) throw new Error("no element " + sel);
		el.focus();
		el.value = v;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})(%s, %s)`, js(sel), js(value)))
}

// fillIn fills several controls of the form (a selector ending in a
// space): pairs of a selector within it and the value.
func (p *person) fillIn(t *testing.T, form string, pairs ...string) {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatalf("fillIn %s: a selector without a value", form)
	}
	for i := 0; i < len(pairs); i += 2 {
		p.fill(t, form+pairs[i], pairs[i+1])
	}
}

// download clicks sel and returns the file the tab saved as name: the
// tab's browser context saves downloads into a directory of the test's.
func (p *person) download(t *testing.T, sel, name string) []byte {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllow,
		BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID,
		DownloadPath:     dir,
	}); err != nil {
		p.s.fail(t, p, "allow downloads", err)
	}
	p.click(t, sel)
	// Chromium writes the file under a temporary name and renames it when done.
	file := filepath.Join(dir, name)
	for deadline := time.Now().Add(actionTimeout); ; time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(file); err == nil {
			return b
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			p.s.fail(t, p, "download "+name, fmt.Errorf("not saved after %v; the directory holds %v", actionTimeout, names))
		}
	}
}

// click clicks the element with the mouse, as a person would.
func (p *person) click(t *testing.T, sel string) {
	t.Helper()
	p.do(t, "click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// text is the element's text; it waits for the element.
func (p *person) text(t *testing.T, sel string) string {
	t.Helper()
	p.waitJS(t, sel, fmt.Sprintf(`document.querySelector(%s) !== null`, js(sel)))
	return eval[string](t, p, "read "+sel, fmt.Sprintf(`document.querySelector(%s).textContent`, js(sel)))
}

// waitText waits until the element's text contains want.
func (p *person) waitText(t *testing.T, sel, want string) string {
	t.Helper()
	p.waitJS(t, fmt.Sprintf("%s to say %q", sel, want), fmt.Sprintf(`(document.querySelector(%s)?.textContent || "").includes(%s)`, js(sel), js(want)))
	return p.text(t, sel)
}

// signIn signs in through the local role picker.
func (p *person) signIn(t *testing.T, role, sub, email string) {
	t.Helper()
	p.open(t, "#/signin")
	p.click(t, fmt.Sprintf(`#signin-form input[name=role][value=%s]`, role))
	p.fill(t, `#signin-form [name=sub]`, sub)
	p.fill(t, `#signin-form [name=email]`, email)
	p.click(t, `#signin-form button[type=submit]`)
	who := email
	if who == "" {
		who = sub
	}
	p.waitText(t, "#signed-in-as", who)
}

// signInByKeyboard signs staff in with the keyboard alone: Tab to the role
// radios, arrow keys to pick staff, type, Enter.
func (p *person) signInByKeyboard(t *testing.T) {
	t.Helper()
	p.open(t, "#/signin")
	for i := 0; ; i++ {
		if eval[string](t, p, "the focused control", `document.activeElement.name || ""`) == "role" {
			break
		}
		if i == 25 {
			p.s.fail(t, p, "tab to the role picker", errors.New("25 presses of Tab did not reach it"))
		}
		p.do(t, "press Tab", chromedp.KeyEvent("\t"))
	}
	p.do(t, "pick staff and type the name",
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("office"),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("office@example.org"),
		chromedp.KeyEvent(kb.Enter))
	p.waitText(t, "#signed-in-as", "office@example.org")
	if role := p.text(t, "#signed-in-role"); role != "Association staff" {
		t.Fatalf("signed in by keyboard as %q", role)
	}
}

// token is the bearer token the tab signed in with.
func (p *person) token(t *testing.T) string {
	t.Helper()
	return eval[string](t, p, "read the token", `JSON.parse(sessionStorage.getItem("cecportal.session")).token`)
}

// errorOf is the error the form shows next to a control: its aria-invalid
// and the text of the error element its aria-describedby names.
func (p *person) errorOf(t *testing.T, sel string) string {
	t.Helper()
	p.waitJS(t, "an error at "+sel, fmt.Sprintf(`document.querySelector(%s)?.getAttribute("aria-invalid") === "true"`, js(sel)))
	p.review(t) // the page with the error, checked with axe-core
	return eval[string](t, p, "read the error of "+sel, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		return (el.getAttribute("aria-describedby") || "").split(/\s+/).map((id) => document.getElementById(id))
			.filter((x) => x && x.classList.contains("error-text")).map((x) => x.textContent).join(" ");
	})()`, js(sel)))
}

// api calls the stack's API the way infra/local's tests do, to check what
// the browser showed against the source: body goes as JSON, the answer
// must have status and is decoded into out.
func (s *suite) api(t *testing.T, method, path, token string, body any, status int, out any) {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	raw := s.call(t, method, path, token, b, "application/json", status)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// call sends one request (body, if any, as JSON) asking for accept and
// returns the answer's body, failing the test unless its status is status
// and, on success, its content type is accept.
func (s *suite) call(t *testing.T, method, path, token string, body []byte, accept string, status int) []byte {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	req.Header.Set("accept", accept)
	if token != "" {
		req.Header.Set("authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, raw)
	}
	if ct := resp.Header.Get("content-type"); status < 300 && len(raw) > 0 && !strings.HasPrefix(ct, accept) {
		t.Fatalf("%s %s: content type %q, want %s", method, path, ct, accept)
	}
	return raw
}

// setClock moves the stack's clock (the Local tools page does the same).
func (s *suite) setClock(t *testing.T, now string) {
	t.Helper()
	s.api(t, "PUT", "/dev/clock", "", map[string]any{"now": now}, 200, nil)
}

package browser

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The pages are checked with axe-core, the npm package pinned in
// package.json and package-lock.json beside this file: `npm ci` here (as
// .ci/run does) puts it under node_modules, and the tests read it from
// there and inject it through the DevTools protocol, which the pages'
// Content-Security-Policy does not govern.
const (
	axeScript  = "node_modules/axe-core/axe.min.js"
	axeInstall = "run .ci/run, or `npm ci` in infra/browser"
)

// width is a screen the pages are checked at.
type width struct {
	name, label string
	w, h        int64
	scale       float64
	mobile      bool
}

var (
	desktop = width{name: "desktop", label: "desktop 1280×900", w: 1280, h: 900, scale: 1}
	phone   = width{name: "phone", label: "phone 390×844", w: 390, h: 844, scale: 2, mobile: true}
)

func (w width) emulate() chromedp.Action[chromedp.Void] {
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(w.scale)}
	if w.mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(w.w, w.h, opts...)
}

// axeSource reads axe-core's script, once, after checking that the copy
// installed is the version package.json pins.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(axeScript)
	if err != nil {
		return "", fmt.Errorf("axe-core is not installed (%v): %s", err, axeInstall)
	}
	// The copy installed must be the one pinned, not a stale one.
	var pinned struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	var installed struct{ Version string }
	if err := readJSON("package.json", &pinned); err != nil {
		return "", err
	}
	if err := readJSON("node_modules/axe-core/package.json", &installed); err != nil {
		return "", fmt.Errorf("%v: %s", err, axeInstall)
	}
	if want := pinned.DevDependencies["axe-core"]; installed.Version != want {
		return "", fmt.Errorf("axe-core %s is installed, package.json pins %q: %s", installed.Version, want, axeInstall)
	}
	return string(b), nil
})

// needAxe is axe-core's script; without it the test fails, saying how to
// install it.
func needAxe(t *testing.T) string {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func readJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	return nil
}

// axeResult is one rule axe-core found broken (a violation), or could not
// decide on (incomplete: to review by hand), with the elements.
type axeResult struct {
	ID, Impact, Help, HelpURL string
	Nodes                     []struct{ Target, Message string }
}

// stateOf names what the tab shows: the route, IDs taken out of it, and a
// digest of the page's structure (every distinct element by tag, ID with
// its digits taken out, classes, role, state attributes and status, text
// left out), so that a new row or another program does not count as a new
// state, and an error summary, a decision or another status does.
const stateOf = `(() => {
	const norm = (s) => s.replace(/[0-9]+/g, "#");
	const route = location.hash.split("/").map((seg) => /[0-9]/.test(seg.split("?")[0]) ? ":id" + (seg.includes("?") ? "?" + seg.split("?")[1] : "") : seg).join("/");
	const seen = new Set();
	for (const el of document.body.querySelectorAll("*")) {
		let d = el.tagName.toLowerCase();
		if (el.id) d += "#" + norm(el.id);
		if (typeof el.className === "string" && el.className.trim()) d += "." + el.className.trim().split(/\s+/).sort().join(".");
		for (const a of ["role", "hidden", "disabled", "aria-invalid", "aria-expanded", "aria-current", "data-status", "open"]) {
			if (el.hasAttribute(a)) d += "[" + a + "=" + el.getAttribute(a) + "]";
		}
		seen.add(d);
	}
	return route + "\n" + [...seen].sort().join("\n");
})()`

// runAxe checks the whole document with every rule axe-core runs by
// default (WCAG 2.x A and AA, and best practices) and returns what it
// found: every element of a violation; of what it could not decide on,
// only the first element of each rule (quicker than all of them).
const runAxe = `axe.run(document, {resultTypes: ["violations"]}).then((r) => {
	const out = (list) => list.map((v) => ({
		id: v.id, impact: v.impact || "", help: v.help, helpURL: v.helpUrl,
		nodes: v.nodes.map((n) => ({target: n.target.map(String).join(" "), message: [...n.any, ...n.all, ...n.none].map((c) => c.message).join("; ")})),
	}));
	return {violations: out(r.violations), incomplete: out(r.incomplete)};
})`

// reviewed is what the suite checked with axe-core: the states seen, and
// what passes but is reported: violations of lesser impact, and what axe
// could not decide on.
type reviewed struct {
	states map[string]bool
	notes  map[string]*axeNote // by "kind rule"
}

// axeNote is a result that does not fail the test: where it was first
// found, and on how many screens (a state at a width) in all.
type axeNote struct {
	first   string
	screens int
}

// review checks the tab's state with axe-core at both widths, once per
// distinct route and state, failing on any violation of impact serious or
// critical; with CECPORTAL_PAGE_SHOTS set it also saves a screenshot at
// each width (shots_test.go). The tab is put back to its own width
// afterwards.
func (p *person) review(t *testing.T) {
	t.Helper()
	src := needAxe(t)
	state := eval[string](t, p, "read the page's state", stateOf)
	route, _, _ := strings.Cut(state, "\n")
	sum := sha256.Sum256([]byte(state))
	key := hex.EncodeToString(sum[:8])
	p.s.mu.Lock()
	if p.s.axe.states == nil {
		p.s.axe = reviewed{states: map[string]bool{}, notes: map[string]*axeNote{}}
	}
	seen := p.s.axe.states[key]
	p.s.axe.states[key] = true
	p.s.mu.Unlock()
	if seen {
		return
	}
	if !eval[bool](t, p, "look for axe-core", `typeof window.axe === "object"`) {
		eval[bool](t, p, "inject axe-core", src+"\n;true")
	}
	shot := newShot(t, p, route)
	var serious []string
	for _, w := range []width{desktop, phone} {
		p.do(t, "emulate a "+w.label+" screen", w.emulate())
		found := eval[struct{ Violations, Incomplete []axeResult }](t, p, "run axe-core at "+w.label, runAxe)
		for _, v := range found.Violations {
			if v.Impact == "serious" || v.Impact == "critical" {
				for _, n := range v.Nodes {
					serious = append(serious, fmt.Sprintf("%s (%s) at %s, %s: %s (%s) [%s]", v.ID, v.Impact, n.Target, w.label, v.Help, n.Message, v.HelpURL))
				}
				continue
			}
			p.s.note("violation", v, route, w)
		}
		for _, v := range found.Incomplete {
			p.s.note("to review", v, route, w)
		}
		shot.take(t, p, w)
	}
	p.do(t, "restore the tab's screen", p.ownWidth())
	if len(serious) > 0 {
		p.s.fail(t, p, "axe-core: serious or critical violations at "+route, errors.New("\n\t"+strings.Join(serious, "\n\t")))
	}
	// axe-core runs as a script from the protocol; it must not have made the page break its policy either.
	p.checkCSP(t)
}

// ownWidth puts the tab back to the screen it was opened with.
func (p *person) ownWidth() chromedp.Action[chromedp.Void] {
	if p.phone {
		return phone.emulate()
	}
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	})
}

// auditTabs audits what every tab shows, axe-core included (the flows
// test does so after each step).
func (s *suite) auditTabs(t *testing.T) {
	t.Helper()
	for _, p := range s.peopleNow() {
		p.audit(t)
	}
}

// note counts a result that does not fail the test, keeping its first place.
func (s *suite) note(kind string, v axeResult, route string, w width) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := kind + " " + v.ID
	n := s.axe.notes[key]
	if n == nil && len(v.Nodes) > 0 {
		n = &axeNote{first: fmt.Sprintf("%s: %s; first at %s %s, %s: %s", v.Impact, v.Help, route, v.Nodes[0].Target, w.label, v.Nodes[0].Message)}
		s.axe.notes[key] = n
	}
	if n != nil {
		n.screens++
	}
}

// logReview says, once the test is done, how many states axe-core checked
// and what it found that does not fail the test: violations of impact
// moderate or minor, and what it could not decide on.
func (s *suite) logReview(t *testing.T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	for key, n := range s.axe.notes {
		lines = append(lines, fmt.Sprintf("%s on %d screens (%s)", key, n.screens, n.first))
	}
	sort.Strings(lines)
	msg := fmt.Sprintf("axe-core checked %d distinct states, each at %s and %s", len(s.axe.states), desktop.label, phone.label)
	if len(lines) > 0 {
		msg += "; found, not failing the test:\n\t" + strings.Join(lines, "\n\t")
	}
	t.Log(msg)
}

package browser

import (
	"context"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// pageShotsEnv names a directory into which the tests write a PNG of every
// page and state they check with axe-core, at both widths, and an
// index.html to review them (`make screenshots`).
const pageShotsEnv = "CECPORTAL_PAGE_SHOTS"

// shots is every state the package's tests photographed, in order.
var shots struct {
	sync.Mutex
	list []*shot
}

// shot is one state: the test step, tab and route, and a file per width.
type shot struct {
	n                int
	step, who, route string
	dir              string
	files            map[string]string // width's name → file name
}

// newShot starts the screenshots of the tab's state, or is nil when none
// are asked for.
func newShot(t *testing.T, p *person, route string) *shot {
	t.Helper()
	dir := os.Getenv(pageShotsEnv)
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("%s: %v", pageShotsEnv, err)
	}
	shots.Lock()
	defer shots.Unlock()
	s := &shot{n: len(shots.list) + 1, step: strings.TrimPrefix(t.Name(), "TestBrowser_"), who: p.name, route: route, dir: dir, files: map[string]string{}}
	shots.list = append(shots.list, s)
	return s
}

// take saves the whole page as the tab shows it at w, named by the order,
// the step, the tab, the route and the width, and writes the index again.
func (s *shot) take(t *testing.T, p *person, w width) {
	t.Helper()
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.s.fail(t, p, "screenshot at "+w.label, err)
	}
	route := strings.Trim(sanitize(strings.TrimPrefix(s.route, "#/")), "_")
	if route == "" {
		route = "home"
	}
	name := fmt.Sprintf("%03d-%s-%s-%s-%s.png", s.n, sanitize(s.step), sanitize(p.name), route, w.name)
	if err := os.WriteFile(filepath.Join(s.dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	shots.Lock()
	s.files[w.name] = name
	shots.Unlock()
	writeShotIndex(t)
}

// writeShotIndex writes index.html beside the screenshots: a row per
// state, with its step, tab and route, desktop and phone side by side.
func writeShotIndex(t *testing.T) {
	t.Helper()
	shots.Lock()
	defer shots.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cecportal: the pages the browser tests visit</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}th,td{vertical-align:top;text-align:left;padding:.5rem;border-bottom:1px solid #ccc}img{border:1px solid #999}</style>
</head><body><h1>The pages the browser tests visit</h1>
<p>Every distinct page and state the browser tests check with axe-core, at %s and %s, in the order visited (<code>make screenshots</code>). Select a picture for its full size.</p>
<table><thead><tr><th>#</th><th>step, tab, route</th><th>desktop</th><th>phone</th></tr></thead><tbody>
`, desktop.label, phone.label)
	for _, s := range shots.list {
		fmt.Fprintf(&b, "<tr><td>%d</td><td>%s<br>%s<br><code>%s</code></td>", s.n, html.EscapeString(s.step), html.EscapeString(s.who), html.EscapeString(s.route))
		for _, w := range []width{desktop, phone} {
			f := s.files[w.name]
			if f == "" {
				b.WriteString("<td></td>")
				continue
			}
			fmt.Fprintf(&b, `<td><a href="%s"><img src="%s" alt="%s at %s" width="%d" loading="lazy"></a></td>`,
				html.EscapeString(f), html.EscapeString(f), html.EscapeString(s.route), w.label, w.w/2)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table></body></html>\n")
	if err := os.WriteFile(filepath.Join(shots.list[0].dir, "index.html"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

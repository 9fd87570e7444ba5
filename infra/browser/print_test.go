package browser

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/cecportal/cecportal/internal/localstack"
)

// TestBrowser_Print: a page printed or saved as PDF (issue 17's print
// stylesheet) shows its content without the navigation, the sign-in line
// and the buttons, and fits the paper's width.
func TestBrowser_Print(t *testing.T) {
	s := start(t, localstack.Config{Now: "2027-03-12T09:00:00-05:00"})
	tok := s.token(t, "pia", "", "pia@example.com")
	s.api(t, "POST", "/holders", tok, map[string]any{"firstName": "Pia", "lastName": "Printer", "email": "pia@example.com"}, 201, nil)
	pia := s.person(t, "holder", false)
	pia.signIn(t, "holder", "pia", "pia@example.com")
	pia.open(t, "#/holder/status?year=2028")
	pia.waitJS(t, "the status", `!!document.querySelector("main h2")`)
	pia.do(t, "print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	defer pia.do(t, "screen media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
		return err
	}))
	time.Sleep(100 * time.Millisecond)
	shown := eval[[]string](t, pia, "what prints", `(() => {
		const out = [];
		const visible = (el) => el && getComputedStyle(el).display !== "none" && el.getClientRects().length > 0;
		for (const sel of ["header nav", "#who", "main button"]) {
			for (const el of document.querySelectorAll(sel)) if (visible(el)) out.push(sel + " prints");
		}
		if (!visible(document.querySelector("main h1"))) out.push("the page's heading does not print");
		if (getComputedStyle(document.querySelector(".top")).backgroundColor !== "rgba(0, 0, 0, 0)") out.push("the header prints on a coloured background");
		return out;
	})()`)
	for _, p := range shown {
		t.Error(p)
	}
}

package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Colours are the portal's: its accent (the header, buttons and links)
// and the text on it. Each pair a person reads must meet WCAG 2.2's
// contrast minimum for text, 4.5:1: the text on the accent, and the accent
// as link text on the white page.
type Colours struct {
	Accent     string `json:"accent"`     // #rrggbb; default #1f4e79
	AccentText string `json:"accentText"` // #rrggbb; default #ffffff
}

// The shipped colours (internal/web/static/app.css's).
const (
	defaultAccent     = "#1f4e79"
	defaultAccentText = "#ffffff"
	minContrast       = 4.5
)

// hexColour reports whether s is #rrggbb (no regexp: the policy package
// starts in every function, and a compiled pattern costs its cold start).
func hexColour(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func (c *Colours) validate() error {
	if c.Accent == "" {
		c.Accent = defaultAccent
	}
	if c.AccentText == "" {
		c.AccentText = defaultAccentText
	}
	for _, f := range []struct{ name, value string }{{"accent", c.Accent}, {"accentText", c.AccentText}} {
		if !hexColour(f.value) {
			return fieldErr("association.colours."+f.name, fmt.Sprintf("must be a colour as #rrggbb, not %q", f.value))
		}
	}
	if r := Contrast(c.Accent, c.AccentText); r < minContrast {
		return fieldErr("association.colours.accentText", fmt.Sprintf("is too close to the accent to read: contrast %.2f:1, at least %.1f:1 needed", r, minContrast))
	}
	if r := Contrast(c.Accent, "#ffffff"); r < minContrast {
		return fieldErr("association.colours.accent", fmt.Sprintf("is too light for links on the white page: contrast %.2f:1, at least %.1f:1 needed", r, minContrast))
	}
	return nil
}

// Contrast is WCAG 2.2's contrast ratio of two #rrggbb colours, 1 to 21.
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the relative luminance of a #rrggbb colour (WCAG 2.2).
func luminance(hex string) float64 {
	channel := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(1) + 0.7152*channel(3) + 0.0722*channel(5)
}

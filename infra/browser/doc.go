// Package browser holds the browser tests of the web forms: the real local
// stack (as `make run` starts it) on a free loopback port, and headless
// Chromium (Debian's chromium package) driven through chromedp filling in
// the forms as people would, with every result checked against the API.
// The tests fail, never skip, when Chromium is missing.
package browser

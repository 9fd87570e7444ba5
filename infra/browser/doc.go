// Package browser holds the browser tests of the web forms: the real local
// stack (as `make run` starts it) on a free loopback port, and headless
// Chromium (Debian's chromium package) driven through chromedp filling in
// the forms as people would, with every result checked against the API,
// and every page and state checked with axe-core at a desktop's and a
// phone's width. The tests fail, never skip, when Chromium or axe-core
// (`npm ci` here) is missing.
package browser

// Package freetext is the one rule for text people type into a form: what
// it may contain and how long it may be. Every free-text field of every
// request is held to it, at the HTTP edge for every string of a body and in
// each service for its own fields, so that nothing a person reads later (a
// review queue, a CSV export, an email) carries a control character or a
// character that reorders or hides text.
package freetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Codes of the problems Check reports, stable for API clients.
const (
	CodeTooLong  = "too_long"
	CodeControls = "control_characters"
)

// Hidden reports a rune no stored text may hold, whatever the field: C0 and
// C1 control characters other than tab and the two newline characters, DEL,
// the bidirectional embeddings, overrides and isolates (which can make a
// name display as something else), the line and paragraph separators, and
// the byte-order mark.
func Hidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
		r == 0x2028 || r == 0x2029, r == 0xFEFF:
		return true
	}
	return false
}

// HasHidden reports whether s holds a rune Hidden refuses.
func HasHidden(s string) bool { return strings.ContainsFunc(s, Hidden) }

// Check reports the first problem of s as free text of at most max
// characters: its code and a message for the person who typed it, or ""
// when there is none. Tab and newlines are allowed only in a multiline
// field (a description, a reason).
func Check(s string, max int, multiline bool) (code, message string) {
	switch {
	case utf8.RuneCountInString(s) > max:
		return CodeTooLong, fmt.Sprintf("must be at most %d characters", max)
	case HasHidden(s), !multiline && strings.ContainsAny(s, "\t\r\n"):
		if multiline {
			return CodeControls, "must not contain control or text-direction characters"
		}
		return CodeControls, "must be one line, without tabs or control characters"
	}
	return "", ""
}

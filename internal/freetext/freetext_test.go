package freetext

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		max       int
		multiline bool
		code      string
	}{
		{"Plain", "Fair housing update", 200, false, ""},
		{"Accents", "Zoë Ørsted – São Paulo", 200, false, ""},
		{"Emoji", "Leasing 101 🏢", 200, false, ""},
		{"AtMax", strings.Repeat("é", 5), 5, false, ""},
		{"OverMax", strings.Repeat("é", 6), 5, false, CodeTooLong},
		{"NewlineInMultiline", "line one\nline two\r\n\tindented", 200, true, ""},
		{"NewlineInLine", "line one\nline two", 200, false, CodeControls},
		{"TabInLine", "a\tb", 200, false, CodeControls},
		{"BEL", "Title\a", 200, false, CodeControls},
		{"BELInMultiline", "Title\a", 200, true, CodeControls},
		{"NUL", "a\x00b", 200, true, CodeControls},
		{"Escape", "\x1b[31mred", 200, true, CodeControls},
		{"DEL", "a\x7fb", 200, false, CodeControls},
		{"C1", "a\u0085b", 200, true, CodeControls},
		{"RightToLeftOverride", "invoice\u202Efdp.exe", 200, false, CodeControls},
		{"Isolate", "a\u2066b", 200, false, CodeControls},
		{"LineSeparator", "a\u2028b", 200, true, CodeControls},
		{"ByteOrderMark", "\uFEFFtitle", 200, false, CodeControls},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := Check(tc.in, tc.max, tc.multiline)
			if code != tc.code || (code == "") != (msg == "") {
				t.Fatalf("Check(%q) = %q, %q; want code %q", tc.in, code, msg, tc.code)
			}
		})
	}
}

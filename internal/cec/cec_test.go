package cec

import (
	"encoding/json"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Hours
		err  bool
	}{
		{"6", 600, false}, {"1.5", 150, false}, {"0.25", 25, false}, {"1.50", 150, false},
		{" 3 ", 300, false}, {"0", 0, false},
		{"", 0, true}, {"1.", 0, true}, {".5", 0, true}, {"1.234", 0, true}, {"-1", 0, true},
		{"1e2", 0, true}, {"abc", 0, true}, {"1.5.0", 0, true}, {"9999999999999", 0, true},
	} {
		got, err := Parse(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestHours_String(t *testing.T) {
	for h, want := range map[Hours]string{600: "6", 150: "1.5", 25: "0.25", 5: "0.05", 0: "0", -150: "-1.5"} {
		if got := h.String(); got != want {
			t.Errorf("Hours(%d).String() = %q, want %q", int64(h), got, want)
		}
	}
}

func TestHours_JSON(t *testing.T) {
	var v struct{ H Hours }
	if err := json.Unmarshal([]byte(`{"H": 1.75}`), &v); err != nil || v.H != 175 {
		t.Fatalf("unmarshal 1.75: %v, %v", v.H, err)
	}
	if err := json.Unmarshal([]byte(`{"H": 0.001}`), &v); err == nil {
		t.Fatal("three decimal places accepted")
	}
	b, _ := json.Marshal(struct{ H Hours }{150})
	if string(b) != `{"H":1.5}` {
		t.Fatalf("marshal: %s", b)
	}
}

package roster_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/roster"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    roster.Date
		wantErr string
	}{
		{in: "2027-03-10", want: date(2027, time.March, 10)},
		{in: "3/10/2027", want: date(2027, time.March, 10)},
		{in: "03/10/2027", want: date(2027, time.March, 10)},
		{in: "12/1/2027", want: date(2027, time.December, 1)},
		{in: "2028-02-29", want: date(2028, time.February, 29)},
		{in: "2/29/2000", want: date(2000, time.February, 29)},
		{in: "0001-01-01", want: date(1, time.January, 1)},
		{in: "9999-12-31", want: date(9999, time.December, 31)},

		{in: "2027-02-30", wantErr: `"2027-02-30" is not a date: February 2027 has 28 days`},
		{in: "2/29/1900", wantErr: `"2/29/1900" is not a date: February 1900 has 28 days`},
		{in: "2027-04-31", wantErr: `"2027-04-31" is not a date: April 2027 has 30 days`},
		{in: "2027-03-00", wantErr: `"2027-03-00" is not a date: March 2027 has 31 days`},
		{in: "2027-13-01", wantErr: `"2027-13-01" is not a date: there is no month 13`},
		{in: "0/10/2027", wantErr: `"0/10/2027" is not a date: there is no month 0`},
		{in: "0000-01-01", wantErr: `"0000-01-01" is not a date: there is no year 0`},
	}
	bad := []string{"", " 2027-03-10", "2027-03-10 ", "2027-3-10", "27-03-10", "2027/03/10", "10-03-2027",
		"3/10/27", "003/10/2027", "3/010/2027", "3//2027", "3/10/2027/1", "+3/10/2027", "2027-0a-10", "２０２７-03-10",
		"March 10, 2027", "2027-03-10T00:00:00Z", "3/10/2027 0:00", "-001-03-10"}
	for _, s := range bad {
		tests = append(tests, struct {
			in      string
			want    roster.Date
			wantErr string
		}{in: s, wantErr: "is not a date; write it as YYYY-MM-DD (2027-03-10) or MM/DD/YYYY (03/10/2027)"})
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := roster.ParseDate(tt.in)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			e, ok := err.(*roster.Error)
			if !ok {
				t.Fatalf("got %v, %v; want a *roster.Error", got, err)
			}
			want := tt.wantErr
			if want[0] != '"' {
				want = quote(tt.in) + " " + want
			}
			if e.Code != roster.CodeInvalidDate || e.Message != want || e.Line != 0 || e.Column != "" || got != (roster.Date{}) {
				t.Errorf("got %v, %#v; want message %q", got, e, want)
			}
		})
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestDate(t *testing.T) {
	a, b := date(2027, time.March, 10), date(2027, time.March, 11)
	if a.String() != "2027-03-10" || date(12, time.January, 2).String() != "0012-01-02" {
		t.Errorf("String: %s, %s", a, date(12, time.January, 2))
	}
	if !a.Before(b) || a.After(b) || !b.After(a) || a.Before(a) || a.Compare(a) != 0 || a.Compare(b) != -1 || b.Compare(a) != 1 {
		t.Error("Before/After/Compare on days")
	}
	if date(2026, time.December, 31).Compare(a) != -1 || date(2027, time.April, 1).Compare(a) != 1 {
		t.Error("Compare across months and years")
	}
	loc := time.FixedZone("X", -5*3600)
	if got := a.Time(loc); !got.Equal(time.Date(2027, time.March, 10, 0, 0, 0, 0, loc)) || got.Location() != loc {
		t.Errorf("Time = %v", got)
	}
	if roster.DateOf(time.Date(2027, time.March, 10, 23, 59, 0, 0, loc)) != a {
		t.Error("DateOf")
	}
	if !(roster.Date{}).IsZero() || a.IsZero() {
		t.Error("IsZero")
	}
	var v struct{ D roster.Date }
	if err := json.Unmarshal([]byte(`{"D":"3/10/2027"}`), &v); err != nil || v.D != a {
		t.Fatalf("Unmarshal: %v, %v", v.D, err)
	}
	if out, _ := json.Marshal(v); string(out) != `{"D":"2027-03-10"}` {
		t.Errorf("Marshal: %s", out)
	}
	if err := json.Unmarshal([]byte(`{"D":"2027-02-30"}`), &v); err == nil {
		t.Error("Unmarshal accepted 2027-02-30")
	}
}

// No date goes through JSON and back as no date; a date as itself.
func TestDate_JSON(t *testing.T) {
	for _, d := range []roster.Date{{}, {Year: 2021, Month: time.August, Day: 31}} {
		b, err := json.Marshal(struct{ On roster.Date }{d})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ On roster.Date }
		if err := json.Unmarshal(b, &back); err != nil || back.On != d {
			t.Fatalf("%v → %s → %v (%v)", d, b, back.On, err)
		}
	}
}

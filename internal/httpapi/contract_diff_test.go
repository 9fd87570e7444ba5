package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
)

// diffWorld runs one request through both validators: the compiled
// contract (what the Lambdas run) and kin-openapi over the loaded document
// (what they ran before).
type diffWorld struct {
	doc *openapi3.T
	c   *contract.Contract
}

func newDiffWorld(tb testing.TB) *diffWorld {
	tb.Helper()
	doc, err := apispec.Spec()
	if err != nil {
		tb.Fatal(err)
	}
	return &diffWorld{doc: doc, c: generatedContract()}
}

// compare validates one request both ways and reports any difference in
// verdict or details. It returns false when the request stops before
// validation (a malformed query or a body refused by the cheap checks,
// which are the same code either way).
func (w *diffWorld) compare(t *testing.T, op *contract.Operation, params map[string]string, rawQuery string, header http.Header, contentType string, body []byte) bool {
	t.Helper()
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	if header == nil {
		header = http.Header{}
	}
	if contentType != "" {
		header.Set("Content-Type", contentType)
	}
	path := op.Path
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	r := &Request{Params: params, Query: q, Header: header}
	r.Event.RawPath = path
	r.Event.RawQueryString = rawQuery
	var decoded any
	if op.Body != nil {
		r.Body = body
		// The media type lookup moved from kin-openapi to the contract.
		kinMedia := w.doc.Paths.Value(op.Path).GetOperation(op.Method).RequestBody.Value.Content.Get(contentType)
		if (kinMedia == nil) != (op.Body.Media(contentType) == nil) {
			t.Errorf("%s %s: Content-Type %q: kin-openapi finds media %v, the contract %v", op.Method, op.Path, contentType, kinMedia != nil, op.Body.Media(contentType) != nil)
		}
		if r.MediaType, decoded, err = checkBody(op.Body, body, header, DefaultMaxBodyBytes); err != nil {
			return false
		}
	}
	got := validate(op, r, decoded, false) // the free-text rule is beyond the schema
	want := kinValidate(context.Background(), w.doc, op, r)
	if !sameFault(got, want) {
		t.Errorf("%s %s params=%v query=%q body=%q:\ncontract:    %s\nkin-openapi: %s", op.Method, op.Path, params, rawQuery, body, describe(got), describe(want))
	}
	return true
}

func sameFault(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	fa, okA := fault.As(a)
	fb, okB := fault.As(b)
	return okA && okB && fa.Kind == fb.Kind && fa.Code == fb.Code && fa.Message == fb.Message && reflect.DeepEqual(fa.Details, fb.Details)
}

func describe(err error) string {
	if err == nil {
		return "accepted"
	}
	if fe, ok := fault.As(err); ok {
		var b strings.Builder
		b.WriteString(fe.Code)
		for _, d := range fe.Details {
			b.WriteString("\n    " + d.Field + " " + d.Code + ": " + d.Message)
		}
		return b.String()
	}
	return err.Error()
}

// pathValues stand in for each path parameter: a valid ID, one the pattern
// refuses, one too long, numbers in and out of range, and not a number.
var pathValues = []string{"PRG-7K3M9Q2XAB", "SUB-1", "a_b", "a b", strings.Repeat("A", 41), "2027", "1999", "2101", "x", "0x10", "+2050", "2.5e3", "é"}

// queryValues are tried for every query parameter, alone and repeated.
var queryValues = []string{
	"", "1", "0", "50", "100", "101", "-1", "1.5", "abc", "99999999999999999999", " 5",
	"true", "false", "1e2", "T", "yes",
	"draft", "in_review", "received", "bogus", "IN_REVIEW",
	"AbC_-9", "a b", "a+b", strings.Repeat("c", 2049),
	"2025-01-01T00:00:00Z", "2025-01-01T00:00:00-06:00", "2025-01-01", "2025-13-01T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01t00:00:00z",
	"Mül", "M", strings.Repeat("ü", 101), "2000", "2100", "2101",
}

func pathParamsOf(op *contract.Operation, v string) map[string]string {
	params := map[string]string{}
	for _, p := range op.Params {
		if p.In == "path" {
			params[p.Name] = v
		}
	}
	return params
}

// TestContract_SameVerdictsAsKinOpenAPI checks every operation's
// parameters, and every body of the committed FuzzRequestBody corpus (and
// of diffBodies) against every operation that takes a body, with both
// validators, requiring the same verdict and the same details.
func TestContract_SameVerdictsAsKinOpenAPI(t *testing.T) {
	w := newDiffWorld(t)
	bodies := append(seedBodies(t), diffBodies...)
	compared := 0
	for _, op := range w.c.Operations {
		t.Run(op.Method+" "+op.Path, func(t *testing.T) {
			valid := pathParamsOf(op, "PRG-7K3M9Q2XAB")
			body, ct := []byte(nil), ""
			if op.Body != nil {
				body, ct = []byte(`{}`), op.Body.Content[0].Type
			}
			// Path parameters, then query parameters one by one.
			for _, v := range pathValues {
				if w.compare(t, op, pathParamsOf(op, v), "", nil, ct, body) {
					compared++
				}
			}
			w.compare(t, op, nil, "", nil, ct, body) // no path parameters at all
			for _, p := range op.Params {
				if p.In != "query" {
					continue
				}
				for _, v := range queryValues {
					for _, q := range []string{
						p.Name + "=" + url.QueryEscape(v),
						p.Name + "=&" + p.Name + "=" + url.QueryEscape(v),
						p.Name + "=" + url.QueryEscape(v) + "&other=1",
					} {
						if w.compare(t, op, valid, q, nil, ct, body) {
							compared++
						}
					}
				}
				w.compare(t, op, valid, p.Name, nil, ct, body) // the key alone
			}
			for _, p := range op.Params {
				if p.In != "header" {
					continue
				}
				for _, v := range []string{"", "t=1,v1=ab", strings.Repeat("s", 2049)} {
					h := http.Header{}
					h[http.CanonicalHeaderKey(p.Name)] = []string{v}
					w.compare(t, op, valid, "", h, ct, body)
				}
				w.compare(t, op, valid, "", http.Header{}, ct, body)
			}
			if op.Body == nil {
				return
			}
			for _, m := range op.Body.Content {
				for _, b := range bodies {
					if w.compare(t, op, valid, "", nil, m.Type, b) {
						compared++
					}
				}
			}
			for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON", "text/csv", "text/plain", "application/*", "application/problem+json", ""} {
				w.compare(t, op, valid, "", nil, ct, []byte(`{"a":1}`))
			}
		})
	}
	if compared < 1000 {
		t.Errorf("only %d requests reached validation; the cases have rotted", compared)
	}
	t.Logf("%d requests compared", compared)
}

// seedBodies are the bodies of FuzzRequestBody's committed corpus.
func seedBodies(tb testing.TB) [][]byte {
	tb.Helper()
	dir := filepath.Join("testdata", "fuzz", "FuzzRequestBody")
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, e := range entries {
		_, body, err := readBodySeed(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatalf("%s: %v", e.Name(), err)
		}
		out = append(out, body)
	}
	if len(out) == 0 {
		tb.Fatal("no FuzzRequestBody seeds")
	}
	return out
}

// diffBodies reach the corners of the schema keywords: every JSON type at
// the top and in fields, nulls, numbers past float64, lengths counted in
// code points, the date formats' edges, unknown and missing properties.
var diffBodies = [][]byte{
	[]byte(`null`), []byte(`[]`), []byte(`"x"`), []byte(`1`), []byte(`true`), []byte(`1e400`), []byte(`{}`),
	[]byte(`{"year":2028.0,"activities":[]}`),
	[]byte(`{"year":2028.5,"activities":[null,1,"x",[],{}]}`),
	[]byte(`{"year":1e400,"activities":{}}`),
	[]byte(`{"year":"2028","activities":[{"kind":"k","title":"t","organisation":"o","date":"2027-02-30","hours":1.5,"compliance":true,"documentation":{"kind":"certificate"},"extra":1}]}`),
	[]byte(`{"year":-1e308,"activities":[{"date":"27-02-03","hours":-1,"compliance":"yes"}]}`),
	[]byte(`{"decision":null,"reason":null}`),
	[]byte(`{"decision":"approve","reason":"` + strings.Repeat("é", 2000) + `"}`),
	[]byte(`{"decision":"approve","reason":"` + strings.Repeat("😀", 1001) + `"}`),
	[]byte(`{"decision":"reject","activities":[{"index":49,"decision":"reject","reason":"r"},{"index":50,"decision":"approve","reason":""},{"index":-0.0}]}`),
	[]byte(`{"decision":"APPROVE","extra":{"deep":[1,2]}}`),
	[]byte(`{"membership":"member","credentials":[{"code":"CAM","earnedOn":"2019-05-01"},{"code":"CAM","earnedOn":"2019-5-1"},{"code":"","earnedOn":"2019-00-10"},{"earnedOn":"2019-12-32"}]}`),
	[]byte(`{"membership":"guest","credentials":[` + strings.Repeat(`{"code":"CAM","earnedOn":"2019-05-01"},`, 20) + `{"code":"CAM","earnedOn":"2019-05-01"}]}`),
	[]byte(`{"firstName":"","lastName":"` + strings.Repeat("x", 101) + `","email":"not-an-email","contact":{"phone":"+1","address":{"line1":"1","city":"c","country":"USA"}}}`),
	[]byte(`{"firstName":"A","lastName":"B","email":"a@b.c","contact":{"address":{"country":"us","line2":null}},"phone":7}`),
	[]byte(`{"title":"t","startsAt":"2027-03-10T09:00:00.123-05:00","endsAt":"2027-03-10T09:00:00","contactHours":0,"format":"in_person","instructors":[""],"objectives":[1],"url":"u","timeZone":"America/Chicago","calendarOptIn":1}`),
	[]byte(`{"startsAt":"2027-03-10T23:59:60Z","endsAt":"2027-03-10T09:00:00+0500","contactHours":-0.5,"format":null}`),
	[]byte(`{"startsAt":"2027-03-10T09:00:00.Z","endsAt":"2027-03-10 09:00:00Z","contactHours":1e2,"format":"online"}`),
	[]byte(`{"rows":[{"programId":"P","holderId":"H","firstName":"F","lastName":"L","completionDate":"2027-02-20"},{"programId":1}]}`),
	[]byte(`{"rows":[]}`),
	[]byte(`{"name":"N","contactName":"C","email":"e@x","phone":"` + strings.Repeat("1", 41) + `","address":{"line1":"l","city":"c","country":"US","postalCode":"` + strings.Repeat("9", 21) + `"}}`),
	[]byte(`{"email":"a@b.c","listedInDirectory":"yes","address":{}}`),
	[]byte(`{"id":"evt_1","type":"checkout.session.completed","data":{"object":{}}}`),
}

// FuzzContract sends any path parameter, query string and body to any
// operation and requires the compiled contract and kin-openapi to agree.
// Its seeds are FuzzRequestBody's corpus and diffBodies.
func FuzzContract(f *testing.F) {
	w := newDiffWorld(f)
	for i, b := range append(seedBodies(f), diffBodies...) {
		f.Add(uint8(i), "PRG-7K3M9Q2XAB", "limit=5&cursor=abc", b)
	}
	f.Fuzz(func(t *testing.T, op uint8, pathValue, query string, body []byte) {
		o := w.c.Operations[int(op)%len(w.c.Operations)]
		ct := ""
		if o.Body != nil {
			ct = o.Body.Content[int(op)%len(o.Body.Content)].Type
		}
		w.compare(t, o, pathParamsOf(o, pathValue), query, nil, ct, body)
	})
}

// TestFormatValid_AgreesWithKinOpenAPI holds the hand-written date and
// date-time checks to kin-openapi's format validators.
func TestFormatValid_AgreesWithKinOpenAPI(t *testing.T) {
	values := []string{"2027-03-10", "2027-3-10", "2027-00-10", "2027-13-10", "2027-12-00", "2027-12-31", "2027-12-32", "2027-02-30", "0000-01-01", "20270-01-01",
		"2027-03-10T09:00:00Z", "2027-03-10T09:00:00z", "2027-03-10t09:00:00Z", "2027-03-10T09:00:00", "2027-03-10T24:00:00Z", "2027-03-10T23:60:00Z",
		"2027-03-10T23:59:60Z", "2027-03-10T23:59:61Z", "2027-03-10T09:00:00.5Z", "2027-03-10T09:00:00.Z", "2027-03-10T09:00:00.123456789+05:30",
		"2027-03-10T09:00:00+0530", "2027-03-10T09:00:00+05:3", "2027-03-10T09:00:00+5:30", "2027-03-10T09:00:00-00:00", "2027-03-10T09:00:00+99:99",
		"2027-03-10 09:00:00Z", "", "x", "2027-03-10\n", "٢٠٢٧-03-10", "2027-03-10T09:00:00Z ", " 2027-03-10"}
	for _, format := range []string{"date", "date-time", "email"} {
		validator := openapi3.SchemaStringFormats[format]
		for _, v := range values {
			want := validator == nil || validator.Validate(v) == nil
			if got := contract.FormatValid(format, v); got != want {
				t.Errorf("FormatValid(%q, %q) = %v, kin-openapi says %v", format, v, got, want)
			}
		}
	}
}

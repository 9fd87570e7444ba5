package httpapi

import (
	"cmp"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/freetext"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
)

// checkBody applies the cheap checks before schema validation, in the order
// a client would want to hear about them: size, presence, type, syntax.
// It returns the body's media type ("" when there is no body) and, for
// JSON, the decoded body.
func checkBody(rb *contract.Body, body []byte, header http.Header, max int64) (string, any, error) {
	if int64(len(body)) > max {
		return "", nil, fault.New(fault.TooLarge, "body_too_large",
			fmt.Sprintf("the request body is larger than %d bytes", max))
	}
	if len(body) == 0 {
		if rb.Required {
			return "", nil, errBodyRequired
		}
		return "", nil, nil
	}
	raw := header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(raw)
	if err != nil || rb.Media(mt) == nil {
		return "", nil, fault.New(fault.UnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("Content-Type must be one of: %s", strings.Join(rb.MediaTypes(), ", ")))
	}
	var v any
	if isJSON(mt) {
		// JSON is UTF-8 (RFC 8259); a declared other charset would be misread.
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
			return "", nil, fault.New(fault.UnsupportedMediaType, "unsupported_media_type", "JSON bodies must be UTF-8")
		}
		// encoding/json would quietly turn bytes that are not UTF-8 into
		// U+FFFD, storing something other than what was sent.
		if !utf8.Valid(body) {
			return "", nil, malformed(body, int64(validPrefix(body)), "the body is not valid UTF-8")
		}
		if err := decodeJSON(body, &v, false); err != nil {
			return "", nil, err
		}
	}
	return mt, v, nil
}

// validPrefix is the length of body's longest valid UTF-8 prefix.
func validPrefix(body []byte) int {
	n := 0
	for n < len(body) {
		r, size := utf8.DecodeRune(body[n:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		n += size
	}
	return n
}

func isJSON(mt string) bool { return contract.IsJSON(mt) }

// validate checks path parameters, query parameters, headers and the JSON
// body (decoded by checkBody) against the operation, as kin-openapi's
// openapi3filter did before the contract was compiled at build time:
// authentication is API Gateway's job, and defaults are not written back,
// so handlers see what the client sent. A body that is not JSON (a CSV
// roster) is parsed by its handler, which reports problems by row and
// column; the schema only names the type.
//
// With text set, every string of the query and of a JSON body is also held
// to the one free-text rule (freetext.Hidden), whatever its field: a field
// added later cannot let a control character through to a review queue, a
// CSV export or an email.
func validate(op *contract.Operation, r *Request, body any, text bool) error {
	var out []fault.Detail
	for i := range op.Params {
		out = append(out, checkParam(&op.Params[i], r)...)
	}
	if text {
		for name, values := range r.Query {
			if slices.ContainsFunc(values, freetext.HasHidden) {
				out = append(out, hiddenDetail([]string{name}))
			}
		}
		if isJSON(r.MediaType) {
			hiddenText(body, nil, &out)
		}
	}
	if op.Body != nil && isJSON(r.MediaType) {
		switch m := op.Body.Media(r.Header.Get("Content-Type")); {
		case m == nil:
			out = append(out, fault.Detail{Code: "invalid", Message: "request body is invalid"})
		case m.Schema != nil:
			for _, p := range m.Schema.Validate(body) {
				out = append(out, problemDetail(nil, p))
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortStableFunc(out, func(x, y fault.Detail) int {
		return cmp.Or(cmp.Compare(x.Field, y.Field), cmp.Compare(x.Code, y.Code), cmp.Compare(x.Message, y.Message))
	})
	out = slices.CompactFunc(out, func(x, y fault.Detail) bool { // schema problems carry no figures
		return x.Field == y.Field && x.Code == y.Code && x.Message == y.Message
	})
	return fault.New(fault.Invalid, "invalid_request", "the request does not match the API contract", out...)
}

// hiddenText adds a detail for every string in v (a decoded JSON value)
// that holds a character freetext.Hidden refuses, at its path.
func hiddenText(v any, path []string, out *[]fault.Detail) {
	switch x := v.(type) {
	case string:
		if freetext.HasHidden(x) {
			*out = append(*out, hiddenDetail(path))
		}
	case map[string]any:
		for k, e := range x {
			hiddenText(e, append(slices.Clip(path), k), out)
		}
	case []any:
		for i, e := range x {
			hiddenText(e, append(slices.Clip(path), strconv.Itoa(i)), out)
		}
	}
}

func hiddenDetail(path []string) fault.Detail {
	return fault.Detail{Field: strings.Join(path, "."), Code: freetext.CodeControls,
		Message: "must not contain control or text-direction characters"}
}

// checkParam finds, parses and checks one parameter the way openapi3filter
// does for primitive parameters in their default style.
func checkParam(p *contract.Param, r *Request) []fault.Detail {
	where := fmt.Sprintf("%s parameter %q", p.In, p.Name)
	var raw string
	var found, present bool // found: the parameter was sent; present: with a value to parse
	switch p.In {
	case "path":
		raw, found = r.Params[p.Name]
		present = found && raw != ""
		found = present // an empty path segment counts as absent
	case "query":
		if len(r.Query) == 0 {
			break
		}
		var values []string
		values, found = r.Query[p.Name]
		if present = len(values) > 0; present {
			raw = firstNonEmpty(values)
		}
	case "header":
		var values []string
		values, found = r.Header[http.CanonicalHeaderKey(p.Name)]
		if present = len(values) > 0; present {
			raw = values[0]
		}
	}
	var value any
	if present {
		var err error
		if value, err = parsePrimitive(raw, p.Schema.Type); err != nil {
			return []fault.Detail{{Field: p.Name, Code: "invalid_format", Message: where + " could not be parsed: " + err.Error()}}
		}
	}
	switch {
	case p.Required && !found:
		return []fault.Detail{{Field: p.Name, Code: "required", Message: where + " is required"}}
	case value == nil && found:
		return []fault.Detail{{Field: p.Name, Code: "empty", Message: where + " must not be empty"}}
	case value == nil:
		return nil
	}
	var out []fault.Detail
	for _, prob := range p.Schema.Validate(value) {
		out = append(out, problemDetail([]string{p.Name}, prob))
	}
	return out
}

// parsePrimitive reads a parameter as its schema's type; nil for an empty
// value of a type other than string.
func parsePrimitive(raw, typ string) (any, error) {
	if raw == "" && typ != "string" {
		return nil, nil
	}
	var v any
	var err error
	switch typ {
	case "integer":
		v, err = strconv.ParseInt(raw, 10, 64)
	case "number":
		v, err = strconv.ParseFloat(raw, 64)
	case "boolean":
		v, err = strconv.ParseBool(raw)
	default:
		return raw, nil
	}
	if err != nil {
		return nil, errors.New("an invalid " + typ)
	}
	return v, nil
}

// problemDetail words one schema problem for a client; base is the
// parameter's name, or nothing for the body.
func problemDetail(base []string, p contract.Problem) fault.Detail {
	path := append(slices.Clone(base), p.Path...)
	code := snake(p.Keyword)
	msg := p.Reason
	// An unknown property is reported at its parent object; name it.
	if p.Keyword == "properties" {
		if name, ok := unsupportedProperty(p.Reason); ok {
			path = append(path, name)
			code = "unknown_field"
			msg = fmt.Sprintf("unknown field %q", name)
		}
	}
	if code == "" {
		code = "invalid"
	}
	// Formats and patterns are reported with the regular expression behind
	// them: say what is expected instead, in words a form can show.
	switch p.Keyword {
	case "format":
		msg = formatMessage(p.Schema.Format)
	case "pattern":
		msg = "is not in the expected form"
		if p.Schema.Example != "" {
			msg += ", such as " + p.Schema.Example
		}
	}
	if msg == "" {
		msg = fmt.Sprintf("does not satisfy %q", p.Keyword)
	}
	return fault.Detail{Field: strings.Join(path, "."), Code: code, Message: msg}
}

func formatMessage(format string) string {
	switch format {
	case "date-time":
		return "must be an RFC 3339 date and time with an offset, such as 2027-03-10T09:00:00-05:00"
	case "date":
		return "must be a date YYYY-MM-DD, such as 2027-03-10"
	case "email":
		return "must be an email address, such as ana@example.com"
	case "":
		return "is not in the expected format"
	}
	return fmt.Sprintf("must be a valid %s", format)
}

// unsupportedProperty extracts X from the reason `property "X" is unsupported`.
func unsupportedProperty(reason string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, "property ")
	if !ok {
		return "", false
	}
	quoted, ok := strings.CutSuffix(rest, " is unsupported")
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(quoted)
	return name, err == nil
}

// snake turns a JSON Schema keyword into a detail code: maxLength → max_length.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// firstNonEmpty is the value a repeated query key stands for: the first
// non-empty one, so that an empty leading one cannot hide a later one
// ("" when all are empty).
func firstNonEmpty(values []string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

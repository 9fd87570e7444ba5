package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/cecportal/cecportal/internal/fault"
)

// checkBody applies the cheap checks before schema validation, in the order
// a client would want to hear about them: size, presence, type, syntax.
// It returns the body's media type ("" when there is no body).
func checkBody(rb *openapi3.RequestBody, body []byte, header http.Header, max int64) (string, error) {
	if int64(len(body)) > max {
		return "", fault.New(fault.TooLarge, "body_too_large",
			fmt.Sprintf("the request body is larger than %d bytes", max))
	}
	if len(body) == 0 {
		if rb.Required {
			return "", errBodyRequired
		}
		return "", nil
	}
	raw := header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(raw)
	if err != nil || rb.Content.Get(mt) == nil {
		return "", fault.New(fault.UnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("Content-Type must be one of: %s", strings.Join(mediaTypes(rb), ", ")))
	}
	if isJSON(mt) {
		// JSON is UTF-8 (RFC 8259); a declared other charset would be misread.
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
			return "", fault.New(fault.UnsupportedMediaType, "unsupported_media_type", "JSON bodies must be UTF-8")
		}
		// encoding/json would quietly turn bytes that are not UTF-8 into
		// U+FFFD, storing something other than what was sent.
		if !utf8.Valid(body) {
			return "", malformed(body, int64(validPrefix(body)), "the body is not valid UTF-8")
		}
		var v any
		if err := decodeJSON(body, &v, false); err != nil {
			return "", err
		}
	}
	return mt, nil
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

func isJSON(mt string) bool { return mt == contentTypeJSON || strings.HasSuffix(mt, "+json") }

func mediaTypes(rb *openapi3.RequestBody) []string {
	out := make([]string, 0, len(rb.Content))
	for k := range rb.Content {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// validate checks path parameters, query parameters, headers and body
// against the operation. Authentication is API Gateway's job, so the
// security check is a no-op; defaults are not written back, so handlers see
// what the client sent.
func (a *API) validate(ctx context.Context, rt *route, r *Request) error {
	hr := &http.Request{
		Method:     rt.Method,
		URL:        &url.URL{Path: r.Event.RawPath, RawQuery: r.Event.RawQueryString},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     r.Header,
		Body:       http.NoBody,
		Host:       r.Header.Get("Host"),
	}
	opts := a.filterOpts
	if rt.body != nil && len(r.Body) > 0 {
		hr.Body = io.NopCloser(bytes.NewReader(r.Body))
		hr.ContentLength = int64(len(r.Body))
	}
	if !isJSON(r.MediaType) {
		// A body that is not JSON (a CSV roster) is parsed by its handler,
		// which reports problems by row and column; the schema only names
		// the type. Parameters are still validated.
		o := *opts
		o.ExcludeRequestBody = true
		opts = &o
	}
	in := &openapi3filter.RequestValidationInput{
		Request:     hr.WithContext(ctx),
		PathParams:  r.Params,
		QueryParams: r.Query,
		Route:       rt.kin,
		Options:     opts,
	}
	err := openapi3filter.ValidateRequest(ctx, in)
	if err == nil {
		return nil
	}
	return fault.New(fault.Invalid, "invalid_request", "the request does not match the API contract", details(err)...)
}

// details flattens kin-openapi's error tree into one Detail per problem,
// sorted so the response is stable. Messages come from the schema keyword
// that failed, never from the error text, which embeds the value sent and
// the schema.
func details(err error) []fault.Detail {
	var out []fault.Detail
	var visit func(error)
	visit = func(err error) {
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				visit(e)
			}
			return
		}
		var re *openapi3filter.RequestError
		if errors.As(err, &re) {
			out = append(out, requestErrorDetails(re)...)
			return
		}
		out = append(out, fault.Detail{Code: "invalid", Message: "the request does not match the API contract"})
	}
	visit(err)
	slices.SortStableFunc(out, func(x, y fault.Detail) int {
		return cmp.Or(cmp.Compare(x.Field, y.Field), cmp.Compare(x.Code, y.Code), cmp.Compare(x.Message, y.Message))
	})
	return slices.Compact(out)
}

func requestErrorDetails(re *openapi3filter.RequestError) []fault.Detail {
	var base []string
	where := "request body"
	if p := re.Parameter; p != nil {
		base = []string{p.Name}
		where = fmt.Sprintf("%s parameter %q", p.In, p.Name)
	}
	field := strings.Join(base, ".")

	var schemaErrs []*openapi3.SchemaError
	collectSchemaErrors(re.Err, &schemaErrs)
	if len(schemaErrs) > 0 {
		out := make([]fault.Detail, 0, len(schemaErrs))
		for _, se := range schemaErrs {
			out = append(out, schemaDetail(base, se))
		}
		return out
	}

	var pe *openapi3filter.ParseError
	switch {
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return []fault.Detail{{Field: field, Code: "required", Message: where + " is required"}}
	case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
		return []fault.Detail{{Field: field, Code: "empty", Message: where + " must not be empty"}}
	case errors.As(re.Err, &pe):
		code := "invalid_value"
		if pe.Kind == openapi3filter.KindInvalidFormat {
			code = "invalid_format"
		}
		msg := where + " could not be parsed"
		if pe.Reason != "" {
			msg += ": " + pe.Reason
		}
		return []fault.Detail{{Field: field, Code: code, Message: msg}}
	}
	return []fault.Detail{{Field: field, Code: "invalid", Message: where + " is invalid"}}
}

// collectSchemaErrors gathers the leaf schema errors; a SchemaError with an
// Origin (a failed oneOf, a format) is reported as one problem.
func collectSchemaErrors(err error, out *[]*openapi3.SchemaError) {
	switch e := err.(type) {
	case nil:
	case openapi3.MultiError:
		for _, x := range e {
			collectSchemaErrors(x, out)
		}
	case *openapi3.SchemaError:
		*out = append(*out, e)
	default:
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			*out = append(*out, se)
		}
	}
}

func schemaDetail(base []string, se *openapi3.SchemaError) fault.Detail {
	path := append(slices.Clone(base), se.JSONPointer()...)
	code := snake(se.SchemaField)
	msg := se.Reason
	// kin-openapi reports an unknown property at its parent object; name it.
	if se.SchemaField == "properties" {
		if name, ok := unsupportedProperty(se.Reason); ok {
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
	switch se.SchemaField {
	case "format":
		msg = formatMessage(se.Schema)
	case "pattern":
		msg = "is not in the expected form"
		if se.Schema != nil && se.Schema.Example != nil {
			msg += fmt.Sprintf(", such as %v", se.Schema.Example)
		}
	}
	// The JSON Schema 2020-12 validator (OpenAPI 3.1) writes multi-line
	// reasons that repeat the value; keep to the keyword instead.
	if strings.HasPrefix(msg, "jsonschema validation failed") || strings.Contains(msg, "\n") {
		msg = ""
	}
	if msg == "" {
		msg = "does not match the schema"
		if se.SchemaField != "" {
			msg = fmt.Sprintf("does not satisfy %q", se.SchemaField)
		}
	}
	return fault.Detail{Field: strings.Join(path, "."), Code: code, Message: msg}
}

func formatMessage(schema *openapi3.Schema) string {
	format := ""
	if schema != nil {
		format = schema.Format
	}
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

// unsupportedProperty extracts X from kin-openapi's `property "X" is unsupported`.
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

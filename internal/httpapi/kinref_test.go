package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
)

// This file keeps the request validation httpapi ran before its contract
// was compiled at build time: kin-openapi's openapi3filter over the loaded
// document, its errors worded as SPEC §6 details. The differential tests
// hold the compiled contract to it.

func kinValidate(ctx context.Context, doc *openapi3.T, op *contract.Operation, r *Request) error {
	hr := &http.Request{
		Method:     op.Method,
		URL:        &url.URL{Path: r.Event.RawPath, RawQuery: r.Event.RawQueryString},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     r.Header,
		Body:       http.NoBody,
		Host:       r.Header.Get("Host"),
	}
	item := doc.Paths.Value(op.Path)
	kinRoute := &routers.Route{Spec: doc, Path: op.Path, PathItem: item, Method: op.Method, Operation: item.GetOperation(op.Method)}
	opts := &openapi3filter.Options{
		MultiError:          true,
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults: true,
	}
	if op.Body != nil && len(r.Body) > 0 {
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
		Route:       kinRoute,
		Options:     opts,
	}
	err := openapi3filter.ValidateRequest(ctx, in)
	if err == nil {
		return nil
	}
	return fault.New(fault.Invalid, "invalid_request", "the request does not match the API contract", kinDetails(err)...)
}

// kinDetails flattens kin-openapi's error tree into one Detail per problem.
func kinDetails(err error) []fault.Detail {
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
			out = append(out, kinRequestErrorDetails(re)...)
			return
		}
		out = append(out, fault.Detail{Code: "invalid", Message: "the request does not match the API contract"})
	}
	visit(err)
	slices.SortStableFunc(out, func(x, y fault.Detail) int {
		return cmp.Or(cmp.Compare(x.Field, y.Field), cmp.Compare(x.Code, y.Code), cmp.Compare(x.Message, y.Message))
	})
	return slices.CompactFunc(out, func(x, y fault.Detail) bool {
		return x.Field == y.Field && x.Code == y.Code && x.Message == y.Message
	})
}

func kinRequestErrorDetails(re *openapi3filter.RequestError) []fault.Detail {
	var base []string
	where := "request body"
	if p := re.Parameter; p != nil {
		base = []string{p.Name}
		where = fmt.Sprintf("%s parameter %q", p.In, p.Name)
	}
	field := strings.Join(base, ".")

	var schemaErrs []*openapi3.SchemaError
	kinCollectSchemaErrors(re.Err, &schemaErrs)
	if len(schemaErrs) > 0 {
		out := make([]fault.Detail, 0, len(schemaErrs))
		for _, se := range schemaErrs {
			out = append(out, kinSchemaDetail(base, se))
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
func kinCollectSchemaErrors(err error, out *[]*openapi3.SchemaError) {
	switch e := err.(type) {
	case nil:
	case openapi3.MultiError:
		for _, x := range e {
			kinCollectSchemaErrors(x, out)
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

func kinSchemaDetail(base []string, se *openapi3.SchemaError) fault.Detail {
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
		msg = kinFormatMessage(se.Schema)
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

func kinFormatMessage(schema *openapi3.Schema) string {
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

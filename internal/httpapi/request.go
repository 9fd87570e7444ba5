package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
)

// Request is what a handler sees: the raw event plus everything already
// decoded, checked and validated against the operation.
type Request struct {
	Event  events.APIGatewayV2HTTPRequest
	Caller identity.Caller   // anonymous on public routes
	Params map[string]string // path parameters by template name
	Query  url.Values        // from rawQueryString, repeated keys kept apart
	// Header holds the event's headers; API Gateway lower-cases the names,
	// http.Header canonicalises them, so Get works with any spelling.
	Header http.Header
	// Body is the request body, decoded from base64 when the event says so.
	// It is nil for operations that declare no requestBody.
	Body []byte
	// MediaType is the body's media type without parameters, lower case
	// (e.g. "application/json"); empty when there is no body.
	MediaType string
}

// Decode reads the JSON body into v strictly: unknown fields and anything
// after the first value are refused. The operation's schema has already
// accepted the body, so a failure here means the schema and v disagree;
// it still reaches the caller as a 400, never a 500.
func (r *Request) Decode(v any) error {
	if len(r.Body) == 0 {
		return errBodyRequired
	}
	return decodeJSON(r.Body, v, true)
}

// readLeniently decodes as much of the JSON body as it can into v, for a
// Precheck: values of the wrong type and unknown fields are left out (the
// contract has reported them already).
func readLeniently(r *Request, v any) {
	_ = json.Unmarshal(r.Body, v)
}

var errBodyRequired = fault.New(fault.Invalid, "body_required", "the request needs a body")

// decodeJSON decodes exactly one JSON value from data into v, turning every
// failure the client caused into a *fault.Error. Programmer errors (v not a
// pointer) stay plain errors.
func decodeJSON(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonFault(data, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed(data, dec.InputOffset(), "unexpected data after the JSON value")
	}
	return nil
}

func jsonFault(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return malformed(data, syntax.Offset, syntax.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return malformed(data, int64(len(data)), "unexpected end of JSON input")
	case errors.As(err, &typ):
		field := typ.Field
		return fault.New(fault.Invalid, "invalid_request", "the request body does not match the API contract",
			fault.Detail{Field: field, Code: "invalid_type",
				Message: fmt.Sprintf("expected %s, got JSON %s", goTypeName(typ), typ.Value)})
	}
	// encoding/json has no typed error for unknown fields; its message is stable.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if s, uerr := strconv.Unquote(name); uerr == nil {
			name = s
		}
		return fault.New(fault.Invalid, "invalid_request", "the request body does not match the API contract",
			fault.Detail{Field: name, Code: "unknown_field", Message: fmt.Sprintf("unknown field %q", name)})
	}
	var bad *json.InvalidUnmarshalError
	if errors.As(err, &bad) {
		return fmt.Errorf("decode JSON body: %w", err) // v is not a pointer: a programming error
	}
	// What remains comes from a field's own UnmarshalJSON refusing the value
	// the client sent (cec.Hours with three decimals, say).
	return fault.New(fault.Invalid, "invalid_request", "the request body does not match the API contract",
		fault.Detail{Code: "invalid_value", Message: err.Error()})
}

func goTypeName(e *json.UnmarshalTypeError) string {
	if e.Type == nil {
		return "another type"
	}
	switch e.Type.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Interface, reflect.Pointer:
		return "another type"
	default:
		return "a number"
	}
}

// malformed names where in the body the JSON broke, as line and column, so a
// person can find it in what they sent.
func malformed(data []byte, offset int64, msg string) *fault.Error {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	msg = strings.TrimPrefix(msg, "json: ")
	return fault.New(fault.Invalid, "malformed_json", "the request body is not valid JSON",
		fault.Detail{Code: "syntax", Message: fmt.Sprintf("line %d, column %d (offset %d): %s", line, col, offset, msg)})
}

// callerFrom reads the identity API Gateway's JWT authorizer put in the
// event. The token was verified there; here we only read its claims.
// rolesRefused reports a role claim that parseRoles refused: the caller is
// still signed in, but holds no role.
func callerFrom(ev *events.APIGatewayV2HTTPRequest, roleClaim string) (c identity.Caller, rolesRefused bool) {
	a := ev.RequestContext.Authorizer
	if a == nil || a.JWT == nil || len(a.JWT.Claims) == 0 {
		return identity.Caller{}, false
	}
	claims := a.JWT.Claims
	roles, ok := parseRoles(claims[roleClaim])
	return identity.Caller{
		Sub:           strings.TrimSpace(claims["sub"]),
		Email:         strings.TrimSpace(claims["email"]),
		EmailVerified: claims["email_verified"] == "true",
		Roles:         roles,
	}, !ok
}

// parseRoles reads the role claim in exactly the shapes it reaches a Lambda
// in:
//
//   - "[holder staff]": API Gateway's JWT authorizer renders an array claim
//     (Cognito's cognito:groups) as its names between brackets, joined by
//     one space;
//   - `["holder","staff"]`: a JSON array of strings (a hand-made event);
//   - "staff": a single name, as a custom string claim (ROLE_CLAIM) holds it.
//
// Every name must be a plain group name (identity.ValidGroupName) and is
// compared exactly: nothing is trimmed, split on commas or case-folded. Any
// other claim ("holder,staff", " staff", "[holder  staff]", `["staff "]`,
// a JSON escape, a control character) is refused: ok is false and no role
// at all is granted, not even the well-formed names beside the bad one.
// "" and "[]" hold no roles and are not refused.
//
// One ambiguity remains: API Gateway renders a group literally named
// `"staff"` as `["staff"]`, which is also the JSON array ["staff"]. Cognito
// groups are made only by the user pool's administrators, and ours are
// plain names; the local authorizer (internal/localgw) refuses any token
// whose groups are not all plain names, so that no test can forge one.
func parseRoles(s string) (roles []string, ok bool) {
	if s == "" || s == "[]" {
		return nil, true
	}
	var names []string
	inner, bracketed := strings.CutPrefix(s, "[")
	switch {
	case !bracketed:
		names = []string{s}
	case !strings.HasSuffix(inner, "]"):
		return nil, false
	case strings.Contains(inner, `"`):
		// A plain name holds no quote, so only a JSON array may; one without
		// escapes, which a plain name never needs.
		if strings.Contains(inner, `\`) || json.Unmarshal([]byte(s), &names) != nil {
			return nil, false
		}
	default:
		names = strings.Split(strings.TrimSuffix(inner, "]"), " ")
	}
	for _, n := range names {
		if !identity.ValidGroupName(n) {
			return nil, false
		}
	}
	return names, true
}

// headerFrom rebuilds an http.Header from the event. API Gateway moves the
// Cookie header into ev.Cookies; it is put back so cookie parameters work.
func headerFrom(ev *events.APIGatewayV2HTTPRequest) http.Header {
	h := make(http.Header, len(ev.Headers)+1)
	for k, v := range ev.Headers {
		h.Set(k, v)
	}
	if len(ev.Cookies) > 0 && h.Get("Cookie") == "" {
		h.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	return h
}

// queryFrom parses rawQueryString, which keeps repeated keys apart; hand-made
// events with only queryStringParameters still work.
func queryFrom(ev *events.APIGatewayV2HTTPRequest) (url.Values, error) {
	if ev.RawQueryString != "" {
		q, err := url.ParseQuery(ev.RawQueryString)
		if err != nil {
			return nil, fault.New(fault.Invalid, "invalid_request", "the query string is malformed",
				fault.Detail{Code: "malformed_query", Message: "the query string is not valid URL encoding"})
		}
		return q, nil
	}
	q := make(url.Values, len(ev.QueryStringParameters))
	for k, v := range ev.QueryStringParameters {
		q.Set(k, v)
	}
	return q, nil
}

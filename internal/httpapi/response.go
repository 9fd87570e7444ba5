package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/fault"
)

// Response is what a handler returns. Body is encoded as JSON; Raw, when
// set, is sent as is with ContentType (a CSV transcript, say).
type Response struct {
	Status      int               // 0 means 200
	Body        any               // JSON-encoded unless Raw is set
	Raw         []byte            // sent verbatim; base64 on the wire when not text
	ContentType string            // defaults to application/json, or application/octet-stream for Raw
	Headers     map[string]string // extra headers; names are lower-cased; they win over SecurityHeaders
}

// JSON returns a response with body encoded as JSON.
func JSON(status int, body any) Response { return Response{Status: status, Body: body} }

// NoContent returns 204 with no body.
func NoContent() Response { return Response{Status: http.StatusNoContent} }

const contentTypeJSON = "application/json"

// securityHeaders go on every answer of the API, errors included: the
// headers OWASP's REST Security Cheat Sheet asks of every API response, and
// no Referer to wherever a link in a response leads. The answers are JSON
// (or a CSV download) for a script, never a page: nothing may sniff them
// into HTML, frame them, run anything in them, or keep them in a cache,
// since most hold someone's personal data. CORS is API Gateway's (or the
// local gateway's) business and is untouched.
var securityHeaders = map[string]string{
	"cache-control":             "no-store",
	"content-security-policy":   "default-src 'none'; frame-ancestors 'none'",
	"referrer-policy":           "no-referrer",
	"strict-transport-security": "max-age=31536000", // browsers ignore it over plain HTTP (the local stack)
	"x-content-type-options":    "nosniff",
	"x-frame-options":           "DENY",
}

// SecurityHeaders returns the headers every API answer carries, names in
// lower case; the local gateway puts them on its own answers too.
func SecurityHeaders() map[string]string { return maps.Clone(securityHeaders) }

// errorBody is SPEC §6's error shape. Details is always present, [] when
// empty, so clients can range over it without a null check.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details []fault.Detail `json:"details"`
}

func errorResponse(status int, code, message string, details []fault.Detail) Response {
	if details == nil {
		details = []fault.Detail{}
	}
	return Response{Status: status, Body: errorBody{Error: errorPayload{Code: code, Message: message, Details: details}}}
}

// StatusOf maps each fault kind to its one status; ok is false for a kind
// fault does not define, which is a programming error and so a 500.
func StatusOf(k fault.Kind) (status int, ok bool) {
	switch k {
	case fault.Invalid:
		return http.StatusBadRequest, true
	case fault.Unauthenticated:
		return http.StatusUnauthorized, true
	case fault.Forbidden:
		return http.StatusForbidden, true
	case fault.NotFound:
		return http.StatusNotFound, true
	case fault.Conflict:
		return http.StatusConflict, true
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge, true
	case fault.UnsupportedMediaType:
		return http.StatusUnsupportedMediaType, true
	case fault.Unprocessable:
		return http.StatusUnprocessableEntity, true
	}
	return 0, false
}

// internalResponse is the one 500 body: it never carries the error's text.
func internalResponse() Response {
	return errorResponse(http.StatusInternalServerError, "internal", "an internal error occurred; quote the request ID when reporting it", nil)
}

// responseFor maps a handler or pipeline error to its response; internal
// reports whether it is a 500 that the caller must log.
func responseFor(err error) (resp Response, internal bool) {
	if fe, ok := fault.As(err); ok {
		if status, ok := StatusOf(fe.Kind); ok {
			r := errorResponse(status, fe.Code, fe.Message, fe.Details)
			if fe.Retry {
				r.Headers = map[string]string{"retry-after": "1"} // seconds; the contention has passed by then
			}
			return r, false
		}
	}
	return internalResponse(), true
}

// encode turns a Response into API Gateway's v2 response, with the
// security headers on every one. It fails only when Body cannot be
// encoded, which the caller turns into a 500.
func encode(r Response, requestID string) (events.APIGatewayV2HTTPResponse, error) {
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 599 {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("handler returned status %d", status)
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: make(map[string]string, len(securityHeaders)+len(r.Headers)+2)}
	maps.Copy(out.Headers, securityHeaders)
	for k, v := range r.Headers {
		out.Headers[strings.ToLower(k)] = v
	}
	ct := r.ContentType
	switch {
	case r.Raw != nil:
		if ct == "" {
			ct = "application/octet-stream"
		}
		if IsText(ct) && utf8.Valid(r.Raw) {
			out.Body = string(r.Raw)
		} else {
			out.Body = base64.StdEncoding.EncodeToString(r.Raw)
			out.IsBase64Encoded = true
		}
	case r.Body != nil && status != http.StatusNoContent && status != http.StatusNotModified:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.Body); err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("encode response body: %w", err)
		}
		out.Body = strings.TrimSuffix(buf.String(), "\n")
	}
	if ct == "" {
		ct = contentTypeJSON
	}
	out.Headers["content-type"] = ct
	out.Headers["x-request-id"] = requestID
	return out, nil
}

// IsText reports whether API Gateway carries a body of this type as text
// rather than base64: text/*, JSON, XML and JavaScript. Forms and anything
// without a type travel base64-encoded.
func IsText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript":
		return true
	}
	return false
}

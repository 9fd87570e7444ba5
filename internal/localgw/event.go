package localgw

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/httpapi"
)

// event builds the payload 2.0 event API Gateway would send for r.
func (g *Gateway) event(r *http.Request, key string, vars map[string]string, claims map[string]any, body []byte, reqID string, now time.Time) (events.APIGatewayV2HTTPRequest, error) {
	params, err := pathParams(vars)
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	sourceIP := r.RemoteAddr
	if h, _, err := net.SplitHostPort(sourceIP); err == nil {
		sourceIP = h
	}

	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              key,
		RawPath:               r.URL.Path, // HTTP APIs pass the path percent-decoded
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies(r.Header),
		Headers:               headers(r, sourceIP),
		QueryStringParameters: joinValues(r.URL.Query()),
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     key,
			AccountID:    g.opts.AccountID,
			Stage:        "$default",
			RequestID:    reqID,
			APIID:        g.opts.APIID,
			DomainName:   host,
			DomainPrefix: prefix,
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: stringClaims(claims),
				Scopes: scopes(claims),
			},
		}
	}
	if len(body) > 0 {
		if httpapi.IsText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev, nil
}

// headers lower-cases names and joins repeated values with ",", moves
// cookies out (they travel in ev.Cookies) and adds what API Gateway adds.
func headers(r *http.Request, sourceIP string) map[string]string {
	out := make(map[string]string, len(r.Header)+4)
	for name, values := range r.Header {
		n := strings.ToLower(name)
		if n == "cookie" {
			continue
		}
		out[n] = strings.Join(values, ",")
	}
	out["host"] = r.Host
	if xff := out["x-forwarded-for"]; xff != "" {
		out["x-forwarded-for"] = xff + ", " + sourceIP
	} else {
		out["x-forwarded-for"] = sourceIP
	}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	out["x-forwarded-proto"] = proto
	out["x-forwarded-port"] = port
	return out
}

// cookies splits every Cookie header into its "name=value" pairs.
func cookies(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Cookie") {
		for c := range strings.SplitSeq(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

func joinValues(q map[string][]string) map[string]string {
	if len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for k, v := range q {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// stringClaims renders every claim as API Gateway's JWT authorizer does:
// strings as they are, numbers as plain decimals, booleans as true/false,
// arrays as "[a b]". Objects, which Cognito does not issue, become JSON.
func stringClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if v == nil {
			continue
		}
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return numberText(string(x))
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case []string:
		return "[" + strings.Join(x, " ") + "]"
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// numberText writes a JSON number without exponent; integers keep every
// digit, whatever their size.
func numberText(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// scopes are the token's OAuth scopes ("scope", space-separated); ID tokens
// have none.
func scopes(claims map[string]any) []string {
	s, _ := claims["scope"].(string)
	return strings.Fields(s)
}

var errTooLarge = errors.New("body too large")

// readBody reads at most max bytes; a longer body is refused before the
// Lambda sees any of it, as API Gateway does.
func readBody(r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, errTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errTooLarge
	}
	return b, nil
}

// writeResponse writes the Lambda's payload 2.0 response. Like API Gateway
// it ignores multiValueHeaders (a 1.0 field) and turns each cookie into a
// Set-Cookie header.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) error {
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return fmt.Errorf("status code %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("body is not valid base64: %w", err)
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	h.Del("Content-Length") // net/http sets it from what is written
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

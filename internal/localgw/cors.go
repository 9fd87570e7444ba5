package localgw

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CORS is the HTTP API's CorsConfiguration. With no AllowOrigins CORS is
// off, as for an API without one: no preflight answers, no CORS headers.
type CORS struct {
	AllowOrigins []string // "https://forms.example.org", "https://*" (any https origin) or "*"
	AllowMethods []string
	AllowHeaders []string
	// ExposeHeaders are the response headers, beyond the CORS-safelisted
	// ones, that a page of an allowed origin may read.
	ExposeHeaders []string
	MaxAge        int // seconds a browser may cache a preflight; 0 sends none
}

// The methods, headers and preflight lifetime template.yaml's
// CorsConfiguration allows, and the response headers it exposes (Link: the
// next part of an upload's results as CSV); infra/templatecheck holds the
// two together so that the local stack answers browsers as AWS will.
var (
	CORSAllowMethods  = []string{"GET", "POST", "PUT", "DELETE"}
	CORSAllowHeaders  = []string{"Authorization", "Content-Type"}
	CORSExposeHeaders = []string{"Link"}
)

// CORSMaxAge is one hour: browsers cap it lower anyway (Chrome at 2 h).
const CORSMaxAge = 3600

// ParseCORS reads a comma-separated origin list (the local stack's
// CORS_ALLOW_ORIGINS) into a CORS with the shared methods, headers and max
// age. An empty list turns CORS off.
func ParseCORS(origins string) (CORS, error) {
	var list []string
	for o := range strings.SplitSeq(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			list = append(list, o)
		}
	}
	if len(list) == 0 {
		return CORS{}, nil
	}
	c := CORS{AllowOrigins: list, AllowMethods: CORSAllowMethods, AllowHeaders: CORSAllowHeaders, ExposeHeaders: CORSExposeHeaders, MaxAge: CORSMaxAge}
	if err := c.normalize(); err != nil {
		return CORS{}, err
	}
	return c, nil
}

// normalize checks every origin and lower-cases it, as browsers send them.
func (c *CORS) normalize() error {
	out := make([]string, 0, len(c.AllowOrigins))
	for _, o := range c.AllowOrigins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return err
		}
		out = append(out, n)
	}
	c.AllowOrigins = out
	if len(out) > 0 && len(c.AllowMethods) == 0 {
		return fmt.Errorf("cors: allowed origins but no allowed methods")
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("cors: negative max age %d", c.MaxAge)
	}
	return nil
}

// normalizeOrigin accepts what API Gateway's allowOrigins accepts: "*",
// "http://*" or "https://*", or one origin: scheme, host and optional
// port, nothing else (a trailing slash or path never matches a browser's
// Origin header, so it is a mistake worth refusing).
func normalizeOrigin(o string) (string, error) {
	o = strings.ToLower(strings.TrimSpace(o))
	switch o {
	case "*", "http://*", "https://*":
		return o, nil
	}
	u, err := url.Parse(o)
	if err != nil || strings.Contains(o, "*") || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return "", fmt.Errorf("cors: %q is not an origin (scheme://host[:port], \"https://*\" or \"*\")", o)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("cors: %q has an invalid port", o)
		}
	}
	return o, nil
}

func (c *CORS) enabled() bool { return c != nil && len(c.AllowOrigins) > 0 }

// allowOrigin returns the Access-Control-Allow-Origin value for a request
// from origin, or "" when origin may not read the response.
func (c *CORS) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	o := strings.ToLower(origin)
	for _, a := range c.AllowOrigins {
		switch {
		case a == "*":
			return "*"
		case a == o:
			return origin
		case strings.HasSuffix(a, "://*") && strings.HasPrefix(o, strings.TrimSuffix(a, "*")):
			return origin
		}
	}
	return ""
}

// isPreflight: a browser's CORS preflight, which API Gateway answers itself
// without a route, an authorizer or a Lambda.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers 204; only an allowed origin learns what it may send.
func (c *CORS) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if allow := c.allowOrigin(r.Header.Get("Origin")); allow != "" {
		h.Set("Access-Control-Allow-Origin", allow)
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// corsWriter puts the gateway's CORS headers on a response just before its
// status is written, whoever wrote it (the gateway's own errors included),
// and drops any the Lambda set: API Gateway ignores an integration's CORS
// headers when the API has a CorsConfiguration.
type corsWriter struct {
	http.ResponseWriter
	allow   string // Access-Control-Allow-Origin, "" for none
	expose  string // Access-Control-Expose-Headers, "" for none
	written bool
}

func (c *CORS) wrap(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	return &corsWriter{ResponseWriter: w, allow: c.allowOrigin(r.Header.Get("Origin")), expose: strings.Join(c.ExposeHeaders, ",")}
}

func (w *corsWriter) WriteHeader(status int) {
	if !w.written {
		w.written = true
		h := w.Header()
		for name := range h {
			if strings.HasPrefix(name, "Access-Control-") {
				delete(h, name)
			}
		}
		// The answer depends on Origin: caches must keep one per origin.
		h.Add("Vary", "Origin")
		if w.allow != "" {
			h.Set("Access-Control-Allow-Origin", w.allow)
			if w.expose != "" {
				h.Set("Access-Control-Expose-Headers", w.expose)
			}
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *corsWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

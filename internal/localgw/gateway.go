// Package localgw is API Gateway for the local stack: it serves net/http
// requests by building the same HTTP API payload 2.0 event AWS would, after
// the same checks AWS would make (route match, JWT authorizer, payload
// size, CORS), and invokes the Lambda handler that serves the route.
// Handlers therefore run locally exactly as deployed. It also issues and
// verifies the local stack's tokens, standing in for Cognito.
package localgw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Target is a Lambda handler for API Gateway HTTP API events.
type Target func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Options tune a Gateway; the zero value is ready to use.
type Options struct {
	AccountID    string           // requestContext.accountId; default "000000000000"
	APIID        string           // requestContext.apiId; default "local"
	MaxBodyBytes int64            // default 10 MB, API Gateway's payload limit
	Logger       *slog.Logger     // default slog.Default()
	Now          func() time.Time // request time; default time.Now (real time, as in AWS)
	CORS         CORS             // the API's CorsConfiguration; default none (CORS off)
}

// DefaultMaxBodyBytes is API Gateway HTTP API's payload limit.
const DefaultMaxBodyBytes = 10 << 20

// Gateway is an http.Handler. Call Mount before serving; after that it is
// safe for concurrent use.
type Gateway struct {
	router   routers.Router
	targets  map[string]Target // by route key, "GET /holders/me"
	public   map[string]bool   // by route key
	verifier *Verifier
	mounts   []mount
	paths    []string // the document's path templates, to keep mounts off them
	opts     Options
	log      *slog.Logger
}

type mount struct {
	prefix string // without trailing slash
	h      http.Handler
}

// New builds a gateway for doc's operations. Each key of targets is a route
// key ("METHOD /template", the template exactly as in doc) and must name an
// operation. Operations without a target answer 404, as a route missing from
// the SAM template would. v verifies bearer tokens and is required when any
// operation is not public.
func New(doc *openapi3.T, targets map[string]Target, v *Verifier, opts Options) (*Gateway, error) {
	if doc == nil || doc.Paths == nil {
		return nil, fmt.Errorf("localgw: no OpenAPI document")
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.APIID == "" {
		opts.APIID = "local"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.CORS.normalize(); err != nil {
		return nil, fmt.Errorf("localgw: %w", err)
	}
	g := &Gateway{
		targets:  make(map[string]Target, len(targets)),
		public:   make(map[string]bool),
		verifier: v,
		opts:     opts,
		log:      opts.Logger,
	}
	if g.log == nil {
		g.log = slog.Default()
	}

	pathOnly := &openapi3.T{OpenAPI: doc.OpenAPI, Info: doc.Info, Components: doc.Components, Security: doc.Security, Paths: openapi3.NewPaths()}
	var unserved []string
	for path, item := range doc.Paths.Map() {
		g.paths = append(g.paths, path)
		// Match on path alone, as API Gateway does: servers name hosts and
		// base paths that do not exist locally.
		it := *item
		it.Servers = nil
		pathOnly.Paths.Set(path, &it)
		for method, op := range item.Operations() {
			key := method + " " + path
			pub, err := apispec.PublicOperation(doc, op)
			if err != nil {
				return nil, fmt.Errorf("localgw: %s: %w", key, err)
			}
			g.public[key] = pub
			if targets[key] == nil {
				unserved = append(unserved, key)
			}
		}
	}
	for key, t := range targets {
		if _, ok := g.public[key]; !ok {
			return nil, fmt.Errorf("localgw: target %q is not an operation of the OpenAPI document", key)
		}
		if t == nil {
			return nil, fmt.Errorf("localgw: target %q is nil", key)
		}
		if !g.public[key] && v == nil {
			return nil, fmt.Errorf("localgw: %s needs a token but no Verifier was given", key)
		}
		g.targets[key] = t
	}
	router, err := gorillamux.NewRouter(pathOnly)
	if err != nil {
		return nil, fmt.Errorf("localgw: build router: %w", err)
	}
	g.router = router
	if len(unserved) > 0 {
		slices.Sort(unserved)
		g.log.Warn("localgw: operations without a Lambda answer 404", "routes", unserved)
	}
	return g, nil
}

// Mount serves every path under prefix with h, before and instead of the
// Lambda path: the local stack's own /dev routes, which are not in the
// document and not deployed. It panics, like http.ServeMux, on a prefix that
// is malformed or would shadow a documented path, since either is a wiring
// mistake.
func (g *Gateway) Mount(prefix string, h http.Handler) {
	p := strings.TrimSuffix(prefix, "/")
	if !strings.HasPrefix(p, "/") || h == nil {
		panic(fmt.Sprintf("localgw: Mount(%q): prefix must start with / and not be the root, handler non-nil", prefix))
	}
	for _, path := range g.paths {
		if under(path, p) {
			panic(fmt.Sprintf("localgw: Mount(%q) would shadow the documented path %s", prefix, path))
		}
	}
	g.mounts = append(g.mounts, mount{prefix: p, h: h})
	// Longest prefix first, so /dev/payments can sit beside /dev.
	slices.SortStableFunc(g.mounts, func(a, b mount) int { return len(b.prefix) - len(a.prefix) })
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// ServeHTTP does what API Gateway does for one request, in its order.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, m := range g.mounts {
		if under(r.URL.Path, m.prefix) {
			m.h.ServeHTTP(w, r)
			return
		}
	}
	if cors := &g.opts.CORS; cors.enabled() {
		if isPreflight(r) {
			cors.preflight(w, r)
			return
		}
		w = cors.wrap(w, r)
	}
	now := g.opts.Now()
	reqID := newRequestID()
	w.Header().Set("Apigw-Requestid", reqID)
	log := g.log.With("request_id", reqID, "method", r.Method, "path", r.URL.Path)

	// API Gateway routes on "METHOD /path" keys, so a documented path with
	// an undocumented method is a plain 404 there too, not a 405.
	route, vars, err := g.router.FindRoute(r)
	if err != nil {
		writeError(w, http.StatusNotFound, "route_not_found", "no such endpoint")
		return
	}
	key := route.Method + " " + route.Path
	target := g.targets[key]
	if target == nil {
		log.Warn("localgw: no Lambda for route", "route", key)
		writeError(w, http.StatusNotFound, "route_not_found", "no such endpoint")
		return
	}

	var claims map[string]any
	if !g.public[key] {
		if claims, err = g.authorize(r); err != nil {
			log.Info("localgw: token refused", "route", key, "reason", err)
			w.Header().Set("Www-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
			return
		}
	}

	body, err := readBody(r, g.opts.MaxBodyBytes)
	switch {
	case errors.Is(err, errTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("the request body is larger than %d bytes", g.opts.MaxBodyBytes))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_request", "the request body could not be read")
		return
	}
	ev, err := g.event(r, key, vars, claims, body, reqID, now)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the request path could not be decoded")
		return
	}
	resp, err := invoke(r.Context(), target, ev)
	if err != nil {
		log.Error("localgw: Lambda failed", "route", key, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "the Lambda function failed")
		return
	}
	if err := writeResponse(w, resp); err != nil {
		log.Error("localgw: Lambda response unusable", "route", key, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "the Lambda function returned an unusable response")
	}
}

// authorize reads "Authorization: Bearer <jwt>" and verifies it.
func (g *Gateway) authorize(r *http.Request) (map[string]any, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("no bearer token")
	}
	return g.verifier.Verify(strings.TrimSpace(token))
}

// invoke calls the Lambda across a JSON boundary, as AWS does: the handler
// sees only what survives serialisation, and a failure, a panic included,
// is reported instead of crashing the stack.
func invoke(ctx context.Context, target Target, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	var in events.APIGatewayV2HTTPRequest
	if err := roundTrip(ev, &in); err != nil {
		return resp, fmt.Errorf("serialise event: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	out, err := target(ctx, in)
	if err != nil {
		return resp, err
	}
	if err := roundTrip(out, &resp); err != nil {
		return resp, fmt.Errorf("serialise response: %w", err)
	}
	return resp, nil
}

func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// writeError writes SPEC §6's error body; details is always []. It carries
// the API's security headers like every answer of a Lambda (API Gateway's
// own 401 and 404 cannot: HTTP APIs do not let them be customised).
func writeError(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	for k, v := range httpapi.SecurityHeaders() {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"code": code, "message": message, "details": []any{}},
	})
}

func pathParams(vars map[string]string) (map[string]string, error) {
	if len(vars) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(vars))
	for k, v := range vars {
		d, err := url.PathUnescape(v)
		if err != nil {
			return nil, err
		}
		out[k] = d
	}
	return out, nil
}

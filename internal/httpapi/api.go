// Package httpapi is the Lambda side of cecportal's HTTP API: it turns an
// API Gateway HTTP API (payload 2.0) event into a call to a route's handler
// and the handler's result into the response. It owns dispatching on the
// route key API Gateway matched (it matches no paths itself), reading the
// caller from the JWT authorizer's claims, checking and validating requests
// against openapi.yaml, and mapping errors to SPEC §6 bodies, once, here.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
	"github.com/cecportal/cecportal/internal/meter"
)

// HandlerFunc serves one route. A *fault.Error becomes its 4xx; any other
// error is a 500 whose text is logged, never sent.
type HandlerFunc func(ctx context.Context, r *Request) (Response, error)

// RoleSource tells whether a caller's own records give them a role their
// token does not carry (accounts.Service.HasRole: a holder account makes a
// holder, a registered organisation a provider).
type RoleSource interface {
	HasRole(ctx context.Context, sub, role string) (bool, error)
}

// Options tune an API; the zero value is ready to use.
type Options struct {
	RoleClaim string // claim holding the caller's roles; default "cognito:groups"
	// Roles, when set, gives a caller the holder or provider role a route
	// needs and their token lacks, from their own records; nil takes the
	// token's roles alone.
	Roles        RoleSource
	MaxBodyBytes int64        // largest accepted body, after base64 decoding; default 64 KiB
	Logger       *slog.Logger // default slog.Default()
}

// DefaultMaxBodyBytes bounds JSON bodies; the API takes forms, not files.
const DefaultMaxBodyBytes = 64 << 10

// API serves a fixed set of routes. It is safe for concurrent use.
type API struct {
	routes    []*route          // in the order given to New
	byKey     map[string]*route // "GET /holders/me"
	roleClaim string
	roles     *derivedRoles // nil without Options.Roles
	maxBody   int64
	log       *slog.Logger
}

// route is a Route with everything a request needs resolved at start-up.
type route struct {
	Route
	key string
	op  *contract.Operation
}

// New checks routes against c, the request contract of an OpenAPI document
// (generatedContract for openapi.yaml; apispec.Compile for another), and
// prepares them. It fails when a route has no operation in c, is listed
// twice, or its Access disagrees with the operation's security (public iff
// the effective security is empty), so a wiring mistake stops the cold
// start instead of opening an endpoint.
func New(c *contract.Contract, routes []Route, opts Options) (*API, error) {
	if c == nil {
		return nil, fmt.Errorf("httpapi: no request contract")
	}
	a := &API{
		byKey:     make(map[string]*route, len(routes)),
		roleClaim: opts.RoleClaim,
		maxBody:   opts.MaxBodyBytes,
		log:       opts.Logger,
	}
	if opts.Roles != nil {
		a.roles = &derivedRoles{source: opts.Roles}
	}
	if a.roleClaim == "" {
		a.roleClaim = "cognito:groups"
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	for _, r := range routes {
		rt, err := prepare(c, r)
		if err != nil {
			return nil, fmt.Errorf("httpapi: route %s %s: %w", r.Method, r.Path, err)
		}
		if _, dup := a.byKey[rt.key]; dup {
			return nil, fmt.Errorf("httpapi: route %s listed twice", rt.key)
		}
		a.byKey[rt.key] = rt
		a.routes = append(a.routes, rt)
	}
	return a, nil
}

func prepare(c *contract.Contract, r Route) (*route, error) {
	if r.Handle == nil {
		return nil, fmt.Errorf("no handler")
	}
	if r.Method != strings.ToUpper(r.Method) || r.Method == "" {
		return nil, fmt.Errorf("method must be upper case")
	}
	op := c.Operation(r.Method, r.Path)
	if op == nil {
		if !c.HasPath(r.Path) {
			return nil, fmt.Errorf("path not in the OpenAPI document")
		}
		return nil, fmt.Errorf("method not in the OpenAPI document for this path")
	}
	public := op.Public
	switch {
	case r.Access.kind == 0:
		return nil, fmt.Errorf("no Access set")
	case r.Access.kind == accessRoles && len(r.Access.roles) == 0:
		return nil, fmt.Errorf("Roles() needs at least one role")
	case public && r.Access.kind != accessPublic:
		return nil, fmt.Errorf("Access is %s but the operation has `security: []`", r.Access)
	case !public && r.Access.kind == accessPublic:
		return nil, fmt.Errorf("Access is public but the operation requires a token")
	}
	return &route{Route: r, key: r.Method + " " + r.Path, op: op}, nil
}

// RouteKeys lists the routes served, as API Gateway route keys
// ("GET /holders/me") in the order given to New: what a SAM template
// declares for this function, and what localgw maps to Handle.
func (a *API) RouteKeys() []string {
	keys := make([]string, len(a.routes))
	for i, rt := range a.routes {
		keys[i] = rt.key
	}
	return keys
}

// Handle is the lambda.Start handler. It never returns a Go error: every
// outcome, failures included, is an HTTP response, because API Gateway
// would turn a Lambda error into an opaque 500 and not retry anyway.
func (a *API) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	reqID := ev.RequestContext.RequestID
	if reqID == "" {
		reqID = newRequestID()
	}
	log := a.log.With("request_id", reqID, "method", ev.RequestContext.HTTP.Method, "path", ev.RawPath)
	// The request's table calls and capacity, logged with its outcome: the
	// figures behind docs/performance.md's cost per request. A caller (a
	// test) may bring its own meter to read them.
	m := meter.From(ctx)
	if m == nil {
		m = meter.New()
		ctx = meter.With(ctx, m)
	}
	start := time.Now()

	var routeKey string // set once the route is found
	resp, err := a.serve(ctx, &ev, log, &routeKey)
	if err != nil {
		var internal bool
		resp, internal = responseFor(err)
		if internal {
			log.ErrorContext(ctx, "request failed", "err", err)
		}
	}
	out, err := encode(resp, reqID)
	if err != nil {
		log.ErrorContext(ctx, "response not encodable", "err", err)
		out, _ = encode(internalResponse(), reqID)
	}
	log.InfoContext(ctx, "request", "route", routeKey, "status", out.StatusCode, "ms", time.Since(start).Milliseconds(), "dynamodb", m.Usage())
	return out, nil
}

// Deferred is a lambda.Start handler that serves the API build makes at
// the first request: for an API that needs a setting read at first use
// (badges-api's public URL, from Parameter Store), so that the read is not
// on the cold start. A failed build answers 500, logged, and is tried
// again at the next request.
func Deferred(log *slog.Logger, build func(ctx context.Context) (*API, error)) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var (
		mu  sync.Mutex
		api *API
	)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		mu.Lock()
		a := api
		if a == nil {
			var err error
			if a, err = build(ctx); err != nil {
				mu.Unlock()
				log.ErrorContext(ctx, "request failed: the API could not be built", "err", err)
				return encode(internalResponse(), ev.RequestContext.RequestID)
			}
			api = a
		}
		mu.Unlock()
		return a.Handle(ctx, ev)
	}
}

// serve runs the pipeline: route, authorise, read and check the body,
// validate, then call the handler.
func (a *API) serve(ctx context.Context, ev *events.APIGatewayV2HTTPRequest, log *slog.Logger, routeKey *string) (Response, error) {
	rt, params, err := a.find(ev)
	if err != nil {
		return Response{}, err
	}
	*routeKey = rt.key
	caller, rolesRefused := callerFrom(ev, a.roleClaim)
	if rolesRefused {
		log.WarnContext(ctx, "role claim refused: not a list of plain group names; the caller holds no role",
			"claim", a.roleClaim, "sub", caller.Sub)
	}
	r := &Request{Event: *ev, Params: params, Caller: caller}
	if err := a.roles.add(ctx, rt.Access, &r.Caller); err != nil {
		return Response{}, err
	}
	if err := authorise(rt.Access, r); err != nil {
		return Response{}, err
	}
	if r.Query, err = queryFrom(ev); err != nil {
		return Response{}, err
	}
	r.Header = headerFrom(ev)
	var body any // the JSON body, decoded
	if rt.op.Body != nil {
		if r.Body, err = bodyOf(ev); err != nil {
			return Response{}, err
		}
		limit := a.maxBody
		if rt.MaxBodyBytes > 0 {
			limit = rt.MaxBodyBytes
		}
		if r.MediaType, body, err = checkBody(rt.op.Body, r.Body, r.Header, limit); err != nil {
			return Response{}, err
		}
	}
	if err := validate(rt.op, r, body, !rt.Verbatim); err != nil {
		if rt.Precheck != nil && isJSON(r.MediaType) {
			err = withDetails(err, rt.Precheck(r))
		}
		return Response{}, wordProblems(rt.op, r.MediaType, err)
	}
	if rt.Precheck != nil && checkOnly(r.Query["checkOnly"]) {
		// Check only: the service's field checks, no handler, nothing written.
		if problems := rt.Precheck(r); len(problems) > 0 {
			return Response{}, wordProblems(rt.op, r.MediaType,
				fault.New(fault.Invalid, "invalid_request", "There is a problem", problems...))
		}
		return NoContent(), nil
	}
	resp, err := a.call(ctx, rt, r, log)
	if err != nil {
		return Response{}, wordProblems(rt.op, r.MediaType, err)
	}
	return resp, nil
}

// call runs the handler, turning a panic into a 500 so that one bad request
// does not take down a warm Lambda's other work.
func (a *API) call(ctx context.Context, rt *route, r *Request, log *slog.Logger) (resp Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "handler panicked", "route", rt.key, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, err = internalResponse(), nil
		}
	}()
	resp, err = rt.Handle(ctx, r)
	if err != nil {
		return Response{}, fmt.Errorf("%s: %w", rt.key, err)
	}
	return resp, nil
}

func authorise(acc Access, r *Request) error {
	if acc.kind == accessPublic {
		return nil
	}
	if r.Caller.Anonymous() {
		return fault.New(fault.Unauthenticated, "unauthenticated", "sign in to use this endpoint")
	}
	if acc.kind == accessRoles && !slices.ContainsFunc(acc.roles, r.Caller.Has) {
		return fault.New(fault.Forbidden, "forbidden", "your account may not use this endpoint")
	}
	return nil
}

// find returns the route API Gateway matched, named by the event's
// routeKey, with the path parameters it sent. Every route is declared in
// template.yaml (and the local gateway, internal/localgw, matches the same
// way), so a key that is not one of ours is a wiring mistake, answered 404.
func (a *API) find(ev *events.APIGatewayV2HTTPRequest) (*route, map[string]string, error) {
	rt, ok := a.byKey[ev.RouteKey]
	if !ok {
		return nil, nil, fault.New(fault.NotFound, "route_not_found", "no such endpoint")
	}
	return rt, ev.PathParameters, nil
}

// bodyOf returns the body's bytes; API Gateway base64-encodes binary bodies.
func bodyOf(ev *events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if !ev.IsBase64Encoded {
		return []byte(ev.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		return nil, fault.New(fault.Invalid, "invalid_request", "the request body is not valid base64")
	}
	return b, nil
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkOnly reads checkOnly as the contract validated it (firstNonEmpty,
// parsed as strconv.ParseBool does: "1", "TRUE", "true"), so that no value
// the contract takes as true reaches the handler.
func checkOnly(values []string) bool {
	b, err := strconv.ParseBool(firstNonEmpty(values))
	return err == nil && b
}

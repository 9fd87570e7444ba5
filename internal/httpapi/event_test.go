package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/cecportal/cecportal/internal/httpapi/apispec"
)

// specRouter matches requests to openapi.yaml's operations with the router
// the local gateway uses (internal/localgw): kin-openapi's, on paths alone.
var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := apispec.Spec()
	if err != nil {
		return nil, err
	}
	pathOnly := &openapi3.T{OpenAPI: doc.OpenAPI, Info: doc.Info, Components: doc.Components, Paths: openapi3.NewPaths()}
	for path, item := range doc.Paths.Map() {
		it := *item
		it.Servers = nil
		pathOnly.Paths.Set(path, &it)
	}
	return gorillamux.NewRouter(pathOnly)
})

// gatewayEvent is the event API Gateway sends for method and target (a path
// with an optional "?query"): routeKey and pathParameters set, as for every
// route template.yaml declares. httpapi routes on routeKey alone; a target
// that matches no operation gets no routeKey, which httpapi answers 404 (in
// AWS, API Gateway answers it without calling the function).
func gatewayEvent(tb testing.TB, method, target string) events.APIGatewayV2HTTPRequest {
	tb.Helper()
	path, rawQuery, _ := strings.Cut(target, "?")
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: path, RawQueryString: rawQuery,
		Headers: map[string]string{"host": "api.example.test"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path}},
	}
	router, err := specRouter()
	if err != nil {
		tb.Fatal(err)
	}
	u := &url.URL{Path: path, RawQuery: rawQuery}
	route, vars, err := router.FindRoute(&http.Request{Method: method, URL: u, Header: http.Header{}})
	if err != nil {
		return e
	}
	e.RouteKey = route.Method + " " + route.Path
	e.RequestContext.RouteKey = e.RouteKey
	for k, v := range vars {
		d, err := url.PathUnescape(v)
		if err != nil {
			tb.Fatalf("%s %s: path parameter %s: %v", method, target, k, err)
		}
		if e.PathParameters == nil {
			e.PathParameters = map[string]string{}
		}
		e.PathParameters[k] = d
	}
	return e
}

package templatecheck

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/localgw"
)

// requiredCORSHeaders are the request headers the web forms send that are
// not CORS-safelisted: the bearer token and the JSON or CSV body's type.
var requiredCORSHeaders = []string{"Authorization", "Content-Type"}

// checkCORS: every HTTP API has a CorsConfiguration whose origins come from
// parameters (configuration, never a literal or "*" written into the
// template), which sends no credentials (the forms send bearer tokens, not
// cookies), allows every method the API routes and the headers the forms
// send, and lets browsers cache preflights.
// configuredOrigin reports whether an AllowOrigins item comes from the
// configuration: a parameter, the https origin of one of the template's
// CloudFront distributions ("https://${X.DomainName}"), or an !If (read as
// [condition, then, else]) of those.
func (t *template) configuredOrigin(o any) bool {
	if _, ok := t.parameter(o); ok {
		return true
	}
	if s, ok := o.(string); ok {
		id, found := strings.CutSuffix(strings.TrimPrefix(s, "https://${"), ".DomainName}")
		return strings.HasPrefix(s, "https://${") && found && t.Resources[id].Type == "AWS::CloudFront::Distribution"
	}
	if l := asList(o); len(l) == 3 {
		return t.configuredOrigin(l[1]) && t.configuredOrigin(l[2])
	}
	return false
}

func checkCORS(t *template) []string {
	var out []string
	routes, err := t.routes()
	if err != nil {
		return []string{err.Error()}
	}
	for _, api := range t.ofType(typeHTTPAPI) {
		cors, ok := api.Properties["CorsConfiguration"].(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("%s: CorsConfiguration is %v; want a mapping whose AllowOrigins come from parameters",
				api.ID, api.Properties["CorsConfiguration"]))
			continue
		}
		origins := asList(cors["AllowOrigins"])
		if len(origins) == 0 {
			out = append(out, fmt.Sprintf("%s: CorsConfiguration has no AllowOrigins", api.ID))
		}
		for _, o := range origins {
			if !t.configuredOrigin(o) {
				out = append(out, fmt.Sprintf("%s: CorsConfiguration AllowOrigins item %v is neither a !Ref to a parameter nor the https origin of the template's distribution (or an !If of the two)", api.ID, o))
			}
		}
		if cors["AllowCredentials"] == true {
			out = append(out, fmt.Sprintf("%s: CorsConfiguration AllowCredentials is true; the forms send bearer tokens, not cookies", api.ID))
		}
		methods := set(cors["AllowMethods"], strings.ToUpper)
		var missing []string
		for _, r := range routes {
			if !methods["*"] && !methods[r.Method] && !slices.Contains(missing, r.Method) {
				missing = append(missing, r.Method)
			}
		}
		if len(missing) > 0 {
			out = append(out, fmt.Sprintf("%s: CorsConfiguration AllowMethods lacks %s, which routes use", api.ID, strings.Join(missing, ", ")))
		}
		headers := set(cors["AllowHeaders"], strings.ToLower)
		for _, h := range requiredCORSHeaders {
			if !headers["*"] && !headers[strings.ToLower(h)] {
				out = append(out, fmt.Sprintf("%s: CorsConfiguration AllowHeaders lacks %s", api.ID, h))
			}
		}
		if n, ok := toInt(cors["MaxAge"]); !ok || n <= 0 {
			out = append(out, fmt.Sprintf("%s: CorsConfiguration MaxAge %v; want a positive number of seconds", api.ID, cors["MaxAge"]))
		}
	}
	return out
}

// set reads a list of names, folded by fold (HTTP names ignore case).
func set(v any, fold func(string) string) map[string]bool {
	out := map[string]bool{}
	for _, x := range asList(v) {
		out[fold(fmt.Sprint(x))] = true
	}
	return out
}

// TestCORS_SameAsLocalGateway: the local stack (internal/localgw) answers
// browsers with the methods, headers and max age AWS will.
func TestCORS_SameAsLocalGateway(t *testing.T) {
	tpl := loadTemplate(t)
	cors := mapping(tpl.Resources["HttpApi"].Properties["CorsConfiguration"])
	if cors == nil {
		t.Fatal("HttpApi has no CorsConfiguration")
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range asList(v) {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	if got := strs(cors["AllowMethods"]); !reflect.DeepEqual(got, localgw.CORSAllowMethods) {
		t.Errorf("template AllowMethods %q, local gateway %q", got, localgw.CORSAllowMethods)
	}
	if got := strs(cors["AllowHeaders"]); !reflect.DeepEqual(got, localgw.CORSAllowHeaders) {
		t.Errorf("template AllowHeaders %q, local gateway %q", got, localgw.CORSAllowHeaders)
	}
	if got := strs(cors["ExposeHeaders"]); !reflect.DeepEqual(got, localgw.CORSExposeHeaders) {
		t.Errorf("template ExposeHeaders %q, local gateway %q", got, localgw.CORSExposeHeaders)
	}
	if got, _ := toInt(cors["MaxAge"]); got != localgw.CORSMaxAge {
		t.Errorf("template MaxAge %v, local gateway %d", cors["MaxAge"], localgw.CORSMaxAge)
	}
	// The parameter's default must be an origin the local gateway accepts,
	// so both read origins the same way.
	// Empty is the stack's own distribution.
	def := fmt.Sprint(mapping(tpl.Parameters["WebOrigin"])["Default"])
	if c, err := localgw.ParseCORS(def); def != "" && (err != nil || len(c.AllowOrigins) != 1) {
		t.Errorf("WebOrigin default %q: %v", def, err)
	}
	if def == "" && len(tpl.ofType("AWS::CloudFront::Distribution")) != 1 {
		t.Error("WebOrigin defaults to the stack's distribution, and the template has none")
	}
}

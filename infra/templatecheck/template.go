// Package templatecheck reads template.yaml, cecportal's AWS SAM template,
// and checks in its tests the invariants cfn-lint does not: how functions are
// built, how SQS consumers fail and retry, that every dead-letter queue has an
// alarm, that queue URL variables and sqs:SendMessage grants agree, that no
// policy grants DynamoDB by wildcard, and that CORS admits only the
// configured web origin. Its tests also hold the template's functions (event
// sources, schedules, environment), its queues and the Makefile's LAMBDAS
// to app.Functions and app.Queues, the list the Lambda mains and the local
// stack use. HTTPRoutes lists the HTTP API's routes, so that a test can
// compare them with openapi.yaml.
//
// The template is parsed with go.yaml.in/yaml/v2 (the YAML module this
// repository's go.sum already pins). That parser accepts CloudFormation's
// short-form tags but drops them: `!Ref Table` reads as "Table" and
// `!GetAtt MailQueue.Arn` as "MailQueue.Arn". The checks resolve both those
// forms and the long forms ({Ref: X}, {Fn::GetAtt: [X, Arn]}) to a logical
// ID, and only to one that the template defines.
package templatecheck

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v2"
)

// Resource types the checks look at.
const (
	typeFunction = "AWS::Serverless::Function"
	typeHTTPAPI  = "AWS::Serverless::HttpApi"
	typeQueue    = "AWS::SQS::Queue"
	typeAlarm    = "AWS::CloudWatch::Alarm"
	typeLogGroup = "AWS::Logs::LogGroup"
)

// defaultFunctionTimeout is Lambda's timeout, in seconds, when neither the
// function nor Globals sets one.
const defaultFunctionTimeout = 3

// template is a parsed SAM template.
type template struct {
	Parameters map[string]any
	Globals    map[string]any
	Resources  map[string]resource
	Outputs    map[string]any
}

// resource is one entry of the template's Resources.
type resource struct {
	ID         string // logical ID
	Type       string
	Condition  string
	Properties map[string]any
	Metadata   map[string]any
}

// event is one entry of a serverless function's Events.
type event struct {
	Name       string
	Type       string
	Properties map[string]any
}

// load reads and parses the template at path.
func load(path string) (*template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return t, nil
}

// parse parses a template's YAML.
func parse(data []byte) (*template, error) {
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode yaml: %w", err)
	}
	doc, ok := normalize(raw).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	resources, ok := doc["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template has no Resources mapping")
	}
	t := &template{Parameters: mapping(doc["Parameters"]), Globals: mapping(doc["Globals"]), Outputs: mapping(doc["Outputs"]), Resources: make(map[string]resource, len(resources))}
	for id, v := range resources {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is not a mapping", id)
		}
		typ, _ := m["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		cond, _ := m["Condition"].(string)
		t.Resources[id] = resource{
			ID:         id,
			Type:       typ,
			Condition:  cond,
			Properties: mapping(m["Properties"]),
			Metadata:   mapping(m["Metadata"]),
		}
	}
	return t, nil
}

// ofType returns the resources of type typ, sorted by logical ID.
func (t *template) ofType(typ string) []resource {
	var out []resource
	for _, r := range t.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// functionProperty returns a serverless function's property merged with
// Globals.Function as SAM merges them: the function's scalar wins, maps are
// merged key by key (recursively), lists are the global items then the
// function's.
func (t *template) functionProperty(fn resource, key string) any {
	return mergeGlobal(mapping(t.Globals["Function"])[key], fn.Properties[key])
}

// mergeGlobal merges a global value g with a resource's own value v.
func mergeGlobal(g, v any) any {
	if g == nil {
		return v
	}
	if v == nil {
		return g
	}
	switch gv := g.(type) {
	case map[string]any:
		vv, ok := v.(map[string]any)
		if !ok {
			return v
		}
		m := make(map[string]any, len(gv)+len(vv))
		for k, e := range gv {
			m[k] = e
		}
		for k, e := range vv {
			m[k] = mergeGlobal(gv[k], e)
		}
		return m
	case []any:
		vv, ok := v.([]any)
		if !ok {
			return v
		}
		return append(append([]any{}, gv...), vv...)
	}
	return v
}

// functionTimeout returns a serverless function's timeout in seconds.
func (t *template) functionTimeout(fn resource) (int, error) {
	v := t.functionProperty(fn, "Timeout")
	if v == nil {
		return defaultFunctionTimeout, nil
	}
	n, ok := toInt(v)
	if !ok {
		return 0, fmt.Errorf("function %s: Timeout %v is not a literal number", fn.ID, v)
	}
	return n, nil
}

// events returns a serverless function's events, sorted by name.
func (fn resource) events() []event {
	var out []event
	for name, v := range mapping(fn.Properties["Events"]) {
		m := mapping(v)
		typ, _ := m["Type"].(string)
		out = append(out, event{Name: name, Type: typ, Properties: mapping(m["Properties"])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// target resolves a reference to a resource of this template and returns its
// logical ID: {Ref: X}, {Fn::GetAtt: [X, Attr]}, {Fn::GetAtt: "X.Attr"}, or
// the strings "X" and "X.Attr" that short-form !Ref and !GetAtt become.
func (t *template) target(v any) (string, bool) {
	id, _, ok := t.reference(v)
	return id, ok
}

// reference is target that also returns the attribute referred to: "" for a
// Ref, "Arn" for !GetAtt X.Arn, and so on.
func (t *template) reference(v any) (id, attr string, ok bool) {
	var name string
	switch x := v.(type) {
	case string:
		name = x
	case map[string]any:
		if len(x) != 1 {
			return "", "", false
		}
		if ref, ok := x["Ref"].(string); ok {
			name = ref
		} else if ga, ok := x["Fn::GetAtt"]; ok {
			switch g := ga.(type) {
			case string:
				name = g
			case []any:
				if len(g) != 2 {
					return "", "", false
				}
				id, _ := g[0].(string)
				attr, _ := g[1].(string)
				if id == "" || attr == "" {
					return "", "", false
				}
				name = id + "." + attr
			}
		}
	}
	if name == "" {
		return "", "", false
	}
	if _, ok := t.Resources[name]; ok {
		return name, "", true
	}
	if id, attr, found := strings.Cut(name, "."); found {
		if _, ok := t.Resources[id]; ok {
			return id, attr, true
		}
	}
	return "", "", false
}

// parameter resolves a reference to a parameter of this template ({Ref: P},
// or the string "P" that short-form !Ref becomes) and returns its name.
func (t *template) parameter(v any) (string, bool) {
	var name string
	switch x := v.(type) {
	case string:
		name = x
	case map[string]any:
		if len(x) == 1 {
			name, _ = x["Ref"].(string)
		}
	}
	if _, ok := t.Parameters[name]; !ok || name == "" {
		return "", false
	}
	return name, true
}

// Route is one route of the HTTP API, as template.yaml declares it.
type Route struct {
	Method   string // upper case; ANY for any method
	Path     string // as in the template, e.g. /holders/{holderId}/credentials
	Public   bool   // no authorizer runs
	Function string // logical ID of the function that serves it
}

// HTTPRoutes lists the routes of the template's HttpApi events, sorted by
// path, then method. A route is public when its event sets Auth.Authorizer
// NONE, or sets none and its API has no DefaultAuthorizer.
func HTTPRoutes(templatePath string) ([]Route, error) {
	t, err := load(templatePath)
	if err != nil {
		return nil, err
	}
	return t.routes()
}

// routes lists the routes of the template's HttpApi events; see HTTPRoutes.
func (t *template) routes() ([]Route, error) {
	var routes []Route
	for _, fn := range t.ofType(typeFunction) {
		for _, ev := range fn.events() {
			if ev.Type != "HttpApi" {
				continue
			}
			def, err := t.defaultAuthorizer(ev)
			if err != nil {
				return nil, fmt.Errorf("function %s event %s: %w", fn.ID, ev.Name, err)
			}
			method, _ := ev.Properties["Method"].(string)
			path, _ := ev.Properties["Path"].(string)
			if method == "" || path == "" {
				// SAM's catch-all route: $default.
				method, path = "ANY", "$default"
			}
			method = strings.ToUpper(method)
			if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
				method = "ANY"
			}
			auth, _ := mapping(ev.Properties["Auth"])["Authorizer"].(string)
			routes = append(routes, Route{
				Method:   method,
				Path:     path,
				Public:   auth == "NONE" || (auth == "" && def == ""),
				Function: fn.ID,
			})
		}
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return routes[i].Method < routes[j].Method
	})
	return routes, nil
}

// defaultAuthorizer returns the DefaultAuthorizer of the API an HttpApi event
// attaches to: its ApiId's resource, or SAM's implicit API (Globals.HttpApi).
func (t *template) defaultAuthorizer(ev event) (string, error) {
	auth := mapping(mapping(t.Globals["HttpApi"])["Auth"])
	if ref, ok := ev.Properties["ApiId"]; ok {
		id, ok := t.target(ref)
		if !ok || t.Resources[id].Type != typeHTTPAPI {
			return "", fmt.Errorf("ApiId %v is not an %s of the template", ref, typeHTTPAPI)
		}
		auth = mapping(t.Resources[id].Properties["Auth"])
	}
	name, _ := auth["DefaultAuthorizer"].(string)
	return name, nil
}

// toInt reads a literal integer (YAML numbers and numeric strings).
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case uint64:
		return int(x), true
	case float64:
		if x == float64(int(x)) {
			return int(x), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

// toStrings reads a string or a list of strings (as IAM Action and Resource
// allow); other elements are skipped.
func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// mapping returns v as a map, or an empty map.
func mapping(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// normalize turns yaml.v2's map[interface{}]interface{} into map[string]any,
// recursively.
func normalize(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	}
	return v
}

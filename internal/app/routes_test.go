package app_test

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cecportal/cecportal/infra/templatecheck"
	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/app/mailapp"
	"github.com/cecportal/cecportal/internal/badges/vcjwt"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/payments"
	"github.com/cecportal/cecportal/internal/records"
	"github.com/cecportal/cecportal/internal/secrets"
	"github.com/cecportal/cecportal/internal/stripepay"
	"github.com/cecportal/cecportal/internal/testkit"
)

// httpFunctions are the Lambdas that serve the HTTP API (the HTTP entries
// of app.Functions), by their logical ID, with the constructor their main
// calls. A new API is one line here.
var httpFunctions = map[string]func(app.Deps) (*httpapi.API, error){
	"AccountsApi": func(d app.Deps) (*httpapi.API, error) {
		return httpapi.NewAccountsAPI(d.Accounts(), d.Clock, d.Renewals(nil), d.HolderImport(), d.Undeliverable(), d.EmailPrefs(nil), httpapi.Options{})
	},
	"AttendanceApi": func(d app.Deps) (*httpapi.API, error) {
		return httpapi.NewAttendanceAPI(d.Attendance(nil), httpapi.Options{})
	},
	"CecApi": func(d app.Deps) (*httpapi.API, error) {
		return httpapi.NewCecAPI(d.Transcript(), d.Submissions(), d.Renewals(&payments.Simulator{}), httpapi.Options{})
	},
	"DocumentsApi": func(d app.Deps) (*httpapi.API, error) {
		return httpapi.NewDocumentsAPI(d.Documents(nil), httpapi.Options{})
	},
	"RecordsApi": func(d app.Deps) (*httpapi.API, error) {
		return httpapi.NewRecordsAPI(httpapi.RecordServices{Attendance: d.Attendance(nil), Renewals: d.Renewals(nil), Transcript: d.Transcript(), Programs: d.Programs(nil), Ledger: d.Ledger(), PaymentIssues: d.PaymentIssues(), Dashboard: d.Dashboard(),
			Emails: mailapp.Previews{}},
			httpapi.Drawings{Receipt: records.RenewalReceiptPDF(d.Policy), Invoice: records.InvoicePDF(d.Policy), FeeReceipt: records.FeeReceiptPDF(d.Policy), Filing: records.FilingReceiptPDF(d.Policy), Certificate: records.CertificatePDF(d.Policy),
				Transcript: records.TranscriptPDF(d.Policy)}, d.Clock, httpapi.Options{})
	},
	"BadgesApi": func(d app.Deps) (*httpapi.API, error) {
		is := d.BadgeIssuer("https://api.example.org")
		return httpapi.NewBadgesAPI(d.Badges(is, vcjwt.Sealer{Issuer: is}), httpapi.Options{})
	},
	"ProgramsApi": func(d app.Deps) (*httpapi.API, error) {
		return httpapi.NewProgramsAPI(d.Programs(&payments.Simulator{}), httpapi.Options{})
	},
	"PaymentWebhook": func(d app.Deps) (*httpapi.API, error) {
		return httpapi.NewPaymentWebhookAPI(d.PaymentWebhook(stripepay.Verifier{Secret: secrets.Value("whsec_test")}), httpapi.Options{})
	},
}

// knownRoles are the roles a caller can hold; x-roles may name only these.
var knownRoles = []string{identity.RoleHolder, identity.RoleProvider, identity.RoleStaff}

// servedRoute is a route key as one of httpFunctions serves it.
type servedRoute struct {
	function string
	access   httpapi.Access
}

// specOp is an operation of openapi.yaml.
type specOp struct {
	id       string
	public   bool     // effective security is empty
	roles    []string // x-roles, sorted; nil when absent
	rolesErr string   // x-roles present but not a list of strings
}

// TestRoutes_AgreeEverywhere checks that template.yaml (what API Gateway
// routes), openapi.yaml (the contract) and the handlers (what each Lambda
// serves) list the same routes, with the same authorisation, served by the
// function that handles them.
func TestRoutes_AgreeEverywhere(t *testing.T) {
	tmplRoutes, err := templatecheck.HTTPRoutes("../../template.yaml")
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	tmpl := map[string]templatecheck.Route{}
	var dupTmpl []string
	for _, r := range tmplRoutes {
		key := r.Method + " " + r.Path
		if prev, dup := tmpl[key]; dup {
			dupTmpl = append(dupTmpl, fmt.Sprintf("%s (functions %s and %s)", key, prev.Function, r.Function))
		}
		tmpl[key] = r
	}
	if len(dupTmpl) > 0 {
		t.Errorf("template.yaml declares routes twice:\n\t%s", strings.Join(dupTmpl, "\n\t"))
	}

	doc, err := apispec.Spec()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	spec := specOperations(doc)

	db := testkit.TempBolt(t, testkit.Fsync)
	deps := newDeps(t, db, nil)
	served := map[string]servedRoute{}
	apis := map[string]*httpapi.API{}
	var dupServed []string
	for _, fn := range slices.Sorted(maps.Keys(httpFunctions)) {
		api, err := httpFunctions[fn](deps)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		apis[fn] = api
		for _, key := range api.RouteKeys() {
			acc, ok := api.RouteAccess(key)
			if !ok {
				t.Fatalf("%s: RouteKeys lists %s but RouteAccess does not know it", fn, key)
			}
			if prev, dup := served[key]; dup {
				dupServed = append(dupServed, fmt.Sprintf("%s (%s and %s)", key, prev.function, fn))
			}
			served[key] = servedRoute{function: fn, access: acc}
		}
	}
	if len(dupServed) > 0 {
		t.Errorf("routes served by two functions:\n\t%s", strings.Join(dupServed, "\n\t"))
	}

	t.Run("SameRoutes", func(t *testing.T) {
		all := map[string]bool{}
		for k := range tmpl {
			all[k] = true
		}
		for k := range spec {
			all[k] = true
		}
		for k := range served {
			all[k] = true
		}
		var diffs []string
		for _, key := range slices.Sorted(maps.Keys(all)) {
			tr, inTmpl := tmpl[key]
			op, inSpec := spec[key]
			sr, inCode := served[key]
			if inTmpl && inSpec && inCode {
				continue
			}
			where := func(in bool, yes string) string {
				if in {
					return yes
				}
				return "absent"
			}
			diffs = append(diffs, fmt.Sprintf("%-40s template.yaml: %-22s openapi.yaml: %-30s served: %s", key,
				where(inTmpl, "event of "+tr.Function), where(inSpec, "operation "+op.id), where(inCode, "by "+sr.function)))
		}
		if len(diffs) > 0 {
			t.Errorf("the route sets differ (template.yaml HttpApi events, openapi.yaml operations, RouteKeys of %s):\n\t%s",
				strings.Join(slices.Sorted(maps.Keys(httpFunctions)), ", "), strings.Join(diffs, "\n\t"))
		}
	})

	t.Run("ServedByTheirFunction", func(t *testing.T) {
		var diffs []string
		for _, key := range slices.Sorted(maps.Keys(tmpl)) {
			tr := tmpl[key]
			if _, ok := httpFunctions[tr.Function]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s: template.yaml routes it to %s, which has no entry in httpFunctions (add its API constructor)", key, tr.Function))
				continue
			}
			if sr, ok := served[key]; ok && sr.function != tr.Function {
				diffs = append(diffs, fmt.Sprintf("%s: template.yaml routes it to %s but %s serves it", key, tr.Function, sr.function))
			}
		}
		for fn := range httpFunctions {
			if !slices.ContainsFunc(tmplRoutes, func(r templatecheck.Route) bool { return r.Function == fn }) {
				diffs = append(diffs, fmt.Sprintf("%s: in httpFunctions but template.yaml gives it no HttpApi event", fn))
			}
		}
		sort.Strings(diffs)
		if len(diffs) > 0 {
			t.Errorf("routes are not served by the function template.yaml sends them to:\n\t%s", strings.Join(diffs, "\n\t"))
		}
	})

	t.Run("PublicAgrees", func(t *testing.T) {
		var diffs []string
		for _, key := range slices.Sorted(maps.Keys(spec)) {
			op := spec[key]
			tr, inTmpl := tmpl[key]
			sr, inCode := served[key]
			if !inTmpl || !inCode {
				continue // reported by SameRoutes
			}
			if tr.Public != op.public || sr.access.IsPublic() != op.public {
				diffs = append(diffs, fmt.Sprintf("%-40s template.yaml: %-14s openapi.yaml: %-16s served: %s", key,
					publicWord(tr.Public, "Authorizer NONE", "authorizer"), publicWord(op.public, "security: []", "security: jwt"),
					sr.access))
			}
		}
		if len(diffs) > 0 {
			t.Errorf("public routes differ (template Auth.Authorizer NONE, openapi `security: []`, httpapi.Public):\n\t%s", strings.Join(diffs, "\n\t"))
		}
	})

	t.Run("RolesAgree", func(t *testing.T) {
		var diffs []string
		for _, key := range slices.Sorted(maps.Keys(spec)) {
			op := spec[key]
			if op.rolesErr != "" {
				diffs = append(diffs, fmt.Sprintf("%s: x-roles %s", key, op.rolesErr))
				continue
			}
			for _, r := range op.roles {
				if !slices.Contains(knownRoles, r) {
					diffs = append(diffs, fmt.Sprintf("%s: x-roles names %q, not one of %v", key, r, knownRoles))
				}
			}
			if op.public && op.roles != nil {
				diffs = append(diffs, fmt.Sprintf("%s: x-roles %v on an operation with `security: []`", key, op.roles))
			}
			sr, ok := served[key]
			if !ok || op.public {
				continue // reported by SameRoutes and PublicAgrees
			}
			got := sr.access.RoleList()
			slices.Sort(got)
			switch {
			case op.roles == nil && (sr.access.IsPublic() || got != nil):
				diffs = append(diffs, fmt.Sprintf("%s: openapi.yaml has no x-roles (any signed-in caller) but %s serves it as %s", key, sr.function, sr.access))
			case op.roles != nil && !slices.Equal(got, op.roles):
				diffs = append(diffs, fmt.Sprintf("%s: openapi.yaml x-roles %v but %s serves it as %s", key, op.roles, sr.function, sr.access))
			}
		}
		if len(diffs) > 0 {
			t.Errorf("roles differ (openapi.yaml x-roles vs the route's httpapi.Access):\n\t%s", strings.Join(diffs, "\n\t"))
		}
	})
}

// specOperations lists doc's operations by route key.
func specOperations(doc *openapi3.T) map[string]specOp {
	ops := map[string]specOp{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			reqs := doc.Security
			if op.Security != nil {
				reqs = *op.Security
			}
			so := specOp{id: op.OperationID, public: len(reqs) == 0}
			if raw, ok := op.Extensions["x-roles"]; ok {
				so.roles, so.rolesErr = stringList(raw)
				slices.Sort(so.roles)
			}
			ops[strings.ToUpper(method)+" "+path] = so
		}
	}
	return ops
}

// stringList reads an extension's value as a non-empty list of strings.
func stringList(v any) ([]string, string) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Sprintf("is %#v, want a non-empty list of role names", v)
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Sprintf("has %#v, want role names", e)
		}
		out = append(out, s)
	}
	return out, ""
}

func publicWord(public bool, yes, no string) string {
	if public {
		return yes
	}
	return no
}

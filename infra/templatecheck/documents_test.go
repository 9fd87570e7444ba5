package templatecheck

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cecportal/cecportal/internal/policy"
)

// checkDocumentsBucket: the bucket of holders' files (docs/documents.md) is
// what the code counts on. Every function given DOCUMENTS_BUCKET names a
// bucket of this template that no one outside reads: public access blocked,
// encrypted, HTTPS only. Its lifecycle removes unchecked uploads after a
// day and kept documents after DocumentsKeepDays, whose default is the
// shipped policy's attachments.keepDays (the local stack's sweep applies the
// same rules). Browsers may post to it from the web forms' origin only. A
// function may act under both prefixes and nowhere else: delete, and, if it
// serves routes, put and read.
func checkDocumentsBucket(t *template, keepDays int) []string {
	var out []string
	for _, fn := range t.ofType(typeFunction) {
		vars := mapping(mapping(t.functionProperty(fn, "Environment"))["Variables"])
		v, uses := vars["DOCUMENTS_BUCKET"]
		if !uses {
			continue
		}
		id, ok := t.target(v)
		if !ok || t.Resources[id].Type != "AWS::S3::Bucket" {
			out = append(out, fmt.Sprintf("function %s: DOCUMENTS_BUCKET is no !Ref to a bucket of this template", fn.ID))
			continue
		}
		out = append(out, t.documentsBucket(id, keepDays)...)
		var actions []string
		for _, st := range t.statements(fn) {
			for _, r := range toStrings(st["Resource"]) {
				for _, prefix := range []string{"uploads", "documents"} {
					if r == fmt.Sprintf("${%s.Arn}/%s/*", id, prefix) {
						for _, a := range toStrings(st["Action"]) {
							actions = append(actions, prefix+" "+a)
						}
					}
				}
				if strings.Contains(r, id) && !strings.HasSuffix(r, "/uploads/*") && !strings.HasSuffix(r, "/documents/*") {
					out = append(out, fmt.Sprintf("function %s: may act on %s beyond uploads/ and documents/", fn.ID, r))
				}
			}
		}
		// Every function that keeps files removes them; one that serves
		// routes also presigns posts (PutObject) and reads (GetObject).
		need := []string{"s3:DeleteObject"}
		if t.servesRoutes(fn) {
			need = append(need, "s3:PutObject", "s3:GetObject")
		}
		for _, prefix := range []string{"uploads", "documents"} {
			for _, a := range need {
				if !slices.Contains(actions, prefix+" "+a) {
					out = append(out, fmt.Sprintf("function %s: may not %s under %s/ of %s", fn.ID, a, prefix, id))
				}
			}
		}
	}
	return out
}

// servesRoutes reports whether fn has HttpApi events.
func (t *template) servesRoutes(fn resource) bool {
	for _, ev := range mapping(fn.Properties["Events"]) {
		if mapping(ev)["Type"] == "HttpApi" {
			return true
		}
	}
	return false
}

// statements are the inline policy statements of a function's Policies.
func (t *template) statements(fn resource) []map[string]any {
	var out []map[string]any
	for _, p := range asList(t.functionProperty(fn, "Policies")) {
		for _, st := range asList(mapping(p)["Statement"]) {
			out = append(out, mapping(st))
		}
	}
	return out
}

func (t *template) documentsBucket(id string, keepDays int) []string {
	var out []string
	b := t.Resources[id].Properties
	block := mapping(b["PublicAccessBlockConfiguration"])
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if block[k] != true {
			out = append(out, fmt.Sprintf("bucket %s: %s is not true", id, k))
		}
	}
	if len(asList(mapping(b["BucketEncryption"])["ServerSideEncryptionConfiguration"])) == 0 {
		out = append(out, fmt.Sprintf("bucket %s: no default encryption", id))
	}
	rules := map[string]any{}
	for _, r := range asList(mapping(b["LifecycleConfiguration"])["Rules"]) {
		r := mapping(r)
		if p, _ := r["Prefix"].(string); r["Status"] == "Enabled" {
			rules[p] = r["ExpirationInDays"]
		}
	}
	if d, ok := rules["uploads/"]; !ok || fmt.Sprint(d) != "1" {
		out = append(out, fmt.Sprintf("bucket %s: no enabled lifecycle rule expires uploads/ after 1 day (got %v)", id, d))
	}
	param, ok := t.parameter(rules["documents/"])
	switch {
	case !ok:
		out = append(out, fmt.Sprintf("bucket %s: no enabled lifecycle rule expires documents/ after a parameter's days", id))
	case fmt.Sprint(mapping(t.Parameters[param])["Default"]) != fmt.Sprint(keepDays):
		out = append(out, fmt.Sprintf("bucket %s: documents/ expire after %s, whose default %v is not the shipped policy's attachments.keepDays %d",
			id, param, mapping(t.Parameters[param])["Default"], keepDays))
	}
	cors := asList(mapping(b["CorsConfiguration"])["CorsRules"])
	if len(cors) == 0 {
		out = append(out, fmt.Sprintf("bucket %s: no CORS rule lets the web forms post files", id))
	}
	for _, r := range cors {
		r := mapping(r)
		if !slices.Contains(toStrings(r["AllowedMethods"]), "POST") {
			out = append(out, fmt.Sprintf("bucket %s: a CORS rule does not allow POST", id))
		}
		for _, o := range asList(r["AllowedOrigins"]) {
			if !t.configuredOrigin(o) {
				out = append(out, fmt.Sprintf("bucket %s: CORS origin %v is not the web forms' configured origin", id, o))
			}
		}
	}
	httpsOnly := false
	for _, p := range t.ofType("AWS::S3::BucketPolicy") {
		if target, ok := t.target(p.Properties["Bucket"]); !ok || target != id {
			continue
		}
		for _, st := range asList(mapping(p.Properties["PolicyDocument"])["Statement"]) {
			s := mapping(st)
			if s["Effect"] == "Deny" && mapping(mapping(s["Condition"])["Bool"])["aws:SecureTransport"] == "false" {
				httpsOnly = true
			}
		}
	}
	if !httpsOnly {
		out = append(out, fmt.Sprintf("bucket %s: no bucket policy denies requests without TLS", id))
	}
	return out
}

func TestDocumentsBucket(t *testing.T) {
	pol, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	keep := pol.Attachments.KeepDays
	src, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, text string) []string {
		tpl, err := parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return checkDocumentsBucket(tpl, keep)
	}
	if problems := run(t, string(src)); len(problems) > 0 {
		t.Fatalf("template.yaml:\n%s", strings.Join(problems, "\n"))
	}
	for _, c := range []struct{ name, old, new, want string }{
		{"Public", "        RestrictPublicBuckets: true\n      OwnershipControls:\n        Rules:\n          - ObjectOwnership: BucketOwnerEnforced\n      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          - ServerSideEncryptionByDefault: { SSEAlgorithm: AES256 }\n      LifecycleConfiguration",
			"        RestrictPublicBuckets: false\n      OwnershipControls:\n        Rules:\n          - ObjectOwnership: BucketOwnerEnforced\n      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          - ServerSideEncryptionByDefault: { SSEAlgorithm: AES256 }\n      LifecycleConfiguration", "RestrictPublicBuckets"},
		{"UploadsKept", "            ExpirationInDays: 1\n", "            ExpirationInDays: 30\n", "uploads/ after 1 day"},
		{"DocumentsLiteral", "ExpirationInDays: !Ref DocumentsKeepDays", "ExpirationInDays: 1095", "documents/ after a parameter"},
		{"KeepDaysDiffer", "    Default: 1095\n", "    Default: 365\n", "attachments.keepDays"},
		{"NoCORS", "            AllowedMethods: [POST]\n", "            AllowedMethods: [GET]\n", "does not allow POST"},
		{"AnyOrigin", "          - AllowedOrigins:\n              - !If [CreateWebSite", "          - AllowedOrigins:\n              - \"*\"\n              - !If [CreateWebSite", "configured origin"},
		{"NoTLSRule", "            Resource: [!GetAtt DocumentsBucket.Arn, !Sub \"${DocumentsBucket.Arn}/*\"]\n            Condition:\n              Bool: { aws:SecureTransport: \"false\" }",
			"            Resource: [!GetAtt DocumentsBucket.Arn, !Sub \"${DocumentsBucket.Arn}/*\"]", "without TLS"},
		{"CannotDelete", "                - s3:GetObject\n                - s3:DeleteObject\n", "                - s3:GetObject\n", "s3:DeleteObject"},
		{"ReviewerCannotRemove", "            - Sid: DocumentFiles\n              Effect: Allow\n              Action:\n                - s3:DeleteObject\n", "            - Sid: DocumentFiles\n              Effect: Allow\n              Action:\n                - s3:GetObject\n", "function CecSubmissionReviewer: may not s3:DeleteObject"},
		{"WholeBucket", "                - s3:GetObject\n                - s3:DeleteObject\n              Resource:\n                - !Sub ${DocumentsBucket.Arn}/uploads/*\n", "                - s3:GetObject\n                - s3:DeleteObject\n              Resource:\n                - !Sub ${DocumentsBucket.Arn}/*\n                - !Sub ${DocumentsBucket.Arn}/uploads/*\n", "beyond uploads/"},
		{"BucketLiteral", "          DOCUMENTS_BUCKET: !Ref DocumentsBucket\n          ROLE_CLAIM", "          DOCUMENTS_BUCKET: cecportal-documents\n          ROLE_CLAIM", "no !Ref"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if strings.Count(string(src), c.old) != 1 {
				t.Fatalf("the example's text is not once in template.yaml: %q", c.old)
			}
			problems := run(t, strings.Replace(string(src), c.old, c.new, 1))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Fatalf("want a problem with %q; got %q", c.want, problems)
			}
		})
	}
}

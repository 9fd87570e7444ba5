// Command webexport writes the web forms, configured for a deployment, into
// a directory to copy to a static host such as S3 behind CloudFront:
//
//	go run ./internal/web/cmd/webexport -out dist \
//	    -api-base https://abc123.execute-api.us-east-1.amazonaws.com \
//	    -cognito-domain https://ami-cec.auth.us-east-1.amazoncognito.com \
//	    -cognito-client-id 1example23456789
//	aws s3 sync dist s3://my-forms-bucket --delete
//
// It prints the headers CloudFront's response headers policy should add to
// every file (the Content-Security-Policy among them, which only a header
// can give frame-ancestors). See docs/web.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/web"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webexport:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("webexport", flag.ContinueOnError)
	out := fs.String("out", "dist", "directory to write the site into")
	apiBase := fs.String("api-base", "", "the HTTP API's base URL (empty: the origin that serves the forms)")
	policyFile := fs.String("policy", "", "the association's policy file (default: the shipped policy/default.yaml)")
	domain := fs.String("cognito-domain", "", "the user pool's hosted UI domain, https://<prefix>.auth.<region>.amazoncognito.com")
	clientID := fs.String("cognito-client-id", "", "the public app client's ID (no client secret)")
	redirect := fs.String("cognito-redirect-uri", "", "the callback URL registered in the app client (default: the forms' own URL)")
	logout := fs.String("cognito-logout-uri", "", "the sign-out URL registered in the app client (default: the redirect URI)")
	scopes := fs.String("cognito-scopes", "openid email", "OAuth scopes, space-separated")
	filesOrigin := fs.String("files-origin", "", "where the forms post holders' files: the stack's DocumentsOrigin output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pol, err := app.LoadPolicy(*policyFile)
	if err != nil {
		return err
	}
	cfg := web.Config{SignIn: "cognito", APIBase: strings.TrimRight(*apiBase, "/"), FilesOrigin: strings.TrimRight(*filesOrigin, "/"), Cognito: web.Cognito{
		Domain: strings.TrimRight(*domain, "/"), ClientID: *clientID, RedirectURI: *redirect, LogoutURI: *logout, Scopes: strings.Fields(*scopes)}}
	site, err := web.NewSite(cfg, pol)
	if err != nil {
		return err
	}
	brand, err := app.Brand(*policyFile)
	if err != nil {
		return err
	}
	if err := site.AddLogo(pol, brand); err != nil {
		return err
	}
	if err := site.Export(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the web forms to %s (API %q, Cognito %s)\n", *out, cfg.APIBase, cfg.Cognito.Domain)
	fmt.Fprintln(stdout, "CloudFront's response headers policy should add to every file:")
	headers := site.SecurityHeaders()
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		fmt.Fprintf(stdout, "  %s: %s\n", k, headers[k])
	}
	return nil
}

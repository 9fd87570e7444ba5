// Command gencontract compiles openapi.yaml's request checks into Go code
// (internal/httpapi/contract_gen.go), so that the Lambdas validate requests
// without loading the document, or kin-openapi, at cold start. Run by
// `go generate ./internal/httpapi`; a test fails when its output is stale.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/cecportal/cecportal/internal/httpapi/apispec"
)

func main() {
	out := flag.String("o", "contract_gen.go", "file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gencontract:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	src, err := apispec.Generate()
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

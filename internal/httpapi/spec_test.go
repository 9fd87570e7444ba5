package httpapi

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/cecportal/cecportal/internal/httpapi/apispec"
)

// TestGeneratedContract_InStep fails when contract_gen.go no longer says
// what openapi.yaml says.
func TestGeneratedContract_InStep(t *testing.T) {
	want, err := apispec.Generate()
	if err != nil {
		t.Fatalf("openapi.yaml does not compile: %v", err)
	}
	got, err := os.ReadFile("contract_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("contract_gen.go is out of step with openapi.yaml: run `go generate ./internal/httpapi`")
	}
	// And the Go it holds builds the contract apispec compiles.
	doc, err := apispec.Spec()
	if err != nil {
		t.Fatal(err)
	}
	c, err := apispec.Compile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(generatedContract(), c) {
		t.Fatal("generatedContract() differs from apispec.Compile of openapi.yaml")
	}
}

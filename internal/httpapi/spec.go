package httpapi

//go:generate go run ./internal/gencontract -o contract_gen.go

// newAPI serves routes against openapi.yaml's request contract, compiled
// into contract_gen.go at build time: the constructor of every Lambda's API.
// Loading the document itself (kin-openapi, YAML) would cost a cold start
// about 30 ms; TestGeneratedContract_InStep keeps the two in step.
func newAPI(routes []Route, opts Options) (*API, error) {
	return New(generatedContract(), routes, opts)
}

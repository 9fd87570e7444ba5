package localgw_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/localgw"
)

// The local stack serves the Lambdas' own handlers: one httpapi.API per
// function, each route key pointing at the function that serves it.
func Example() {
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	doc, err := apispec.Load(spec)
	if err != nil {
		log.Fatal(err)
	}
	contract, err := apispec.Compile(doc)
	if err != nil {
		log.Fatal(err)
	}

	// What functions/holders/main.go would pass to lambda.Start.
	holders, err := httpapi.New(contract, []httpapi.Route{{
		Method: "GET", Path: "/holders/me", Access: httpapi.Roles(identity.RoleHolder),
		Handle: func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
			return httpapi.JSON(http.StatusOK, map[string]string{"sub": r.Caller.Sub}), nil
		},
	}}, httpapi.Options{})
	if err != nil {
		log.Fatal(err)
	}

	key, err := localgw.NewKey(filepath.Join(".local", "signing.key"))
	if err != nil {
		log.Fatal(err)
	}
	gw, err := localgw.New(doc, map[string]localgw.Target{
		"GET /holders/me": holders.Handle,
	}, localgw.NewVerifier(key), localgw.Options{})
	if err != nil {
		log.Fatal(err)
	}
	signer := localgw.NewSigner(key)
	gw.Mount("/dev/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := signer.Sign("dev-user", "dev@example.test", []string{identity.RoleHolder}, time.Hour)
		_, _ = w.Write([]byte(tok))
	}))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", gw))
}

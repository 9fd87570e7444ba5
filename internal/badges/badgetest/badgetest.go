// Package badgetest checks issued badges as an outside verifier would, for
// the tests of every tier: against the Open Badges 3.0 AchievementCredential
// schema, and with lestrrat-go/jwx, a JOSE library apart from the one that
// signs (go-jose), from the published key set alone. Only tests import it.
package badgetest

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaJSON is the OB 3.0 AchievementCredential schema, written here
// from the specification (its $comment says how; docs/badges.md).
//
//go:embed achievementcredential.schema.json
var schemaJSON []byte

var (
	compileOnce sync.Once
	compiled    *jsonschema.Schema
	compileErr  error
)

// Schema is the compiled schema, with formats asserted.
func Schema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	compileOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			compileErr = err
			return
		}
		if compileErr = c.AddResource("ob3.json", doc); compileErr != nil {
			return
		}
		compiled, compileErr = c.Compile("ob3.json")
	})
	if compileErr != nil {
		tb.Fatalf("the OB 3.0 schema: %v", compileErr)
	}
	return compiled
}

// Validate checks payload (a JSON object) against the schema.
func Validate(tb testing.TB, payload []byte) error {
	tb.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		tb.Fatalf("not JSON: %v", err)
	}
	return Schema(tb).Validate(inst)
}

// Verify verifies token with jwx from the key set keys (a JWKS, as
// GET /badges/keys serves it), requiring the kid, and its time claims at
// at; it returns the payload's members. Any failure fails the test.
func Verify(tb testing.TB, keys []byte, token string, at time.Time) map[string]any {
	tb.Helper()
	ks, err := jwk.Parse(keys)
	if err != nil {
		tb.Fatalf("jwx cannot read the key set: %v", err)
	}
	payload, err := jws.Verify([]byte(token), jws.WithKeySet(ks, jws.WithRequireKid(true)))
	if err != nil {
		tb.Fatalf("jwx does not verify the token: %v", err)
	}
	if _, err := jwt.Parse([]byte(token), jwt.WithKeySet(ks), jwt.WithClock(jwt.ClockFunc(func() time.Time { return at }))); err != nil {
		tb.Fatalf("jwx refuses the JWT's claims at %s: %v", at, err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// Expired reports whether jwx finds token's time claims expired at at.
func Expired(tb testing.TB, keys []byte, token string, at time.Time) bool {
	tb.Helper()
	ks, err := jwk.Parse(keys)
	if err != nil {
		tb.Fatalf("jwx cannot read the key set: %v", err)
	}
	_, err = jwt.Parse([]byte(token), jwt.WithKeySet(ks), jwt.WithClock(jwt.ClockFunc(func() time.Time { return at })))
	return err != nil
}

// Payload is token's payload as signed, undecoded.
func Payload(tb testing.TB, token string) []byte {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("not a compact JWS: %.80q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// Header is token's JOSE header.
func Header(tb testing.TB, token string) map[string]any {
	tb.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		tb.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		tb.Fatal(err)
	}
	return h
}

// Get is the member at path of m, nil when absent.
func Get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

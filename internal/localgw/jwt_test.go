package localgw_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cecportal/cecportal/internal/localgw"
)

func TestNewKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "signing.key")
	key, err := localgw.NewKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != localgw.KeySize || bytes.Equal(key, make([]byte, localgw.KeySize)) {
		t.Fatalf("key = %x", key)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode = %v, want 0600", mode)
	}
	again, err := localgw.NewKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("second NewKey = %x, %v; want the same key", again, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key", len(entries))
	}
}

func TestNewKey_ConcurrentAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := localgw.NewKey(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent NewKey calls returned different keys")
		}
	}
}

func TestNewKey_RefusesWrongSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := localgw.NewKey(path); err == nil || !strings.Contains(err.Error(), "5 bytes") {
		t.Fatalf("NewKey error = %v, want size refused", err)
	}
}

func TestSigner_Sign(t *testing.T) {
	s := localgw.NewSigner(testKey)
	tok, err := s.Sign("sub-1", "a@example.test", []string{"holder", "staff"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := localgw.NewVerifier(testKey).Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := claims["cognito:groups"].([]any)
	if len(groups) != 2 || groups[0] != "holder" || groups[1] != "staff" {
		t.Errorf("cognito:groups = %#v, want a JSON array", claims["cognito:groups"])
	}
	for k, want := range map[string]any{"sub": "sub-1", "email": "a@example.test", "iss": "cecportal-local", "aud": "cecportal", "token_use": "id"} {
		if claims[k] != want {
			t.Errorf("%s = %#v, want %#v", k, claims[k], want)
		}
	}
	for _, k := range []string{"iat", "exp", "jti"} {
		if claims[k] == nil {
			t.Errorf("claim %s missing", k)
		}
	}

	noRoles, err := s.Sign("sub-2", "", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := localgw.NewVerifier(testKey).Verify(noRoles)
	if _, ok := c2["cognito:groups"]; ok {
		t.Error("cognito:groups present without roles")
	}
	if _, ok := c2["email"]; ok {
		t.Error("email present though empty")
	}

	for name, fn := range map[string]func() error{
		"EmptySub": func() error { _, err := s.Sign("", "", nil, time.Hour); return err },
		"ZeroTTL":  func() error { _, err := s.Sign("x", "", nil, 0); return err },
		"ShortKey": func() error { _, err := localgw.NewSigner([]byte("short")).Sign("x", "", nil, time.Hour); return err },
		"BadRole":  func() error { _, err := s.Sign("x", "", []string{"holder staff"}, time.Hour); return err },
	} {
		if fn() == nil {
			t.Errorf("%s: Sign accepted it", name)
		}
	}
}

func TestVerifier_Verify(t *testing.T) {
	now := time.Now()
	mint := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		base := jwt.MapClaims{"iss": localgw.DefaultIssuer, "aud": localgw.DefaultAudience, "sub": "u",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		for k, v := range claims {
			if v == nil {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
		tok, err := jwt.NewWithClaims(method, base).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		name  string
		token string
		want  error // nil: accepted
	}{
		{"Valid", mint(jwt.SigningMethodHS256, testKey, nil), nil},
		{"WithinLeeway", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"exp": now.Add(-5 * time.Second).Unix()}), nil},
		{"Expired", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"exp": now.Add(-time.Minute).Unix()}), jwt.ErrTokenExpired},
		{"NoExp", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"exp": nil}), jwt.ErrTokenRequiredClaimMissing},
		{"NotYetValid", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"nbf": now.Add(time.Minute).Unix()}), jwt.ErrTokenNotValidYet},
		{"IssuedInFuture", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"iat": now.Add(time.Minute).Unix()}), jwt.ErrTokenUsedBeforeIssued},
		{"WrongIssuer", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"iss": "evil"}), jwt.ErrTokenInvalidIssuer},
		{"WrongAudience", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"aud": "other"}), jwt.ErrTokenInvalidAudience},
		{"AudienceAmongMany", mint(jwt.SigningMethodHS256, testKey, jwt.MapClaims{"aud": []string{"x", localgw.DefaultAudience}}), nil},
		{"BadSignature", mint(jwt.SigningMethodHS256, bytes.Repeat([]byte{1}, 32), nil), jwt.ErrTokenSignatureInvalid},
		{"HS512", mint(jwt.SigningMethodHS512, testKey, nil), jwt.ErrTokenSignatureInvalid},
		{"AlgNone", mint(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil), jwt.ErrTokenSignatureInvalid},
		{"Malformed", "abc.def", jwt.ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := localgw.NewVerifier(testKey).Verify(tt.token)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("Verify: %v", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

package localgw

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cecportal/cecportal/internal/identity"
)

// Local token settings. In AWS, Cognito issues the tokens and API Gateway's
// JWT authorizer checks them; locally a Signer and a Verifier share one key.
const (
	DefaultIssuer   = "cecportal-local"
	DefaultAudience = "cecportal"
	DefaultLeeway   = 30 * time.Second
	RolesClaim      = "cognito:groups" // where Cognito puts groups, and httpapi looks for roles
	KeySize         = 32               // bytes; HS256 wants a key at least as long as its hash
)

// NewKey loads the local signing key from path, creating it (mode 0600, with
// its directory) on first use. It keeps the key across restarts so tokens
// issued before a restart still work; creation is atomic, so two processes
// starting together agree on one key.
func NewKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		return checkKey(path, key)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create signing key directory: %w", err)
	}
	key = make([]byte, KeySize)
	_, _ = rand.Read(key) // never fails (crypto/rand)

	// Write a temporary file, then link it into place: the key appears whole
	// or not at all, and an existing key is never overwritten.
	tmp, err := os.CreateTemp(dir, ".signing-key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
			return NewKey(path)
		}
		return nil, fmt.Errorf("install signing key: %w", err)
	}
	return key, nil
}

func checkKey(path string, key []byte) ([]byte, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("signing key %s holds %d bytes, want %d: delete it to make a new one", path, len(key), KeySize)
	}
	return key, nil
}

// Signer issues the local stack's ID tokens, shaped like Cognito's.
type Signer struct {
	Key      []byte
	Issuer   string
	Audience string
	// Now is real time, not the stack's business clock: token lifetimes are
	// checked against real time in AWS too.
	Now func() time.Time
}

// NewSigner returns a Signer with the local issuer and audience.
func NewSigner(key []byte) *Signer {
	return &Signer{Key: key, Issuer: DefaultIssuer, Audience: DefaultAudience, Now: time.Now}
}

// Sign returns an HS256 ID token for sub. Roles go in "cognito:groups" as a
// JSON array, as Cognito does, and are left out when there are none; each
// must be a plain group name, as Verify requires.
func (s *Signer) Sign(sub, email string, roles []string, ttl time.Duration) (string, error) {
	switch {
	case len(s.Key) < KeySize:
		return "", fmt.Errorf("sign token: key shorter than %d bytes", KeySize)
	case sub == "":
		return "", fmt.Errorf("sign token: empty subject")
	case ttl <= 0:
		return "", fmt.Errorf("sign token: ttl must be positive")
	}
	for _, r := range roles {
		if !identity.ValidGroupName(r) {
			return "", fmt.Errorf("sign token: role %q is not a plain group name", r)
		}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now()
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	claims := jwt.MapClaims{
		"iss":       s.Issuer,
		"aud":       s.Audience,
		"sub":       sub,
		"iat":       t.Unix(),
		"auth_time": t.Unix(),
		"exp":       t.Add(ttl).Unix(),
		"token_use": "id",
		"jti":       base64.RawURLEncoding.EncodeToString(jti),
	}
	if email != "" {
		// As a Cognito ID token of a user who confirmed their address.
		claims["email"], claims["email_verified"] = email, true
	}
	if len(roles) > 0 {
		claims[RolesClaim] = append([]string(nil), roles...)
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.Key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return signed, nil
}

// Verifier checks tokens the way API Gateway's JWT authorizer does: the
// signature (HS256 only, so "none" and algorithm swaps fail), exp (required),
// nbf and iat with a small leeway, iss and aud. Standing in for Cognito too,
// it also refuses groups Cognito would never issue (checkGroups).
type Verifier struct {
	Key      []byte
	Issuer   string
	Audience string
	Leeway   time.Duration
	Now      func() time.Time // real time, like API Gateway
}

// NewVerifier returns a Verifier for tokens from NewSigner(key).
func NewVerifier(key []byte) *Verifier {
	return &Verifier{Key: key, Issuer: DefaultIssuer, Audience: DefaultAudience, Leeway: DefaultLeeway, Now: time.Now}
}

// Verify returns the token's claims, numbers as json.Number so that they can
// be stringified exactly as API Gateway does.
func (v *Verifier) Verify(token string) (map[string]any, error) {
	if len(v.Key) < KeySize {
		return nil, fmt.Errorf("verify token: key shorter than %d bytes", KeySize)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(v.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithJSONNumber(),
	)
	claims := jwt.MapClaims{}
	if _, err := p.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return v.Key, nil }); err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	if err := checkGroups(claims[RolesClaim]); err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	return claims, nil
}

// ErrGroupsRefused is Verify's answer to a token whose cognito:groups is
// not an array of plain group names.
var ErrGroupsRefused = errors.New("cognito:groups is not an array of plain group names")

// checkGroups accepts cognito:groups only as Cognito issues it: absent, or
// an array of group names, each plain (identity.ValidGroupName). Cognito
// group names never hold whitespace or control characters, and only the
// user pool's administrators create groups, so a token with " staff" or
// "holder staff" can only be forged, here with the local key that lives in
// the data directory. It must not get through: API Gateway renders the
// array ["holder staff"] as "[holder staff]", two groups, and ["\"staff\""]
// as `["staff"]`, the JSON array of staff; the Lambda cannot tell them from
// the real thing. A string, which Cognito never puts there, is refused too.
func checkGroups(v any) error {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%w: a %T", ErrGroupsRefused, v)
	}
	for _, e := range list {
		if name, ok := e.(string); !ok || !identity.ValidGroupName(name) {
			return fmt.Errorf("%w: %q", ErrGroupsRefused, fmt.Sprint(e))
		}
	}
	return nil
}

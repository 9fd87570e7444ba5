// Package vcjwt is the proof of the association's credentials: each
// credential and status list signed as a VC-JWT (Open Badges 3.0 §8.2),
// RS256, with the key a Signer holds (a key file locally, AWS KMS in AWS).
//
// The JWS library is go-jose (github.com/go-jose/go-jose/v4): OB 3.0 asks
// that an existing, stable library sign and verify (§8.2.4), and go-jose
// is the one the Go ecosystem's OIDC and Kubernetes code relies on. This
// package is apart from package badges so that only badges-api links it
// (TestFunctions_LinkOnlyWhatTheyUse).
package vcjwt

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cecportal/cecportal/internal/badges"
)

// Alg is the signing algorithm: RS256, the one every OB 3.0 verifier must
// support (§8.2.3).
const Alg = "RS256"

// Signer signs with the association's private key: RSASSA-PKCS1-v1_5 with
// SHA-256 of the message (RS256). The key never leaves it.
type Signer interface {
	// Sign is the RS256 signature of message.
	Sign(ctx context.Context, message []byte) ([]byte, error)
	// Public is the public key.
	Public(ctx context.Context) (*rsa.PublicKey, error)
}

// Sealer is the badges.Sealer of issuer is, signing with s.
type Sealer struct {
	Issuer badges.Issuer
	Signer Signer
}

var _ badges.Sealer = Sealer{}

// Thumbprint is the key's JWK thumbprint (RFC 7638), hex: its kid.
func Thumbprint(pub *rsa.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("vcjwt: thumbprint: %w", err)
	}
	return hex.EncodeToString(tp[:16]), nil
}

// JWK is the public key as a JSON Web Key, named by its URL (kid), for
// signatures only. It never holds the private part.
func JWK(is badges.Issuer, pub *rsa.PublicKey) (jose.JSONWebKey, error) {
	tp, err := Thumbprint(pub)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: pub, KeyID: is.KeyURL(tp), Algorithm: Alg, Use: "sig"}, nil
}

// Keys is the published key set (GET /badges/keys), as JSON.
func (s Sealer) Keys(ctx context.Context) (json.RawMessage, error) {
	k, err := s.jwk(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}})
}

// Key is the public key whose thumbprint is kid (GET /badges/keys/{kid}),
// as JSON; found is false for another.
func (s Sealer) Key(ctx context.Context, kid string) (raw json.RawMessage, found bool, err error) {
	k, err := s.jwk(ctx)
	if err != nil || k.KeyID != s.Issuer.KeyURL(kid) {
		return nil, false, err
	}
	raw, err = json.Marshal(k)
	return raw, err == nil, err
}

func (s Sealer) jwk(ctx context.Context) (jose.JSONWebKey, error) {
	pub, err := s.Signer.Public(ctx)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("vcjwt: public key: %w", err)
	}
	return JWK(s.Issuer, pub)
}

// opaque lets go-jose sign through a Signer: its call carries no context,
// so the request's is kept for the one signature.
type opaque struct {
	ctx context.Context
	s   Signer
	jwk jose.JSONWebKey
}

func (o opaque) Public() *jose.JSONWebKey        { return &o.jwk }
func (o opaque) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{jose.RS256} }
func (o opaque) SignPayload(p []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != jose.RS256 {
		return nil, fmt.Errorf("vcjwt: algorithm %s", alg)
	}
	return o.s.Sign(o.ctx, p)
}

// sign encodes claims (a JSON object) as a compact JWS, its header naming
// the key by its URL (kid) and typ JWT: OB 3.0 §8.2.3 allows no other.
func (s Sealer) sign(ctx context.Context, claims any) (string, error) {
	jwk, err := s.jwk(ctx)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("vcjwt: encode claims: %w", err)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), jwk.KeyID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: opaque{ctx: ctx, s: s.Signer, jwk: jwk}}, opts)
	if err != nil {
		return "", fmt.Errorf("vcjwt: signer: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("vcjwt: sign: %w", err)
	}
	return obj.CompactSerialize()
}

// claims is a credential as a VC-JWT payload: its members at the top, with
// the registered claims OB 3.0 §8.2.3 requires (iss, jti, nbf, sub).
type claims struct {
	badges.Credential
	Iss string `json:"iss"`
	Jti string `json:"jti"`
	Nbf int64  `json:"nbf"`
	Sub string `json:"sub"`
}

// Seal is credential c signed as a VC-JWT: the same credential gives the
// same token (RS256 signatures are deterministic).
func (s Sealer) Seal(ctx context.Context, c badges.Credential) (string, error) {
	from, err := time.Parse(time.RFC3339, c.ValidFrom)
	if err != nil {
		return "", fmt.Errorf("vcjwt: validFrom %q: %w", c.ValidFrom, err)
	}
	return s.sign(ctx, claims{Credential: c, Iss: c.Issuer.ID, Jti: c.ID, Nbf: from.Unix(), Sub: c.CredentialSubject.ID})
}

// statusListClaims is a status list as a VC-JWT payload.
type statusListClaims struct {
	badges.StatusList
	Iss string `json:"iss"`
	Jti string `json:"jti"`
	Nbf int64  `json:"nbf"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// SealList is status list sl signed as a VC-JWT.
func (s Sealer) SealList(ctx context.Context, sl badges.StatusList) (string, error) {
	from, err := time.Parse(time.RFC3339, sl.ValidFrom)
	if err != nil {
		return "", fmt.Errorf("vcjwt: validFrom %q: %w", sl.ValidFrom, err)
	}
	until, err := time.Parse(time.RFC3339, sl.ValidUntil)
	if err != nil {
		return "", fmt.Errorf("vcjwt: validUntil %q: %w", sl.ValidUntil, err)
	}
	return s.sign(ctx, statusListClaims{StatusList: sl, Iss: sl.Issuer, Jti: sl.ID, Nbf: from.Unix(), Exp: until.Unix(), Sub: sl.CredentialSubject.ID})
}

// Open checks token's signature with the association's key (the key its
// kid names must be that key's URL), then the VC-JWT rules of OB 3.0
// §8.2.4.1: iss, sub, jti and nbf agree with the credential, which is
// valid from at or before now. Errors: badges.ErrMalformed, ErrSignature,
// ErrClaims, ErrNotYet; any other is the key's.
func (s Sealer) Open(ctx context.Context, token string, now time.Time) (badges.Credential, error) {
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(obj.Signatures) != 1 {
		return badges.Credential{}, badges.ErrMalformed
	}
	pub, err := s.Signer.Public(ctx)
	if err != nil {
		return badges.Credential{}, fmt.Errorf("vcjwt: public key: %w", err)
	}
	jwk, err := JWK(s.Issuer, pub)
	if err != nil {
		return badges.Credential{}, err
	}
	h := obj.Signatures[0].Protected
	if h.KeyID != jwk.KeyID || h.JSONWebKey != nil {
		return badges.Credential{}, badges.ErrSignature
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return badges.Credential{}, badges.ErrSignature
	}
	var cl claims
	if err := json.Unmarshal(payload, &cl); err != nil {
		return badges.Credential{}, badges.ErrMalformed
	}
	from, err := time.Parse(time.RFC3339, cl.ValidFrom)
	if err != nil || cl.Iss == "" || cl.Iss != cl.Issuer.ID || cl.Jti != cl.ID || cl.Sub != cl.CredentialSubject.ID || cl.Nbf != from.Unix() {
		return badges.Credential{}, badges.ErrClaims
	}
	if now.Before(from) {
		return badges.Credential{}, badges.ErrNotYet
	}
	return cl.Credential, nil
}

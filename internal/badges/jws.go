package badges

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The JWS library is go-jose (github.com/go-jose/go-jose/v4): OB 3.0 asks
// that an existing, stable library sign and verify (§8.2.4), and go-jose
// is the one the Go ecosystem's OIDC and Kubernetes code relies on. It is
// linked by badges-api alone (TestFunctions_LinkOnlyWhatTheyUse).

// Alg is the signing algorithm: RS256, the one every OB 3.0 verifier must
// support (§8.2.3).
const Alg = "RS256"

// Signer signs with the association's private key: RSASSA-PKCS1-v1_5 with
// SHA-256 of the message (RS256). The key never leaves it (AWS KMS, or a
// key file on the local stack).
type Signer interface {
	// Sign is the RS256 signature of message.
	Sign(ctx context.Context, message []byte) ([]byte, error)
	// Public is the public key.
	Public(ctx context.Context) (*rsa.PublicKey, error)
}

// Thumbprint is the key's JWK thumbprint (RFC 7638), hex: its kid.
func Thumbprint(pub *rsa.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("badges: thumbprint: %w", err)
	}
	return hex.EncodeToString(tp[:16]), nil
}

// JWK is the public key as a JSON Web Key, named by its URL (kid), for
// signatures only. It never holds the private part.
func JWK(is Issuer, pub *rsa.PublicKey) (jose.JSONWebKey, error) {
	tp, err := Thumbprint(pub)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: pub, KeyID: is.KeyURL(tp), Algorithm: Alg, Use: "sig"}, nil
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
		return nil, fmt.Errorf("badges: algorithm %s", alg)
	}
	return o.s.Sign(o.ctx, p)
}

// Sign encodes claims (a JSON object) as a compact JWS signed by s, its
// header naming the key by its URL (kid) and typ JWT, as OB 3.0 §8.2.3
// allows no other header.
func Sign(ctx context.Context, is Issuer, s Signer, claims any) (string, error) {
	pub, err := s.Public(ctx)
	if err != nil {
		return "", fmt.Errorf("badges: public key: %w", err)
	}
	jwk, err := JWK(is, pub)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("badges: encode claims: %w", err)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), jwk.KeyID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: opaque{ctx: ctx, s: s, jwk: jwk}}, opts)
	if err != nil {
		return "", fmt.Errorf("badges: signer: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("badges: sign: %w", err)
	}
	return obj.CompactSerialize()
}

// claims is a credential as a VC-JWT payload: its members at the top, with
// the registered claims OB 3.0 §8.2.3 requires (iss, jti, nbf, sub).
type claims struct {
	Credential
	Iss string `json:"iss"`
	Jti string `json:"jti"`
	Nbf int64  `json:"nbf"`
	Sub string `json:"sub"`
}

// Encode is credential c signed by s as a VC-JWT (a compact JWS).
func Encode(ctx context.Context, is Issuer, s Signer, c Credential) (string, error) {
	from, err := time.Parse(time.RFC3339, c.ValidFrom)
	if err != nil {
		return "", fmt.Errorf("badges: validFrom %q: %w", c.ValidFrom, err)
	}
	return Sign(ctx, is, s, claims{Credential: c, Iss: c.Issuer.ID, Jti: c.ID, Nbf: from.Unix(), Sub: c.CredentialSubject.ID})
}

// Verification problems, in words a person reads.
var (
	ErrMalformed = errors.New("this is not a credential the association issued: it could not be read as a signed credential")
	ErrSignature = errors.New("the signature does not match: the credential was changed after the association signed it, or someone else signed it")
	ErrClaims    = errors.New("the credential's signed details disagree with its contents")
	ErrNotYet    = errors.New("the credential is not valid yet")
)

// Decoded is a credential whose signature and claims check out.
type Decoded struct {
	Credential Credential
	KeyID      string
	Raw        map[string]any // every member as signed
}

// Decode checks token's signature with pub (the key its kid names must be
// pub's URL), then the VC-JWT rules of OB 3.0 §8.2.4.1: iss, sub, jti and
// nbf agree with the credential, which is valid from at or before now.
func Decode(is Issuer, pub *rsa.PublicKey, token string, now time.Time) (Decoded, error) {
	obj, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(obj.Signatures) != 1 {
		return Decoded{}, ErrMalformed
	}
	jwk, err := JWK(is, pub)
	if err != nil {
		return Decoded{}, err
	}
	h := obj.Signatures[0].Protected
	if h.KeyID != jwk.KeyID || h.JSONWebKey != nil {
		return Decoded{}, ErrSignature
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return Decoded{}, ErrSignature
	}
	var cl claims
	if err := json.Unmarshal(payload, &cl); err != nil {
		return Decoded{}, ErrMalformed
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Decoded{}, ErrMalformed
	}
	from, err := time.Parse(time.RFC3339, cl.ValidFrom)
	if err != nil || cl.Iss == "" || cl.Iss != cl.Issuer.ID || cl.Jti != cl.ID || cl.Sub != cl.CredentialSubject.ID || cl.Nbf != from.Unix() {
		return Decoded{}, ErrClaims
	}
	if now.Before(from) {
		return Decoded{}, ErrNotYet
	}
	return Decoded{Credential: cl.Credential, KeyID: h.KeyID, Raw: raw}, nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Package kmssign signs the association's credentials with an asymmetric
// AWS KMS key (RSA_3072, SIGN_VERIFY): the private key never leaves KMS,
// and the function may only Sign with it and read its public half.
package kmssign

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cecportal/cecportal/internal/badges/vcjwt"
)

// API is the part of the KMS client the signer calls.
type API interface {
	Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// rawMax is the longest message KMS signs as it is (MessageType RAW);
// a longer one is sent as its SHA-256 digest (MessageType DIGEST), which
// gives the same RS256 signature.
const rawMax = 4096

// Signer is a vcjwt.Signer over the KMS key KeyID (an ID, ARN or alias).
type Signer struct {
	api   API
	keyID string

	mu  sync.Mutex
	pub *rsa.PublicKey // read once, at the first use
}

var _ vcjwt.Signer = (*Signer)(nil)

// New signs with key keyID through api (kms.NewFromConfig).
func New(api API, keyID string) *Signer { return &Signer{api: api, keyID: keyID} }

// Sign is the RS256 signature (RSASSA_PKCS1_V1_5_SHA_256) of message.
func (s *Signer) Sign(ctx context.Context, message []byte) ([]byte, error) {
	in := &kms.SignInput{KeyId: aws.String(s.keyID), SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
		Message: message, MessageType: types.MessageTypeRaw}
	if len(message) > rawMax {
		sum := sha256.Sum256(message)
		in.Message, in.MessageType = sum[:], types.MessageTypeDigest
	}
	out, err := s.api.Sign(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("kms: sign with %s: %w", s.keyID, err)
	}
	return out.Signature, nil
}

// Public is the key's public half, read from KMS once and kept.
func (s *Signer) Public(ctx context.Context) (*rsa.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub != nil {
		return s.pub, nil
	}
	out, err := s.api.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(s.keyID)})
	if err != nil {
		return nil, fmt.Errorf("kms: public key of %s: %w", s.keyID, err)
	}
	k, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("kms: public key of %s: %w", s.keyID, err)
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("kms: key %s is %T, want RSA (RS256)", s.keyID, k)
	}
	s.pub = pub
	return pub, nil
}

package vcjwt

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeySigner signs with an RSA private key held in memory: the local
// stack's key (from its key file) and the tests'. In AWS the key is in KMS
// and never in memory (package kmssign).
type KeySigner struct{ Key *rsa.PrivateKey }

// Sign is the RS256 signature of message.
func (k KeySigner) Sign(_ context.Context, message []byte) ([]byte, error) {
	sum := sha256.Sum256(message)
	return rsa.SignPKCS1v15(rand.Reader, k.Key, crypto.SHA256, sum[:])
}

// Public is the key's public half.
func (k KeySigner) Public(context.Context) (*rsa.PublicKey, error) { return &k.Key.PublicKey, nil }

// KeyBits is the size of the keys this package makes: 3072 bits, NIST's
// size for signatures meant to hold past 2030 (SP 800-57 part 1).
const KeyBits = 3072

// LoadKeyFile reads the PEM (PKCS #8) RSA private key at path, making one
// (readable by its owner only) when the file does not exist: the local
// stack's signing key, kept in its data directory like its other keys.
func LoadKeyFile(path string) (KeySigner, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := rsa.GenerateKey(rand.Reader, KeyBits)
		if err != nil {
			return KeySigner{}, fmt.Errorf("vcjwt: make key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return KeySigner{}, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return KeySigner{}, err
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return KeySigner{}, fmt.Errorf("vcjwt: write key %s: %w", path, err)
		}
		return KeySigner{Key: key}, nil
	}
	if err != nil {
		return KeySigner{}, fmt.Errorf("vcjwt: read key %s: %w", path, err)
	}
	return ParseKey(raw)
}

// ParseKey reads a PEM RSA private key (PKCS #8 or PKCS #1).
func ParseKey(raw []byte) (KeySigner, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return KeySigner{}, errors.New("vcjwt: signing key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return KeySigner{Key: k}, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return KeySigner{}, fmt.Errorf("vcjwt: signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return KeySigner{}, fmt.Errorf("vcjwt: signing key is %T, want RSA (RS256)", k)
	}
	if rk.N.BitLen() < 2048 {
		return KeySigner{}, fmt.Errorf("vcjwt: signing key has %d bits, want at least 2048", rk.N.BitLen())
	}
	return KeySigner{Key: rk}, nil
}

package kmssign_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/badges/kmssign"
	"github.com/cecportal/cecportal/internal/badges/vcjwt"
	"github.com/cecportal/cecportal/internal/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// TestSigner_SignsCredentialsWithAKMSKey, against moto_server's KMS: the
// signature of a credential checks with the public key KMS gives, and the
// credential decodes. (moto signs every message as RAW: it ignores
// MessageType DIGEST, so the path for messages over 4 KB, which KMS
// itself answers with the same signature, cannot be checked here.)
func TestSigner_SignsCredentialsWithAKMSKey(t *testing.T) {
	ctx := context.Background()
	cfg := moto.Shared(t).Config(t)
	client := kms.NewFromConfig(cfg)
	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa3072, KeyUsage: types.KeyUsageTypeSignVerify,
		Description: aws.String("cecportal credentials")})
	if err != nil {
		t.Fatal(err)
	}
	s := kmssign.New(client, *key.KeyMetadata.KeyId)
	pub, err := s.Public(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pub.N.BitLen() != 3072 {
		t.Errorf("public key of %d bits", pub.N.BitLen())
	}
	msg := []byte("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0")
	sig, err := s.Sign(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("KMS's signature does not verify as RS256: %v", err)
	}

	is := badges.Issuer{Base: "https://api.example.org", Name: "Association"}
	iss := badges.Issue{ID: badges.NewID([16]byte{1, 2, 3}), List: 1, Index: 5, IssuedAt: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)}
	c, err := badges.Build(is, badges.Award{Kind: badges.Renewal, Key: "2027", HolderID: "H-1", HolderName: "A B", Title: "CAM", On: iss.IssuedAt, Year: 2027}, iss)
	if err != nil {
		t.Fatal(err)
	}
	sealer := vcjwt.Sealer{Issuer: is, Signer: s}
	token, err := sealer.Seal(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.Open(ctx, token, iss.IssuedAt); err != nil {
		t.Fatalf("a credential KMS signed does not decode: %v", err)
	}

	if _, err := kmssign.New(client, "alias/none").Public(ctx); err == nil {
		t.Error("a key that does not exist gave a public key")
	}
}

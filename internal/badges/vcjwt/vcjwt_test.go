package vcjwt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/badges/badgetest"
	"github.com/cecportal/cecportal/internal/badges/vcjwt"
	"github.com/cecportal/cecportal/internal/cec"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// testKey is one 2048-bit key for the package's tests (making one takes
// a while).
func testKey(t *testing.T) vcjwt.KeySigner {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return vcjwt.KeySigner{Key: key}
}

var issuer = badges.Issuer{Base: "https://api.example.org", Name: "National Apartment Association Education Institute",
	URL: "https://cec.example.org", Email: "cec@example.org"}

func hours(t *testing.T, s string) cec.Hours {
	t.Helper()
	h, err := cec.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// jwks is the published key set as JSON (what GET /badges/keys serves).
func jwks(t *testing.T, s vcjwt.Signer) []byte {
	t.Helper()
	raw, err := vcjwt.Sealer{Issuer: issuer, Signer: s}.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var issued = badges.Issue{ID: "urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427", List: 1, Index: 94567,
	IssuedAt: time.Date(2027, 3, 12, 15, 4, 5, 0, time.UTC)}

func awards(t *testing.T) map[string]badges.Award {
	return map[string]badges.Award{
		"program": {Kind: badges.Program, Key: "P-7K2M9Q4XRT", HolderID: "H-2B4D6F8H0J", HolderName: "Dana Whitfield",
			HolderEmail: "Dana.Whitfield@example.com", Title: "Fair Housing Essentials", Provider: "Apartment Association of Metro Denver",
			On: time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC), CECs: hours(t, "1.5"), Compliance: true},
		"renewal": {Kind: badges.Renewal, Key: "2027", HolderID: "H-2B4D6F8H0J", HolderName: "Dana Whitfield",
			HolderEmail: "dana.whitfield@example.com", Title: "CAM, CAPS", On: time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC),
			CECs: hours(t, "10"), Required: hours(t, "8"), Year: 2027},
		"program without email or provider": {Kind: badges.Program, Key: "P-0000000001", HolderID: "H-0000000001", HolderName: "Lee Park",
			Title: "Maintenance Safety", On: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), CECs: hours(t, "1")},
	}
}

// TestEncode_IssuedCredentialsAreValidOpenBadges: every kind of credential
// validates against the OB 3.0 schema and verifies with an independent
// library from the published keys alone, with the claims §8.2 requires.
func TestEncode_IssuedCredentialsAreValidOpenBadges(t *testing.T) {
	s := testKey(t)
	set := jwks(t, s)
	ctx := context.Background()
	for name, a := range awards(t) {
		t.Run(name, func(t *testing.T) {
			c, err := badges.Build(issuer, a, issued)
			if err != nil {
				t.Fatal(err)
			}
			token, err := vcjwt.Sealer{Issuer: issuer, Signer: s}.Seal(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			h := badgetest.Header(t, token)
			pub, _ := s.Public(ctx)
			tp, _ := vcjwt.Thumbprint(pub)
			if h["alg"] != "RS256" || h["typ"] != "JWT" || h["kid"] != issuer.KeyURL(tp) || len(h) != 3 {
				t.Errorf("JOSE header = %v, want exactly alg RS256, typ JWT and kid %s", h, issuer.KeyURL(tp))
			}
			m := badgetest.Verify(t, set, token, issued.IssuedAt.Add(time.Hour))
			payload, _ := json.Marshal(m)
			if err := badgetest.Validate(t, payload); err != nil {
				t.Fatalf("not a valid AchievementCredential: %v\n%s", err, payload)
			}
			for claim, want := range map[string]any{"iss": issuer.ProfileID(), "jti": issued.ID, "sub": badges.HolderURN(a.HolderID),
				"nbf": float64(issued.IssuedAt.Unix())} {
				if m[claim] != want {
					t.Errorf("%s = %v, want %v", claim, m[claim], want)
				}
			}
			if m["sub"] != badgetest.Get(m, "credentialSubject", "id") || m["iss"] != badgetest.Get(m, "issuer", "id") || m["jti"] != m["id"] {
				t.Errorf("claims disagree with the credential: %v", m)
			}
			// The CECs as the exact decimal, not a float's rounding.
			if !strings.Contains(string(badgetest.Payload(t, token)), `"creditsEarned":`+a.CECs.String()+`,`) {
				t.Errorf("creditsEarned is not %s exactly: %s", a.CECs, badgetest.Payload(t, token))
			}
			if got := badgetest.Get(m, "credentialStatus", "statusListIndex"); got != "94567" {
				t.Errorf("statusListIndex = %v", got)
			}
			if badgetest.Get(m, "credentialStatus", "statusListCredential") != issuer.StatusListURL(1) {
				t.Errorf("statusListCredential = %v", badgetest.Get(m, "credentialStatus", "statusListCredential"))
			}
			if !strings.Contains(m["name"].(string), a.HolderName) {
				t.Errorf("name %q does not say whose it is", m["name"])
			}
			// The same award and record are the same credential, byte for byte.
			again, _ := vcjwt.Sealer{Issuer: issuer, Signer: s}.Seal(ctx, c)
			if again != token {
				t.Error("encoding the same credential twice gave two tokens")
			}
			d, err := vcjwt.Sealer{Issuer: issuer, Signer: s}.Open(ctx, token, issued.IssuedAt)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if d.CredentialSubject.CreditsEarned.String() != a.CECs.String() {
				t.Errorf("opened creditsEarned = %s", d.CredentialSubject.CreditsEarned)
			}
		})
	}
}

// TestEncode_EmailIsHashedWithTheCredentialsSalt: the address is never in
// the credential as it is; whoever knows it can check it.
func TestEncode_EmailIsHashedWithTheCredentialsSalt(t *testing.T) {
	a := awards(t)["program"]
	c, err := badges.Build(issuer, a, issued)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(c)
	if bytes.Contains(bytes.ToLower(raw), []byte("dana.whitfield@example.com")) {
		t.Fatal("the email address is in the credential in clear")
	}
	var found bool
	for _, id := range c.CredentialSubject.Identifier {
		if id.IdentityType == "emailAddress" {
			found = true
			if !id.Hashed || id.IdentityHash != badges.HashEmail(" dana.whitfield@EXAMPLE.com", id.Salt) {
				t.Errorf("identity %+v is not the salted hash of the address", id)
			}
		}
	}
	if !found {
		t.Error("no hashed email identity")
	}
	other := issued
	other.ID = "urn:uuid:00000000-0000-4000-8000-000000000000"
	c2, _ := badges.Build(issuer, a, other)
	if c2.CredentialSubject.Identifier[1].IdentityHash == c.CredentialSubject.Identifier[1].IdentityHash {
		t.Error("two credentials of one holder share the hash of their address")
	}
}

// TestSchema_RefusesBrokenCredentials: the schema the credentials pass is
// one that fails what OB 3.0 forbids.
func TestSchema_RefusesBrokenCredentials(t *testing.T) {
	c, err := badges.Build(issuer, awards(t)["program"], issued)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(c)
	if err := badgetest.Validate(t, good); err != nil {
		t.Fatalf("the unbroken credential fails: %v", err)
	}
	for name, breakIt := range map[string]func(m map[string]any){
		"no validFrom":                  func(m map[string]any) { delete(m, "validFrom") },
		"validFrom without a time zone": func(m map[string]any) { m["validFrom"] = "2027-03-12T15:04:05" },
		"no OpenBadgeCredential type":   func(m map[string]any) { m["type"] = []any{"VerifiableCredential"} },
		"VC 1.1 context first": func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/2018/credentials/v1", badges.ContextOB3}
		},
		"no issuer id":                     func(m map[string]any) { delete(m["issuer"].(map[string]any), "id") },
		"subject with a member of its own": func(m map[string]any) { m["credentialSubject"].(map[string]any)["name"] = "Dana" },
		"achievement without criteria": func(m map[string]any) {
			delete(badgetest.Get(m, "credentialSubject", "achievement").(map[string]any), "criteria")
		},
		"achievement without description": func(m map[string]any) {
			delete(badgetest.Get(m, "credentialSubject", "achievement").(map[string]any), "description")
		},
		"creditsEarned as text": func(m map[string]any) { m["credentialSubject"].(map[string]any)["creditsEarned"] = "1.5" },
		"hashed identity in clear": func(m map[string]any) {
			badgetest.Get(m, "credentialSubject").(map[string]any)["identifier"].([]any)[1].(map[string]any)["identityHash"] = "dana@example.com"
		},
		"unknown achievement type": func(m map[string]any) {
			badgetest.Get(m, "credentialSubject", "achievement").(map[string]any)["achievementType"] = "Trophy"
		},
		"status without its list":  func(m map[string]any) { delete(m["credentialStatus"].(map[string]any), "statusListCredential") },
		"status index as a number": func(m map[string]any) { m["credentialStatus"].(map[string]any)["statusListIndex"] = 94567 },
		"subject without id or others": func(m map[string]any) {
			s := m["credentialSubject"].(map[string]any)
			delete(s, "id")
			delete(s, "identifier")
		},
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			breakIt(m)
			raw, _ := json.Marshal(m)
			if badgetest.Validate(t, raw) == nil {
				t.Errorf("the schema passes a credential with %s", name)
			}
		})
	}
}

// TestDecode_RefusesWhatTheAssociationDidNotSign.
func TestDecode_RefusesWhatTheAssociationDidNotSign(t *testing.T) {
	ctx := context.Background()
	s := testKey(t)
	c, err := badges.Build(issuer, awards(t)["program"], issued)
	if err != nil {
		t.Fatal(err)
	}
	token, err := vcjwt.Sealer{Issuer: issuer, Signer: s}.Seal(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := vcjwt.Sealer{Issuer: issuer, Signer: vcjwt.KeySigner{Key: other}}.Seal(ctx, c)
	parts := strings.Split(token, ".")
	var m map[string]any
	_ = json.Unmarshal(badgetest.Payload(t, token), &m)
	m["credentialSubject"].(map[string]any)["creditsEarned"] = 15
	more, _ := json.Marshal(m)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(more) + "." + parts[2]
	mismatch := c
	mismatch.CredentialSubject.ID = "urn:uuid:00000000-0000-5000-8000-000000000000"
	badSub := signRaw(t, s, map[string]any{"iss": issuer.ProfileID(), "jti": c.ID, "sub": "urn:x:other", "nbf": issued.IssuedAt.Unix(),
		"@context": c.Context, "id": c.ID, "issuer": c.Issuer, "validFrom": c.ValidFrom, "credentialSubject": mismatch.CredentialSubject})
	for name, tc := range map[string]struct {
		token string
		at    time.Time
		want  error
	}{
		"the credential":          {token, issued.IssuedAt, nil},
		"signed by another key":   {forged, issued.IssuedAt, badges.ErrSignature},
		"CECs changed":            {tampered, issued.IssuedAt, badges.ErrSignature},
		"not a JWS":               {"hello", issued.IssuedAt, badges.ErrMalformed},
		"sub and subject differ":  {badSub, issued.IssuedAt, badges.ErrClaims},
		"before it is valid from": {token, issued.IssuedAt.Add(-time.Second), badges.ErrNotYet},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := vcjwt.Sealer{Issuer: issuer, Signer: s}.Open(ctx, tc.token, tc.at)
			if !errors.Is(err, tc.want) {
				t.Errorf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestStatusList: a list is 16 KB of bits, its set entries are exactly the
// revoked ones, and the signed list verifies independently.
func TestStatusList(t *testing.T) {
	revoked := []int{0, 7, 8, 94567, badges.ListBits - 1}
	enc, err := badges.EncodeList(revoked)
	if err != nil {
		t.Fatal(err)
	}
	bits, err := badges.DecodeList(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) != 16384 {
		t.Fatalf("list of %d bytes, want 16384", len(bits))
	}
	set := map[int]bool{}
	for _, i := range revoked {
		set[i] = true
	}
	for i := range badges.ListBits {
		if badges.Set(bits, i) != set[i] {
			t.Fatalf("entry %d set = %v", i, badges.Set(bits, i))
		}
	}
	if bits[0] != 0x81 || bits[1] != 0x80 {
		t.Errorf("first bytes %08b %08b: entry 0 must be the first byte's highest bit", bits[0], bits[1])
	}
	if _, err := badges.EncodeList([]int{badges.ListBits}); err == nil {
		t.Error("an index past the list was taken")
	}

	ctx := context.Background()
	s := testKey(t)
	at := time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)
	sl, err := badges.NewStatusList(issuer, 1, revoked, at)
	if err != nil {
		t.Fatal(err)
	}
	token, err := vcjwt.Sealer{Issuer: issuer, Signer: s}.SealList(ctx, sl)
	if err != nil {
		t.Fatal(err)
	}
	m := badgetest.Verify(t, jwks(t, s), token, at.Add(time.Minute))
	if badgetest.Get(m, "credentialSubject", "statusPurpose") != "revocation" || badgetest.Get(m, "credentialSubject", "type") != "BitstringStatusList" ||
		m["id"] != issuer.StatusListURL(1) || m["issuer"] != issuer.ProfileID() {
		t.Errorf("status list credential = %v", m)
	}
	got, err := badges.DecodeList(badgetest.Get(m, "credentialSubject", "encodedList").(string))
	if err != nil || !badges.Set(got, 94567) || badges.Set(got, 94566) {
		t.Errorf("signed list's entries wrong (err %v)", err)
	}
	// A day later the list has expired: a verifier must fetch it again.
	if !badgetest.Expired(t, jwks(t, s), token, at.Add(25*time.Hour)) {
		t.Error("a status list a day old still validates")
	}
}

// TestLoadKeyFile: the local stack's key is made once, kept private, and
// read back the same.
func TestLoadKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "badges.pem")
	a, err := vcjwt.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v mode %v, want 0600", err, st.Mode())
	}
	b, err := vcjwt.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Key.Equal(b.Key) || a.Key.N.BitLen() != vcjwt.KeyBits {
		t.Error("the key read back differs, or is not the size made")
	}
	if _, err := vcjwt.ParseKey([]byte("not a key")); err == nil {
		t.Error("ParseKey took garbage")
	}
}

// signRaw signs claims as the association would, with its header: a JWT
// whose claims this package would never write.
func signRaw(t *testing.T, s vcjwt.KeySigner, claims any) string {
	t.Helper()
	pub, _ := s.Public(context.Background())
	k, err := vcjwt.JWK(issuer, pub)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.Key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), k.KeyID))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(claims)
	obj, err := signer.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	token, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

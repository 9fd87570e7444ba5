// Package badges issues the association's verifiable credentials: an Open
// Badges 3.0 OpenBadgeCredential for each program credited to a holder and
// for each renewal they completed, signed by the association as a VC-JWT
// (OB 3.0 §8.2), with a W3C Bitstring Status List entry through which a
// credential withdrawn later is revoked (docs/badges.md).
//
// The package is pure: the signing key is a Signer (a key file on the
// local stack, AWS KMS in AWS), the issued records are the store's.
package badges

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/cec"
)

// The contexts and types of an OB 3.0 credential (VC Data Model 2.0).
const (
	ContextVC2  = "https://www.w3.org/ns/credentials/v2"
	ContextOB3  = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	SchemaOB3   = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
	schemaType  = "1EdTechJsonSchemaValidator2019"
	statusEntry = "BitstringStatusListEntry"
)

// Kind is what a credential is for.
type Kind string

const (
	// Program: a program credited to the holder through attendance.
	Program Kind = "program"
	// Renewal: a renewal year the holder completed (paid).
	Renewal Kind = "renewal"
)

// Valid reports whether k is a kind of credential.
func (k Kind) Valid() bool { return k == Program || k == Renewal }

// Award is what a credential says: who achieved what, when, with how many
// CECs. Key is the program's ID or the renewal's year.
type Award struct {
	Kind        Kind
	Key         string
	HolderID    string
	HolderName  string
	HolderEmail string
	// Title: the program's title, or the credentials renewed ("CAM, CAPS").
	Title string
	// Provider offered the program ("" for a renewal).
	Provider string
	// On: the program's completion, or the renewal's payment (a civil date).
	On   time.Time
	CECs cec.Hours
	// Compliance: the program's CECs count toward the compliance minimum.
	Compliance bool
	// Year: the renewal year (0 for a program).
	Year int
	// Required: the CECs the renewal year required (0 for a program).
	Required cec.Hours
}

// Issue is the record of an award's credential once issued: its ID, its
// place in a status list, and since when it is valid. The store keeps it,
// so that every download of the same award is the same credential.
type Issue struct {
	HolderID string
	Kind     Kind
	Key      string
	ID       string // urn:uuid:…
	List     int    // status list number, from 1
	Index    int    // index in the list, 0 to ListBits-1
	IssuedAt time.Time
	// Revoked: withdrawn (a roster correction or a staff decision), with
	// why. ByStaff: by staff's decision, which a new download does not
	// undo (a credit withdrawn and credited again is issued anew).
	Revoked   bool
	ByStaff   bool
	RevokedAt time.Time
	Reason    string
	RevokedBy string
}

// Issuer is the association as it signs: Base is the public origin of the
// API, under which the issuer profile, the keys and the status lists are
// published (/badges/...).
type Issuer struct {
	Base  string // e.g. https://api.example.org, no trailing slash
	Name  string
	URL   string // the association's portal
	Email string
}

// ProfileID is the issuer profile's URL (GET /badges/issuer).
func (is Issuer) ProfileID() string { return is.Base + "/badges/issuer" }

// StatusListURL is status list n's URL (GET /badges/status/{n}).
func (is Issuer) StatusListURL(n int) string { return fmt.Sprintf("%s/badges/status/%d", is.Base, n) }

// KeyURL is the URL of the public key with thumbprint kid (GET /badges/keys/{kid}).
func (is Issuer) KeyURL(kid string) string { return is.Base + "/badges/keys/" + kid }

// Profile is an OB 3.0 Profile: the issuer, or the provider who assessed.
type Profile struct {
	ID          string   `json:"id"`
	Type        []string `json:"type"`
	Name        string   `json:"name"`
	URL         string   `json:"url,omitempty"`
	Email       string   `json:"email,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Profile is the issuer's profile, as credentials embed it and
// GET /badges/issuer serves it.
func (is Issuer) Profile() Profile {
	return Profile{ID: is.ProfileID(), Type: []string{"Profile"}, Name: is.Name, URL: is.URL, Email: is.Email,
		Description: "Approves continuing-education programs and renews its credentials; it issues these credentials."}
}

// Credential is an OB 3.0 OpenBadgeCredential, in the order its members
// are written.
type Credential struct {
	Context           []string     `json:"@context"`
	ID                string       `json:"id"`
	Type              []string     `json:"type"`
	Name              string       `json:"name"`
	Description       string       `json:"description,omitempty"`
	Issuer            Profile      `json:"issuer"`
	ValidFrom         string       `json:"validFrom"`
	CredentialSubject Subject      `json:"credentialSubject"`
	CredentialSchema  []SchemaRef  `json:"credentialSchema"`
	CredentialStatus  *StatusEntry `json:"credentialStatus,omitempty"`
}

// Subject is an OB 3.0 AchievementSubject (its schema allows no other members).
type Subject struct {
	ID              string      `json:"id"`
	Type            []string    `json:"type"`
	Identifier      []Identity  `json:"identifier"`
	ActivityEndDate string      `json:"activityEndDate,omitempty"`
	CreditsEarned   json.Number `json:"creditsEarned"`
	Term            string      `json:"term,omitempty"`
	Source          *Profile    `json:"source,omitempty"`
	Achievement     Achievement `json:"achievement"`
}

// Identity is an OB 3.0 IdentityObject.
type Identity struct {
	Type         string `json:"type"`
	Hashed       bool   `json:"hashed"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Salt         string `json:"salt,omitempty"`
}

// Achievement is an OB 3.0 Achievement.
type Achievement struct {
	ID               string      `json:"id"`
	Type             []string    `json:"type"`
	AchievementType  string      `json:"achievementType"`
	Name             string      `json:"name"`
	Description      string      `json:"description"`
	Criteria         Criteria    `json:"criteria"`
	CreditsAvailable json.Number `json:"creditsAvailable"`
	HumanCode        string      `json:"humanCode,omitempty"`
}

// Criteria says how the achievement is earned.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// SchemaRef names a JSON schema the credential validates against.
type SchemaRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// StatusEntry is a Bitstring Status List entry (statusPurpose revocation).
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// Build is the credential of award a as issued by is under record iss.
// The same award and record give the same credential, byte for byte.
func Build(is Issuer, a Award, iss Issue) (Credential, error) {
	if !a.Kind.Valid() || a.Key == "" || a.HolderID == "" {
		return Credential{}, fmt.Errorf("badges: incomplete award %+v", a)
	}
	if iss.ID == "" || iss.List < 1 || iss.Index < 0 || iss.Index >= ListBits || iss.IssuedAt.IsZero() {
		return Credential{}, fmt.Errorf("badges: incomplete issue record %+v", iss)
	}
	cecs := json.Number(a.CECs.String())
	unit := "CECs"
	if a.CECs.String() == "1" {
		unit = "CEC"
	}
	on := civil(a.On)
	sub := Subject{
		ID:   HolderURN(a.HolderID),
		Type: []string{"AchievementSubject"},
		Identifier: []Identity{
			{Type: "IdentityObject", Hashed: false, IdentityHash: a.HolderID, IdentityType: "identifier"},
		},
		CreditsEarned:   cecs,
		ActivityEndDate: on.Format(time.RFC3339), // the program's completion, or the renewal's payment
	}
	if e := strings.TrimSpace(a.HolderEmail); e != "" {
		salt := saltOf(iss.ID)
		sub.Identifier = append(sub.Identifier, Identity{Type: "IdentityObject", Hashed: true,
			IdentityHash: HashEmail(e, salt), IdentityType: "emailAddress", Salt: salt})
	}
	c := Credential{
		Context:          []string{ContextVC2, ContextOB3},
		ID:               iss.ID,
		Type:             []string{"VerifiableCredential", "OpenBadgeCredential"},
		Issuer:           is.Profile(),
		ValidFrom:        iss.IssuedAt.UTC().Format(time.RFC3339),
		CredentialSchema: []SchemaRef{{ID: SchemaOB3, Type: schemaType}},
		CredentialStatus: &StatusEntry{
			ID:                   fmt.Sprintf("%s#%d", is.StatusListURL(iss.List), iss.Index),
			Type:                 statusEntry,
			StatusPurpose:        "revocation",
			StatusListIndex:      fmt.Sprint(iss.Index),
			StatusListCredential: is.StatusListURL(iss.List),
		},
	}
	switch a.Kind {
	case Program:
		if a.Provider != "" {
			sub.Source = &Profile{ID: nameURN("provider", a.Provider), Type: []string{"Profile"}, Name: a.Provider,
				Description: "The provider who offered the program and reported the holder's attendance."}
		}
		criteria := fmt.Sprintf("Attend the whole of %s, a program %s approved for %s %s, and be reported by its provider.", a.Title, is.Name, a.CECs, unit)
		if a.Compliance {
			criteria += " Its CECs count toward the compliance minimum."
		}
		sub.Achievement = Achievement{
			ID: is.Base + "/badges/achievements/program/" + a.Key, Type: []string{"Achievement"}, AchievementType: "CertificateOfCompletion",
			Name: a.Title, Description: programDescription(is, a, unit),
			Criteria: Criteria{Narrative: criteria}, CreditsAvailable: cecs, HumanCode: a.Key,
		}
		c.Name = fmt.Sprintf("%s: certificate of completion for %s", a.Title, a.HolderName)
		c.Description = fmt.Sprintf("%s completed %s on %s, earning %s %s.", a.HolderName, a.Title, on.Format("January 2, 2006"), a.CECs, unit)
	case Renewal:
		sub.Term = fmt.Sprintf("%d renewal", a.Year)
		sub.Achievement = Achievement{
			ID: fmt.Sprintf("%s/badges/achievements/renewal/%d", is.Base, a.Year), Type: []string{"Achievement"}, AchievementType: "Certification",
			Name:        fmt.Sprintf("%s renewal, %d", a.Title, a.Year),
			Description: fmt.Sprintf("Renewal for %d of the credentials %s, granted by %s.", a.Year, a.Title, is.Name),
			Criteria:    Criteria{Narrative: fmt.Sprintf("Earn the continuing-education credits %s requires for the %d renewal and pay the renewal.", is.Name, a.Year)},
			// The CECs the year required; creditsEarned says what the holder's counted.
			CreditsAvailable: json.Number(a.Required.String()),
		}
		c.Name = fmt.Sprintf("%s renewal %d for %s", a.Title, a.Year, a.HolderName)
		c.Description = fmt.Sprintf("%s renewed %s for %d on %s.", a.HolderName, a.Title, a.Year, on.Format("January 2, 2006"))
	}
	c.CredentialSubject = sub
	return c, nil
}

// programDescription says what the program is, and who offered and
// approved it.
func programDescription(is Issuer, a Award, unit string) string {
	offered := ""
	if a.Provider != "" {
		offered = ", offered by " + a.Provider + " and"
	}
	return fmt.Sprintf("%s%s approved by %s for %s %s (approval ID %s).", a.Title, offered, is.Name, a.CECs, unit, a.Key)
}

// HolderURN is the credential subject's ID of holder id (the JWT's sub):
// a name-based UUID, the same in every credential of that holder.
func HolderURN(id string) string { return nameURN("holder", id) }

// HashEmail is an OB 3.0 IdentityHash of email salted with salt:
// "sha256$" and the hex SHA-256 of the lower-cased address and the salt.
func HashEmail(email, salt string) string {
	return "sha256$" + sha256Hex(strings.ToLower(strings.TrimSpace(email))+salt)
}

// saltOf is the salt of a credential's hashed email: its own, so that
// two credentials of one holder do not share a hash.
func saltOf(credentialID string) string { return sha256Hex("salt:" + credentialID)[:16] }

// namespace is cecportal's UUID namespace for name-based UUIDs (RFC 9562 §5.5).
var namespace = [16]byte{0x6f, 0x1c, 0x2e, 0x0a, 0x91, 0x4b, 0x4d, 0x2f, 0x8a, 0x63, 0x07, 0x5e, 0xc4, 0x1d, 0x9b, 0x32}

// nameURN is the urn:uuid of a version-5 UUID of kind and name.
func nameURN(kind, name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(kind + ":" + name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// NewID is a fresh credential ID: the urn:uuid of a random (version 4) UUID
// made from 16 bytes of rnd.
func NewID(rnd [16]byte) string {
	u := rnd
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

package badges

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"
)

// ListBits is the length of every status list: 131,072 entries, the
// minimum the Bitstring Status List recommendation sets so that a list
// hides which credential a verifier checks among many (its §6.1 "group
// privacy"). A list holds that many credentials; the next opens after.
const ListBits = 131072

// EncodeList is the encodedList of a status list whose entries at revoked
// are set: the bitstring (entry 0 is the first byte's highest bit) GZIP-
// compressed, base64url without padding, with the multibase prefix "u".
func EncodeList(revoked []int) (string, error) {
	bits := make([]byte, ListBits/8)
	for _, i := range revoked {
		if i < 0 || i >= ListBits {
			return "", fmt.Errorf("badges: status index %d outside the list", i)
		}
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeList is the bitstring of an encodedList (EncodeList's inverse),
// refusing one that inflates past a list's length.
func DecodeList(encoded string) ([]byte, error) {
	if len(encoded) < 2 || encoded[0] != 'u' {
		return nil, errors.New("badges: encodedList is not multibase base64url")
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded[1:])
	if err != nil {
		return nil, fmt.Errorf("badges: encodedList: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("badges: encodedList: %w", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, ListBits/8+1))
	if err != nil {
		return nil, fmt.Errorf("badges: encodedList: %w", err)
	}
	if len(bits) != ListBits/8 {
		return nil, fmt.Errorf("badges: encodedList holds %d bytes, want %d", len(bits), ListBits/8)
	}
	return bits, nil
}

// Set reports whether entry i of bitstring bits is set.
func Set(bits []byte, i int) bool {
	return i >= 0 && i/8 < len(bits) && bits[i/8]&(0x80>>(i%8)) != 0
}

// StatusList is a BitstringStatusListCredential: list n with its revoked
// entries, valid from at until a day later (verifiers fetch it afresh).
type StatusList struct {
	Context           []string          `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Issuer            string            `json:"issuer"`
	ValidFrom         string            `json:"validFrom"`
	ValidUntil        string            `json:"validUntil"`
	CredentialSubject StatusListSubject `json:"credentialSubject"`
}

// StatusListSubject is the list itself.
type StatusListSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
	// TTL: how long, in milliseconds, a verifier may keep the list before
	// fetching it again (the recommendation's ttl): five minutes, so that
	// a revocation reaches verifiers that long after it, not a day.
	TTL int64 `json:"ttl"`
}

// StatusListValidity is how long a served status list is valid: a
// verifier that holds an older one fetches it again.
const StatusListValidity = 24 * time.Hour

// StatusListTTL is how long a verifier may keep a status list (its ttl).
const StatusListTTL = 5 * time.Minute

// NewStatusList is status list n with the entries at revoked set, valid
// from at for StatusListValidity.
func NewStatusList(is Issuer, n int, revoked []int, at time.Time) (StatusList, error) {
	enc, err := EncodeList(revoked)
	if err != nil {
		return StatusList{}, err
	}
	from := at.UTC().Truncate(time.Second)
	id := is.StatusListURL(n)
	return StatusList{Context: []string{ContextVC2}, ID: id, Type: []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer: is.ProfileID(), ValidFrom: from.Format(time.RFC3339), ValidUntil: from.Add(StatusListValidity).Format(time.RFC3339),
		CredentialSubject: StatusListSubject{ID: id + "#list", Type: "BitstringStatusList", StatusPurpose: "revocation", EncodedList: enc,
			TTL: StatusListTTL.Milliseconds()}}, nil
}

// Package documents owns the files a holder attaches to self-reported
// activities as their documentation (SPEC §3): a PDF, or a photo taken on a
// phone, kept privately and readable by the holder and staff only.
//
//	awaiting_upload → ready → attached to a submission
//
// A document starts as a record and a presigned upload: the browser posts
// the file straight to the file store (files.Store), never through a
// Lambda, at a key the system made (uploads/<holderId>/<documentId>; a
// file's own name is never a key). Check then reads it back: it counts only
// if it is not empty, not over the policy's size, and its first bytes are
// those of the type the holder declared. A file that passes is copied to
// documents/<holderId>/<documentId>, where it is kept for the policy's
// days; one that fails is deleted with its record. Reading is by a
// short-lived presigned download, for the holder and staff.
package documents

import (
	"bytes"
	"context"
	"errors"
	"time"
)

// Status is where a document stands.
type Status string

const (
	AwaitingUpload Status = "awaiting_upload" // presigned; the file is not checked yet
	Ready          Status = "ready"           // checked; it may be attached
)

// Document is one file of a holder's.
type Document struct {
	ID       string
	HolderID string
	// Name is the file's name on the holder's device, shown to people
	// only: never a key, never trusted.
	Name        string
	ContentType string // one of Types
	Size        int64  // declared at the start; the checked size once ready
	SHA256      string // hex, of the checked content
	Status      Status
	// SubmissionID is the submission it is attached to, once attached; it
	// cannot be attached twice, nor deleted by the holder after.
	SubmissionID string
	CreatedAt    time.Time
	CheckedAt    time.Time
	// KeepUntil is when the document goes: the upload's expiry while it
	// awaits it, then the upload plus the policy's keepDays.
	KeepUntil time.Time
	Version   int64
}

// UploadKey is where the browser posts the file: the bucket's lifecycle
// rule removes what is left there after a day.
func (d Document) UploadKey() string { return "uploads/" + d.HolderID + "/" + d.ID }

// Key is where a checked file is kept.
func (d Document) Key() string { return "documents/" + d.HolderID + "/" + d.ID }

// Ref is a document as a submission's activity names it, with what a
// person needs to recognise it.
type Ref struct {
	ID          string
	Name        string
	ContentType string
	Size        int64
}

// Ref is d as an activity names it.
func (d Document) Ref() Ref {
	return Ref{ID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size}
}

// Types are the content types a document may have, with their names for
// people.
var Types = map[string]string{
	"application/pdf": "PDF",
	"image/jpeg":      "JPEG image",
	"image/png":       "PNG image",
}

// magic are the signatures that open a file of each type. Three prefixes
// of the formats' specifications: a comparison of bytes, which needs no
// library.
var magic = []struct {
	contentType string
	prefix      []byte
}{
	{"application/pdf", []byte("%PDF-")},
	{"image/jpeg", []byte{0xFF, 0xD8, 0xFF}},
	{"image/png", []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}},
}

// Sniff returns the type of Types whose signature head starts with, or "".
func Sniff(head []byte) string {
	for _, m := range magic {
		if bytes.HasPrefix(head, m.prefix) {
			return m.contentType
		}
	}
	return ""
}

// Errors of Store.
var (
	ErrNotFound = errors.New("documents: not found")
	// ErrAttached: the document is attached to a submission.
	ErrAttached = errors.New("documents: attached to a submission")
)

// Store keeps documents' records, in their holder's partition.
type Store interface {
	// Create writes a new document.
	Create(ctx context.Context, d Document) error
	// Get reads a holder's document, or ErrNotFound (also once it expired).
	Get(ctx context.Context, holderID, id string) (Document, error)
	// Update is a read-modify-write under the document's version.
	Update(ctx context.Context, holderID, id string, fn func(d *Document) error) (Document, error)
	// Delete removes a document's record: ErrAttached when it is attached
	// (and attached refuses it), no error when there is none.
	Delete(ctx context.Context, holderID, id string, attached bool) error
}

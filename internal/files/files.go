// Package files is the port to the bytes of the documents holders attach:
// the Store contract, with the local stack's twin on disk (diskfiles), which
// serves the same presign-and-verify protocol as Amazon S3 over HTTP, and
// the S3 adapter (s3files). Both pass one contract suite (contract_test.go).
//
// A file never passes through a Lambda on its way in: the service presigns
// a form post whose policy fixes the key, the content type and the size
// range, and the browser posts the file straight to the store. The store
// refuses a post its policy does not allow (S3 does; so does the disk twin). The
// service then reads the object back and checks it before it counts
// (package documents), because not every S3-protocol server enforces a
// policy (moto does not), and a policy cannot say what the bytes are.
package files

import (
	"context"
	"errors"
	"io"
	"regexp"
	"time"
)

// Store keeps objects by key.
type Store interface {
	// PresignUpload returns the form a browser posts one file with: the
	// store accepts it only at u.Key, with u.ContentType, of 1 to
	// u.MaxBytes bytes, until u.Expires from now.
	PresignUpload(ctx context.Context, u UploadRequest) (Upload, error)
	// Open reads the object at key: ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Copy puts a copy of the object at from at to (replacing any):
	// ErrNotFound when from has none.
	Copy(ctx context.Context, from, to string) error
	// Delete removes the object at key; an absent object is no error.
	Delete(ctx context.Context, key string) error
	// PresignDownload returns a URL that serves the object at key to
	// whoever has it, until d.Expires from now, as d.ContentType and
	// with d.FileName offered for saving.
	PresignDownload(ctx context.Context, key string, d Download) (string, error)
}

// UploadRequest is what a presigned upload allows.
type UploadRequest struct {
	Key         string
	ContentType string
	MaxBytes    int64
	Expires     time.Duration
}

// Upload is a presigned form post: post Fields, then the file as the last
// part, named "file", to URL, as multipart/form-data.
type Upload struct {
	URL       string
	Fields    map[string]string
	ExpiresAt time.Time
}

// Download is how a presigned download serves an object.
type Download struct {
	ContentType string
	FileName    string // offered for saving; ASCII letters, digits and ". _ -" only (SafeName)
	Expires     time.Duration
}

// Info describes a stored object.
type Info struct {
	Size        int64
	ContentType string
}

// ErrNotFound: no object at the key.
var ErrNotFound = errors.New("files: no such object")

// keyPattern is every key the system makes: words of letters, digits,
// "-" and "_" joined by "/", never a name a person typed.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$`)

// ValidKey reports whether key is one the system could have made; the
// adapters refuse any other, so that no key can climb out of its place.
func ValidKey(key string) bool { return len(key) <= 512 && keyPattern.MatchString(key) }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SafeName is name as a file name a download may offer: runs of anything
// but ASCII letters, digits, ".", "_" and "-" become "_", at most 100
// characters, never empty.
func SafeName(name string) string {
	s := unsafeName.ReplaceAllString(name, "_")
	if len(s) > 100 {
		s = s[len(s)-100:]
	}
	if s == "" || s == "." || s == ".." {
		s = "document"
	}
	return s
}

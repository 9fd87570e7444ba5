package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/files"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/policy"
)

// How long the presigned forms and links live: an upload long enough for
// 10 MB on a slow phone line (80 s at 1 Mbit/s), a download long enough
// to open it, short enough that a link passed on soon stops working.
const (
	UploadExpires   = 15 * time.Minute
	DownloadExpires = 5 * time.Minute
	maxName         = 200
)

// Holders finds the caller's holder account (accounts.Service).
type Holders interface {
	// MyHolderID: Unauthenticated; NotFound holder_not_found.
	MyHolderID(ctx context.Context, c identity.Caller) (string, error)
}

// Service is the documents' use cases. Methods return *fault.Error for
// whatever the caller got wrong; any other error is an internal failure.
type Service struct {
	store   Store
	files   files.Store
	holders Holders
	policy  *policy.Policy
	clock   clock.Clock
	newID   func(prefix string) string
}

// NewService wires the documents service.
func NewService(s Store, f files.Store, h Holders, p *policy.Policy, c clock.Clock, newID func(string) string) *Service {
	return &Service{store: s, files: f, holders: h, policy: p, clock: c, newID: newID}
}

var errNotFound = fault.New(fault.NotFound, "document_not_found", "no such document among yours")

// NewDocument is what the holder's device says of a file before sending it.
type NewDocument struct {
	Name        string
	ContentType string
	Size        int64
}

// CheckNew reports every problem of in's fields, writing nothing.
func (s *Service) CheckNew(in NewDocument) []fault.Detail {
	var d []fault.Detail
	if _, ok := Types[in.ContentType]; !ok {
		d = append(d, fault.Detail{Field: "contentType", Code: "unsupported_type", Message: "must be a PDF, JPG or PNG"})
	}
	switch max := s.policy.Attachments.MaxBytes(); {
	case in.Size < 1:
		d = append(d, fault.Detail{Field: "size", Code: "empty", Message: "is empty"})
	case in.Size > max:
		d = append(d, fault.Detail{Field: "size", Code: "too_large", Message: fmt.Sprintf("must be smaller than %dMB", s.policy.Attachments.MaxMegabytes)})
	}
	return d
}

// cleanName keeps a name for showing: no control or hidden characters, at
// most maxName characters, "document" when nothing is left.
func cleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxName {
		name = string([]rune(name)[:maxName])
	}
	if name == "" {
		name = "document"
	}
	return name
}

// Start records a new document of the caller's and presigns its upload.
// Errors: Unauthenticated; NotFound holder_not_found; Invalid
// invalid_request (contentType unsupported_type, size empty or too_large).
func (s *Service) Start(ctx context.Context, c identity.Caller, in NewDocument) (Document, files.Upload, error) {
	if c.Anonymous() {
		return Document{}, files.Upload{}, identity.ErrSignIn
	}
	if d := s.CheckNew(in); len(d) > 0 {
		return Document{}, files.Upload{}, fault.New(fault.Invalid, "invalid_request", "the file cannot be attached", d...)
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return Document{}, files.Upload{}, err
	}
	now := s.clock.Now().UTC()
	d := Document{ID: s.newID("DOC"), HolderID: holderID, Name: cleanName(in.Name), ContentType: in.ContentType, Size: in.Size,
		Status: AwaitingUpload, CreatedAt: now, KeepUntil: now.Add(24 * time.Hour), Version: 1}
	up, err := s.files.PresignUpload(ctx, files.UploadRequest{Key: d.UploadKey(), ContentType: d.ContentType,
		MaxBytes: s.policy.Attachments.MaxBytes(), Expires: UploadExpires})
	if err != nil {
		return Document{}, files.Upload{}, err
	}
	if err := s.store.Create(ctx, d); err != nil {
		return Document{}, files.Upload{}, fmt.Errorf("create document: %w", err)
	}
	return d, up, nil
}

// The reasons Check refuses a file, for its detail.
const (
	ReasonEmpty     = "empty"
	ReasonTooLarge  = "too_large"
	ReasonWrongType = "wrong_type"
)

// examine reads an uploaded file once: its size (up to max+1), its first
// bytes and the SHA-256 of its content.
func examine(r io.Reader, max int64) (size int64, head []byte, sum string, err error) {
	h := sha256.New()
	var first [16]byte
	n, err := io.ReadFull(r, first[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, nil, "", err
	}
	h.Write(first[:n])
	rest, err := io.Copy(h, io.LimitReader(r, max+1-int64(n)))
	if err != nil {
		return 0, nil, "", err
	}
	return int64(n) + rest, first[:n], hex.EncodeToString(h.Sum(nil)), nil
}

// refusal says why a file of size bytes opening with head does not count
// as declared, or "" when it does. The message follows the file's name
// ("evidence.pdf is empty"), in the words of GOV.UK's file upload pattern.
func (s *Service) refusal(declared string, size int64, head []byte) (code, message string) {
	switch max := s.policy.Attachments.MaxBytes(); {
	case size == 0:
		return ReasonEmpty, "is empty"
	case size > max:
		return ReasonTooLarge, fmt.Sprintf("must be smaller than %dMB", s.policy.Attachments.MaxMegabytes)
	}
	got := Sniff(head)
	switch {
	case got == "":
		return ReasonWrongType, "must be a PDF, JPG or PNG"
	case got != declared:
		return ReasonWrongType, fmt.Sprintf("is a %s, not a %s: rename it to end in .%s, or choose another file", Types[got], Types[declared], extension[got])
	}
	return "", ""
}

// extension is the usual file name ending of each type.
var extension = map[string]string{"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

// Check examines the caller's uploaded file. A file that counts is kept
// and its document is ready; one that does not is deleted with its record,
// and the answer says why. A document already ready is returned as it is.
// Errors: Unauthenticated; NotFound holder_not_found, document_not_found;
// Unprocessable not_uploaded (the record stays: upload again);
// Unprocessable file_refused, with a detail on field "file" whose code is
// empty, too_large or wrong_type.
func (s *Service) Check(ctx context.Context, c identity.Caller, id string) (Document, error) {
	if c.Anonymous() {
		return Document{}, identity.ErrSignIn
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return Document{}, err
	}
	d, err := s.store.Get(ctx, holderID, id)
	if errors.Is(err, ErrNotFound) {
		return Document{}, errNotFound
	}
	if err != nil {
		return Document{}, fmt.Errorf("read document %s: %w", id, err)
	}
	if d.Status == Ready {
		return d, nil
	}
	// The upload is copied first to documents/, where no form can post,
	// and the copy is what is checked: a second post to the upload's key
	// (its form lives 15 minutes) cannot slip past the check. A crash
	// after the copy leaves a copy that the next check checks again.
	err = s.files.Copy(ctx, d.UploadKey(), d.Key())
	if errors.Is(err, files.ErrNotFound) {
		return Document{}, fault.New(fault.Unprocessable, "not_uploaded", "the file has not arrived: send it again")
	}
	if err != nil {
		return Document{}, err
	}
	r, info, err := s.files.Open(ctx, d.Key())
	if err != nil {
		return Document{}, fmt.Errorf("read the copy of upload %s: %w", id, err)
	}
	size, head, sum, err := examine(r, s.policy.Attachments.MaxBytes())
	r.Close()
	if err != nil {
		return Document{}, fmt.Errorf("read the copy of upload %s: %w", id, err)
	}
	code, msg := s.refusal(d.ContentType, size, head)
	if code == "" && info.ContentType != d.ContentType {
		// Stored as another type than its form allowed: only a store that
		// enforces no policy takes it, and a download must not serve it so.
		code, msg = ReasonWrongType, "must be a PDF, JPG or PNG"
	}
	if code != "" {
		// Nothing of a refused file stays: the record goes with the bytes.
		for _, k := range []string{d.Key(), d.UploadKey()} {
			if err := s.files.Delete(ctx, k); err != nil {
				return Document{}, err
			}
		}
		if err := s.store.Delete(ctx, holderID, id, false); err != nil {
			return Document{}, fmt.Errorf("delete refused document %s: %w", id, err)
		}
		return Document{}, fault.New(fault.Unprocessable, "file_refused", "the file cannot be attached",
			fault.Detail{Field: "file", Code: code, Message: msg})
	}
	now := s.clock.Now().UTC()
	d, err = s.store.Update(ctx, holderID, id, func(d *Document) error {
		if d.Status == Ready {
			return nil
		}
		d.Status, d.Size, d.SHA256, d.CheckedAt = Ready, size, sum, now
		d.KeepUntil = d.CreatedAt.AddDate(0, 0, s.policy.Attachments.KeepDays)
		return nil
	})
	if err != nil {
		return Document{}, fmt.Errorf("mark document %s ready: %w", id, err)
	}
	// What is left in uploads/ goes by the lifecycle rule anyway.
	_ = s.files.Delete(ctx, d.UploadKey())
	return d, nil
}

// Link is a presigned download.
type Link struct {
	URL       string
	ExpiresAt time.Time
}

// Get returns one of the caller's documents with a link to its file (when
// it is ready). Errors: Unauthenticated; NotFound holder_not_found,
// document_not_found.
func (s *Service) Get(ctx context.Context, c identity.Caller, id string) (Document, Link, error) {
	if c.Anonymous() {
		return Document{}, Link{}, identity.ErrSignIn
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return Document{}, Link{}, err
	}
	return s.get(ctx, holderID, id)
}

// OfHolder returns a holder's document with a link to its file, for staff.
// Errors: Unauthenticated; Forbidden unless staff; NotFound
// document_not_found.
func (s *Service) OfHolder(ctx context.Context, c identity.Caller, holderID, id string) (Document, Link, error) {
	if err := c.RequireRole(identity.RoleStaff); err != nil {
		return Document{}, Link{}, err
	}
	return s.get(ctx, holderID, id)
}

func (s *Service) get(ctx context.Context, holderID, id string) (Document, Link, error) {
	d, err := s.store.Get(ctx, holderID, id)
	if errors.Is(err, ErrNotFound) {
		return Document{}, Link{}, errNotFound
	}
	if err != nil {
		return Document{}, Link{}, fmt.Errorf("read document %s: %w", id, err)
	}
	if d.Status != Ready {
		return d, Link{}, nil
	}
	url, err := s.files.PresignDownload(ctx, d.Key(), files.Download{ContentType: d.ContentType, FileName: d.Name, Expires: DownloadExpires})
	if err != nil {
		return Document{}, Link{}, err
	}
	return d, Link{URL: url, ExpiresAt: s.clock.Now().UTC().Add(DownloadExpires)}, nil
}

// Delete removes one of the caller's documents that no submission names.
// Errors: Unauthenticated; NotFound holder_not_found; Conflict
// document_attached. A document that is not there is no error: deleting
// twice deletes once.
func (s *Service) Delete(ctx context.Context, c identity.Caller, id string) error {
	if c.Anonymous() {
		return identity.ErrSignIn
	}
	holderID, err := s.holders.MyHolderID(ctx, c)
	if err != nil {
		return err
	}
	d := Document{ID: id, HolderID: holderID}
	if !files.ValidKey(d.Key()) {
		return nil // no document could have this ID
	}
	err = s.store.Delete(ctx, holderID, id, false)
	if errors.Is(err, ErrAttached) {
		return fault.New(fault.Conflict, "document_attached", "this file documents an activity you submitted: it stays with the submission")
	}
	if err != nil {
		return fmt.Errorf("delete document %s: %w", id, err)
	}
	// The record goes first, so that no document points at a missing file.
	for _, k := range []string{d.UploadKey(), d.Key()} {
		if err := s.files.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Remove removes a holder's document and its files, attached or not: the
// files of a submission refused whole (submissions.StepRemoveFiles). The
// files go first, then the record, so that a removal cut short is done
// again whole when it is asked again; removing what is gone is no error.
func (s *Service) Remove(ctx context.Context, holderID, id string) error {
	d := Document{ID: id, HolderID: holderID}
	if !files.ValidKey(d.Key()) {
		return fmt.Errorf("remove document %q of %q: not a document's key", id, holderID)
	}
	// The record goes last: without it, the files went before, so a
	// removal asked again skips what it did.
	if _, err := s.store.Get(ctx, holderID, id); errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	for _, k := range []string{d.Key(), d.UploadKey()} {
		if err := s.files.Delete(ctx, k); err != nil {
			return err
		}
	}
	return s.store.Delete(ctx, holderID, id, true)
}

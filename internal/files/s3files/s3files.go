// Package s3files is the files.Store on Amazon S3: presigned form posts
// whose policy fixes the key, the content type and the size range, and
// presigned GETs that serve an object under the type and name the system
// checked, not those it was stored with.
//
// It is a package of its own so that only the functions that keep files
// carry the S3 client.
package s3files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/cecportal/cecportal/internal/files"
)

// Store is the files.Store on one bucket.
type Store struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

var _ files.Store = (*Store)(nil)

// New returns the store on bucket.
func New(client *s3.Client, bucket string) *Store {
	return &Store{client: client, presign: s3.NewPresignClient(client), bucket: bucket}
}

// NewClient is the S3 client of cfg. pathStyle addresses the bucket in the
// path, as an S3-protocol server on one host (moto_server) needs; AWS
// takes the bucket's own host name.
func NewClient(cfg aws.Config, pathStyle bool) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = pathStyle
		// The check hashes every file itself (SHA-256), and stops reading
		// one over the limit: the SDK's own checksum of a response would
		// only complain of the bytes left unread.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		o.DisableLogOutputChecksumValidationSkipped = true // objects posted through a form carry no checksum
	})
}

// PresignUpload presigns a form post of one file.
func (s *Store) PresignUpload(ctx context.Context, u files.UploadRequest) (files.Upload, error) {
	if !files.ValidKey(u.Key) {
		return files.Upload{}, fmt.Errorf("s3files: invalid key %q", u.Key)
	}
	req, err := s.presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &u.Key},
		func(o *s3.PresignPostOptions) {
			o.Expires = u.Expires
			o.Conditions = []any{
				map[string]string{"Content-Type": u.ContentType},
				[]any{"content-length-range", 1, u.MaxBytes},
			}
		})
	if err != nil {
		return files.Upload{}, fmt.Errorf("presign upload %s: %w", u.Key, err)
	}
	fields := make(map[string]string, len(req.Values)+1)
	for k, v := range req.Values {
		fields[k] = v
	}
	fields["Content-Type"] = u.ContentType
	// The SDK signs with its own clock; the expiry is as long from now.
	return files.Upload{URL: req.URL, Fields: fields, ExpiresAt: time.Now().Add(u.Expires)}, nil
}

// Open reads the object at key.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, files.Info, error) {
	if !files.ValidKey(key) {
		return nil, files.Info{}, fmt.Errorf("s3files: invalid key %q", key)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if notFound(err) {
		return nil, files.Info{}, files.ErrNotFound
	}
	if err != nil {
		return nil, files.Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	return out.Body, files.Info{Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType)}, nil
}

// Copy copies the object at from to to, within the bucket.
func (s *Store) Copy(ctx context.Context, from, to string) error {
	if !files.ValidKey(from) || !files.ValidKey(to) {
		return fmt.Errorf("s3files: invalid key %q or %q", from, to)
	}
	src := url.PathEscape(s.bucket) + "/" + (&url.URL{Path: from}).EscapedPath()
	_, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &s.bucket, Key: &to, CopySource: &src})
	if notFound(err) {
		return files.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", from, to, err)
	}
	return nil
}

// Delete removes the object at key (S3 answers an absent key as deleted).
func (s *Store) Delete(ctx context.Context, key string) error {
	if !files.ValidKey(key) {
		return fmt.Errorf("s3files: invalid key %q", key)
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// PresignDownload presigns a GET that serves the object as d says.
func (s *Store) PresignDownload(ctx context.Context, key string, d files.Download) (string, error) {
	if !files.ValidKey(key) {
		return "", fmt.Errorf("s3files: invalid key %q", key)
	}
	disp := fmt.Sprintf("inline; filename=%q", files.SafeName(d.FileName))
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key,
		ResponseContentType: &d.ContentType, ResponseContentDisposition: &disp},
		s3.WithPresignExpires(d.Expires))
	if err != nil {
		return "", fmt.Errorf("presign download %s: %w", key, err)
	}
	return req.URL, nil
}

// notFound tells S3's "no such key" however it comes: typed for GetObject,
// a bare error code for CopyObject, which models none.
func notFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var ae smithy.APIError
	return errors.As(err, &nsk) || errors.As(err, &nf) ||
		(errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound"))
}

// CreateBucket creates bucket, for tests and the local stack on moto_server
// (the template creates it in AWS).
func CreateBucket(ctx context.Context, client *s3.Client, bucket string) error {
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
	var owned *types.BucketAlreadyOwnedByYou
	if errors.As(err, &owned) {
		return nil
	}
	return err
}

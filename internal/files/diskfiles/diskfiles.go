// Package diskfiles is the files.Store of the local stack: objects are
// files under a directory, and its Handler serves presigned form posts and
// downloads over HTTP as S3 does, policy checks included.
package diskfiles

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/files"
)

// Disk is the files.Store of the local stack: objects are files under a
// directory (the stack's data directory), each with its content type
// beside it, and its Handler serves the presigned form posts and downloads
// over HTTP as S3 does, policy checks included, signed with a secret of
// its own instead of AWS credentials.
//
// Layout: <Dir>/<key> is the object, <Dir>/<key>.type its content type (a
// key has no ".", so no key is another's type file).
type Disk struct {
	dir    string
	base   *url.URL // where Handler is served: uploads post to base, downloads are under base/o/
	secret []byte
	now    func() time.Time
}

var _ files.Store = (*Disk)(nil)

// New keeps objects under dir and presigns URLs under baseURL, where
// the caller serves Handler, signing them with secret (at least 32 bytes).
func New(dir, baseURL string, secret []byte, now func() time.Time) (*Disk, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("files: base URL %q: want http(s)://host/path", baseURL)
	}
	if len(secret) < 32 {
		return nil, errors.New("files: the signing secret must have at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &Disk{dir: dir, base: u, secret: secret, now: now}, nil
}

func (d *Disk) path(key string) (string, error) {
	if !files.ValidKey(key) {
		return "", fmt.Errorf("files: invalid key %q", key)
	}
	return filepath.Join(d.dir, filepath.FromSlash(key)), nil
}

func (d *Disk) sign(parts ...string) string {
	m := hmac.New(sha256.New, d.secret)
	m.Write([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(m.Sum(nil))
}

// postPolicy is the policy document of a form post, as S3's: an expiry and
// conditions, each {"field": "value"} or ["content-length-range", min, max].
type postPolicy struct {
	Expiration string `json:"expiration"`
	Conditions []any  `json:"conditions"`
}

// PresignUpload signs a post policy that fixes the key, the content type
// and the size range.
func (d *Disk) PresignUpload(_ context.Context, u files.UploadRequest) (files.Upload, error) {
	if !files.ValidKey(u.Key) {
		return files.Upload{}, fmt.Errorf("files: invalid key %q", u.Key)
	}
	exp := d.now().Add(u.Expires).UTC().Truncate(time.Second)
	doc, err := json.Marshal(postPolicy{Expiration: exp.Format(time.RFC3339), Conditions: []any{
		map[string]string{"key": u.Key},
		map[string]string{"Content-Type": u.ContentType},
		[]any{"content-length-range", 1, u.MaxBytes},
	}})
	if err != nil {
		return files.Upload{}, err
	}
	p := base64.StdEncoding.EncodeToString(doc)
	return files.Upload{URL: d.base.String(), ExpiresAt: exp,
		Fields: map[string]string{"key": u.Key, "Content-Type": u.ContentType, "policy": p, "signature": d.sign("POST", p)}}, nil
}

// Open reads the object at key.
func (d *Disk) Open(_ context.Context, key string) (io.ReadCloser, files.Info, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, files.Info{}, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, files.Info{}, files.ErrNotFound
	}
	if err != nil {
		return nil, files.Info{}, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, files.Info{}, err
	}
	ct, err := os.ReadFile(p + ".type")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		f.Close()
		return nil, files.Info{}, err
	}
	return f, files.Info{Size: st.Size(), ContentType: string(ct)}, nil
}

// Copy copies the object at from to to.
func (d *Disk) Copy(ctx context.Context, from, to string) error {
	if !files.ValidKey(to) {
		return fmt.Errorf("files: invalid key %q", to)
	}
	r, info, err := d.Open(ctx, from)
	if err != nil {
		return err
	}
	defer r.Close()
	return d.put(to, info.ContentType, r)
}

// put writes an object whole or not at all: into a temporary file first,
// renamed into place.
func (d *Disk) put(key, contentType string, r io.Reader) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	if err := writeAtomic(p+".type", strings.NewReader(contentType)); err != nil {
		return err
	}
	if err := writeAtomic(p, r); err != nil {
		return err
	}
	// Its time is the store's clock's, so that Sweep ages it as the
	// local stack's settable clock runs, as S3 would have.
	now := d.now()
	return os.Chtimes(p, now, now)
}

// Sweep removes the objects under each key prefix of rules older than its
// age, as the lifecycle rules of a bucket would: the local stack runs it
// daily. It returns how many it removed.
func (d *Disk) Sweep(ctx context.Context, rules map[string]time.Duration) (int, error) {
	n := 0
	for prefix, age := range rules {
		root := filepath.Join(d.dir, filepath.FromSlash(strings.TrimSuffix(prefix, "/")))
		cutoff := d.now().Add(-age)
		err := filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
			if errors.Is(err, os.ErrNotExist) {
				return filepath.SkipDir
			}
			if err != nil || e.IsDir() || strings.Contains(e.Name(), ".") {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(cutoff) {
				return err
			}
			rel, err := filepath.Rel(d.dir, path)
			if err != nil {
				return err
			}
			if err := d.Delete(ctx, filepath.ToSlash(rel)); err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func writeAtomic(path string, r io.Reader) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Delete removes the object at key and its type.
func (d *Disk) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	for _, f := range []string{p, p + ".type"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// PresignDownload signs a URL of Handler's that serves the object.
func (d *Disk) PresignDownload(_ context.Context, key string, dl files.Download) (string, error) {
	if !files.ValidKey(key) {
		return "", fmt.Errorf("files: invalid key %q", key)
	}
	exp := strconv.FormatInt(d.now().Add(dl.Expires).Unix(), 10)
	name := files.SafeName(dl.FileName)
	q := url.Values{"expires": {exp}, "type": {dl.ContentType}, "name": {name},
		"signature": {d.sign("GET", key, exp, dl.ContentType, name)}}
	return d.base.String() + "/o/" + key + "?" + q.Encode(), nil
}

// maxFields bounds the form fields before the file (S3 allows 20 KB).
const maxFields = 20 << 10

// Handler serves the presigned form posts (POST at the base URL) and
// downloads (GET under base/o/), refusing what S3 would refuse, with S3's
// status codes and error codes (an XML body).
func (d *Disk) Handler() http.Handler {
	mux := http.NewServeMux()
	p := d.base.Path
	mux.HandleFunc("POST "+p+"/{$}", d.upload)
	mux.HandleFunc("POST "+p, d.upload)
	mux.HandleFunc("GET "+p+"/o/{key...}", d.download)
	return mux
}

// s3Error is S3's error body.
type s3Error struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
}

func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(s3Error{Code: code, Message: msg})
}

func (d *Disk) upload(w http.ResponseWriter, r *http.Request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		writeS3Error(w, http.StatusPreconditionFailed, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	fields := map[string]string{} // by lower-cased name: S3's field names are case-insensitive
	size := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			writeS3Error(w, http.StatusBadRequest, "InvalidArgument", "POST requires exactly one file upload per request.")
			return
		}
		if err != nil {
			writeS3Error(w, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
			return
		}
		name := strings.ToLower(part.FormName())
		if name == "file" {
			d.receive(w, fields, part)
			return
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFields+1))
		size += len(v)
		if err != nil || size > maxFields {
			writeS3Error(w, http.StatusBadRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large.")
			return
		}
		fields[name] = string(v)
	}
}

// receive checks the policy against the fields, then takes the file if
// its size is in the policy's range.
func (d *Disk) receive(w http.ResponseWriter, fields map[string]string, file io.Reader) {
	p := fields["policy"]
	if p == "" || !hmac.Equal([]byte(fields["signature"]), []byte(d.sign("POST", p))) {
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "The request signature we calculated does not match the signature you provided.")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(p)
	var pol postPolicy
	if err == nil {
		err = json.Unmarshal(raw, &pol)
	}
	exp, perr := time.Parse(time.RFC3339, pol.Expiration)
	if err != nil || perr != nil {
		writeS3Error(w, http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
		return
	}
	if !d.now().Before(exp) {
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Invalid according to Policy: Policy expired.")
		return
	}
	var minSize, maxSize int64 = 0, -1
	allowed := map[string]bool{"policy": true, "signature": true}
	for _, c := range pol.Conditions {
		switch c := c.(type) {
		case map[string]any:
			for k, v := range c {
				k = strings.ToLower(k)
				allowed[k] = true
				if s, _ := v.(string); fields[k] != s {
					writeS3Error(w, http.StatusForbidden, "AccessDenied", fmt.Sprintf("Invalid according to Policy: Policy Condition failed: [\"eq\", \"$%s\", %q]", k, s))
					return
				}
			}
		case []any:
			lo, okLo := number(c, 1)
			hi, okHi := number(c, 2)
			if len(c) != 3 || c[0] != "content-length-range" || !okLo || !okHi {
				writeS3Error(w, http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition.")
				return
			}
			minSize, maxSize = lo, hi
		default:
			writeS3Error(w, http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition.")
			return
		}
	}
	for k := range fields {
		if !allowed[k] {
			writeS3Error(w, http.StatusForbidden, "AccessDenied", fmt.Sprintf("Invalid according to Policy: Extra input fields: %s", k))
			return
		}
	}
	key := fields["key"]
	if !files.ValidKey(key) {
		writeS3Error(w, http.StatusBadRequest, "InvalidArgument", "Invalid key.")
		return
	}
	// The file goes to a temporary file first: only a whole file of an
	// allowed size becomes the object.
	tmp, err := os.CreateTemp(d.dir, ".post-*")
	if err != nil {
		writeS3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	limit := maxSize + 1
	if maxSize < 0 {
		limit = 5 << 30
	}
	n, err := io.Copy(tmp, io.LimitReader(file, limit))
	if err != nil {
		writeS3Error(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		return
	}
	switch {
	case maxSize >= 0 && n > maxSize:
		writeS3Error(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
		return
	case n < minSize:
		writeS3Error(w, http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
		return
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		writeS3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	}
	if err := d.put(key, fields["content-type"], tmp); err != nil {
		writeS3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	}
	w.WriteHeader(http.StatusNoContent) // S3's default success_action_status
}

// number is c[i] as an integer (JSON numbers decode as float64).
func number(c []any, i int) (int64, bool) {
	if i >= len(c) {
		return 0, false
	}
	f, ok := c[i].(float64)
	return int64(f), ok && f == float64(int64(f))
}

func (d *Disk) download(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	q := r.URL.Query()
	exp, name, ct := q.Get("expires"), q.Get("name"), q.Get("type")
	at, err := strconv.ParseInt(exp, 10, 64)
	switch {
	case !files.ValidKey(key) || err != nil || !hmac.Equal([]byte(q.Get("signature")), []byte(d.sign("GET", key, exp, ct, name))):
		writeS3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	case d.now().Unix() >= at:
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	f, info, err := d.Open(r.Context(), key)
	if errors.Is(err, files.ErrNotFound) {
		writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	if err != nil {
		writeS3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	}
	defer f.Close()
	if ct == "" {
		ct = info.ContentType
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Served from the forms' own origin on the local stack: nothing in a
	// file may run as that origin's page.
	w.Header().Set("Content-Security-Policy", "sandbox")
	_, _ = io.Copy(w, f)
}

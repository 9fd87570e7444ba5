package testkit

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/cecportal/cecportal/internal/files"
)

// PostFile sends body to the presigned form up as a browser does: up's
// fields (values in set replace theirs, and set's others are added), then
// the file as the last part, "file". It returns the file store's status.
func PostFile(up files.Upload, set map[string]string, body []byte) (int, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range up.Fields {
		if o, ok := set[k]; ok {
			v = o
		}
		if err := mw.WriteField(k, v); err != nil {
			return 0, err
		}
	}
	for k, v := range set {
		if _, ok := up.Fields[k]; !ok {
			if err := mw.WriteField(k, v); err != nil {
				return 0, err
			}
		}
	}
	fw, err := mw.CreateFormFile("file", "upload")
	if err != nil {
		return 0, err
	}
	if _, err := fw.Write(body); err != nil {
		return 0, err
	}
	if err := mw.Close(); err != nil {
		return 0, err
	}
	res, err := http.Post(up.URL, mw.FormDataContentType(), &buf)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
)

// NewDocumentsAPI is the handler of the documents-api Lambda: the files
// holders attach to self-reported activities.
func NewDocumentsAPI(svc *documents.Service, opts Options) (*API, error) {
	return newAPI(DocumentRoutes(svc), opts)
}

// DocumentRoutes are the files a holder attaches to self-reported
// activities: started and checked by the holder, read by the holder and
// staff (docs/documents.md). The files themselves never pass through here.
func DocumentRoutes(svc *documents.Service) []Route {
	h := documentHandlers{svc: svc}
	holder := Roles(identity.RoleHolder)
	return []Route{
		{Method: http.MethodPost, Path: "/holders/me/documents", Access: holder, Handle: h.start, Precheck: h.precheck},
		{Method: http.MethodGet, Path: "/holders/me/documents/{documentId}", Access: holder, Handle: h.get},
		{Method: http.MethodDelete, Path: "/holders/me/documents/{documentId}", Access: holder, Handle: h.delete},
		{Method: http.MethodPost, Path: "/holders/me/documents/{documentId}/check", Access: holder, Handle: h.check},
		{Method: http.MethodGet, Path: "/holders/{holderId}/documents/{documentId}", Access: Roles(identity.RoleStaff), Handle: h.ofHolder},
	}
}

type documentHandlers struct{ svc *documents.Service }

type linkJSON struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type documentJSON struct {
	DocumentID   string     `json:"documentId"`
	Name         string     `json:"name"`
	ContentType  string     `json:"contentType"`
	Size         int64      `json:"size"`
	SHA256       string     `json:"sha256,omitempty"`
	Status       string     `json:"status"`
	SubmissionID string     `json:"submissionId,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	CheckedAt    *time.Time `json:"checkedAt,omitempty"`
	KeepUntil    time.Time  `json:"keepUntil"`
	Download     *linkJSON  `json:"download,omitempty"`
}

type documentRefJSON struct {
	DocumentID  string `json:"documentId"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

func documentOut(d documents.Document, l documents.Link) documentJSON {
	out := documentJSON{DocumentID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256,
		Status: string(d.Status), SubmissionID: d.SubmissionID, CreatedAt: d.CreatedAt, KeepUntil: d.KeepUntil}
	if !d.CheckedAt.IsZero() {
		at := d.CheckedAt
		out.CheckedAt = &at
	}
	if l.URL != "" {
		out.Download = &linkJSON{URL: l.URL, ExpiresAt: l.ExpiresAt}
	}
	return out
}

type newDocumentJSON struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

func (in newDocumentJSON) domain() documents.NewDocument {
	return documents.NewDocument{Name: in.Name, ContentType: in.ContentType, Size: in.Size}
}

func (h documentHandlers) precheck(r *Request) []fault.Detail {
	var in newDocumentJSON
	readLeniently(r, &in)
	return h.svc.CheckNew(in.domain())
}

func (h documentHandlers) start(ctx context.Context, r *Request) (Response, error) {
	var in newDocumentJSON
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	d, up, err := h.svc.Start(ctx, r.Caller, in.domain())
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusCreated, map[string]any{"document": documentOut(d, documents.Link{}),
		"upload": map[string]any{"url": up.URL, "fields": up.Fields, "expiresAt": up.ExpiresAt.UTC()}}), nil
}

func (h documentHandlers) check(ctx context.Context, r *Request) (Response, error) {
	d, err := h.svc.Check(ctx, r.Caller, r.Params["documentId"])
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, documentOut(d, documents.Link{})), nil
}

func (h documentHandlers) get(ctx context.Context, r *Request) (Response, error) {
	d, l, err := h.svc.Get(ctx, r.Caller, r.Params["documentId"])
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, documentOut(d, l)), nil
}

func (h documentHandlers) ofHolder(ctx context.Context, r *Request) (Response, error) {
	d, l, err := h.svc.OfHolder(ctx, r.Caller, r.Params["holderId"], r.Params["documentId"])
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, documentOut(d, l)), nil
}

func (h documentHandlers) delete(ctx context.Context, r *Request) (Response, error) {
	if err := h.svc.Delete(ctx, r.Caller, r.Params["documentId"]); err != nil {
		return Response{}, err
	}
	return NoContent(), nil
}

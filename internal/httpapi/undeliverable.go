package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// UndeliverableRoutes are staff's list of the email addresses mail no
// longer goes to, and the way back for one (staff, or the person whose
// address it is), served by the accounts-api Lambda.
func UndeliverableRoutes(svc *undeliverable.Service) []Route {
	h := undeliverableHandlers{svc: svc}
	return []Route{
		{Method: http.MethodGet, Path: "/undeliverable-emails", Access: Roles(identity.RoleStaff), Handle: h.list},
		// Anyone signed in: the service lets staff resume any address and
		// others only their own holder account's or organisation's.
		{Method: http.MethodPost, Path: "/undeliverable-emails/resume", Access: SignedIn, Handle: h.resume},
	}
}

type undeliverableHandlers struct{ svc *undeliverable.Service }

// undeliverableJSON is one undeliverable address; on a holder or a
// provider it is the mark of their email address.
type undeliverableJSON struct {
	Email  string    `json:"email"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

func undeliverableOut(a undeliverable.Address) undeliverableJSON {
	return undeliverableJSON{Email: a.Email, Reason: string(a.Reason), Since: a.At.UTC()}
}

func (h undeliverableHandlers) list(ctx context.Context, r *Request) (Response, error) {
	return listPage(r, "addresses", func(limit int, cursor string) ([]undeliverable.Address, string, error) {
		return h.svc.List(ctx, r.Caller, undeliverable.Page{Limit: limit, Cursor: cursor})
	}, undeliverableOut)
}

func (h undeliverableHandlers) resume(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Email string `json:"email"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	if err := h.svc.Clear(ctx, r.Caller, in.Email); err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, map[string]any{"email": undeliverable.Normalize(in.Email), "resumed": true}), nil
}

// markOf is the mark of email for a holder's or a provider's view; nil
// when it has none, or where the service is not wired.
func markOf(ctx context.Context, svc *undeliverable.Service, email string) (*undeliverableJSON, error) {
	if svc == nil {
		return nil, nil
	}
	a, err := svc.Of(ctx, email)
	if err != nil || a == nil {
		return nil, err
	}
	o := undeliverableOut(*a)
	return &o, nil
}

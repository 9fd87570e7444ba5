package httpapi

import (
	"bytes"
	"context"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
)

// EmailPrefsRoutes are the reminders a holder or a provider chooses, and
// the unsubscribe link every reminder carries, which works without
// signing in (docs/reminders.md#choosing-reminders).
func EmailPrefsRoutes(svc *emailprefs.Service) []Route {
	h := emailPrefsHandlers{svc: svc}
	return []Route{
		{Method: http.MethodGet, Path: "/holders/me/email-preferences", Access: Roles(identity.RoleHolder), Handle: h.mine(emailprefs.Holder)},
		{Method: http.MethodPut, Path: "/holders/me/email-preferences", Access: Roles(identity.RoleHolder), Handle: h.setMine(emailprefs.Holder)},
		{Method: http.MethodGet, Path: "/providers/me/email-preferences", Access: Roles(identity.RoleProvider), Handle: h.mine(emailprefs.Provider)},
		{Method: http.MethodPut, Path: "/providers/me/email-preferences", Access: Roles(identity.RoleProvider), Handle: h.setMine(emailprefs.Provider)},
		{Method: http.MethodGet, Path: "/unsubscribe/{token}", Access: Public, Handle: h.look},
		// RFC 8058's one-click POST: a mail client sends
		// "List-Unsubscribe=One-Click", which says nothing the path does not.
		{Method: http.MethodPost, Path: "/unsubscribe/{token}", Access: Public, Handle: h.unsubscribe},
	}
}

type emailPrefsHandlers struct{ svc *emailprefs.Service }

type topicJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Hint string `json:"hint"`
}

type choiceJSON struct {
	topicJSON
	On bool `json:"on"`
}

type emailPrefsJSON struct {
	Choices   []choiceJSON `json:"choices"`
	UpdatedAt string       `json:"updatedAt,omitempty"`
}

func emailPrefsOut(v emailprefs.View) emailPrefsJSON {
	out := emailPrefsJSON{Choices: make([]choiceJSON, 0, len(v.Choices))}
	for _, c := range v.Choices {
		out.Choices = append(out.Choices, choiceJSON{topicJSON: topicJSON{Code: c.Topic.Code, Name: c.Topic.Name, Hint: c.Topic.Hint}, On: c.On})
	}
	if !v.UpdatedAt.IsZero() {
		out.UpdatedAt = v.UpdatedAt.UTC().Format(time.RFC3339)
	}
	return out
}

func (h emailPrefsHandlers) mine(audience string) HandlerFunc {
	return func(ctx context.Context, r *Request) (Response, error) {
		v, err := h.svc.Mine(ctx, r.Caller, audience)
		if err != nil {
			return Response{}, err
		}
		return JSON(http.StatusOK, emailPrefsOut(v)), nil
	}
}

func (h emailPrefsHandlers) setMine(audience string) HandlerFunc {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in struct {
			Off []string `json:"off"`
		}
		if err := r.Decode(&in); err != nil {
			return Response{}, err
		}
		v, err := h.svc.SetMine(ctx, r.Caller, audience, in.Off)
		if err != nil {
			return Response{}, err
		}
		return JSON(http.StatusOK, emailPrefsOut(v)), nil
	}
}

type unsubscribeJSON struct {
	Audience string    `json:"audience"`
	Topic    topicJSON `json:"topic"`
	Off      bool      `json:"off"`
}

func unsubscribeOut(l emailprefs.Link) unsubscribeJSON {
	return unsubscribeJSON{Audience: l.Topic.Audience, Topic: topicJSON{Code: l.Topic.Code, Name: l.Topic.Name, Hint: l.Topic.Hint}, Off: l.Off}
}

func (h emailPrefsHandlers) look(ctx context.Context, r *Request) (Response, error) {
	l, err := h.svc.Look(ctx, r.Params["token"])
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, unsubscribeOut(l)), nil
}

func (h emailPrefsHandlers) unsubscribe(ctx context.Context, r *Request) (Response, error) {
	if err := oneClick(r); err != nil {
		return Response{}, err
	}
	l, err := h.svc.Unsubscribe(ctx, r.Params["token"])
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, unsubscribeOut(l)), nil
}

// oneClick checks a body, when there is one, is RFC 8058's
// "List-Unsubscribe=One-Click", form-encoded or multipart: a POST of
// anything else is not a mail client's one click (the portal's page sends
// none).
func oneClick(r *Request) error {
	if len(r.Body) == 0 {
		return nil
	}
	var value string
	switch r.MediaType {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(r.Body))
		if err == nil {
			value = form.Get("List-Unsubscribe")
		}
	case "multipart/form-data":
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			break
		}
		form, err := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"]).ReadForm(64 << 10)
		if err != nil {
			break
		}
		defer form.RemoveAll()
		if v := form.Value["List-Unsubscribe"]; len(v) == 1 {
			value = v[0]
		}
	}
	if value != "One-Click" {
		return fault.New(fault.Invalid, "not_one_click", "a one-click unsubscribe's body is List-Unsubscribe=One-Click")
	}
	return nil
}

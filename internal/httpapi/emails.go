package httpapi

import (
	"context"
	"net/http"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/notify"
)

// EmailInfo is one email the system sends, named in words.
type EmailInfo struct {
	Name, Title, To string
	Own             bool // the association's own wording (docs/reminders.md#the-associations-own-emails)
}

// EmailPreviews show staff every email as it will read, with sample data
// (mailapp.Previews over templates.Templates: an interface, so that only
// the functions that render email link the template engine).
type EmailPreviews interface {
	Emails() []EmailInfo
	Preview(name string) (notify.Email, error)
}

type emailInfoJSON struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	To    string `json:"to"`
	Own   bool   `json:"own"`
}

func (h recordHandlers) emails(_ context.Context, _ *Request) (Response, error) {
	out := struct {
		Emails []emailInfoJSON `json:"emails"`
	}{Emails: []emailInfoJSON{}}
	for _, e := range h.previews.Emails() {
		out.Emails = append(out.Emails, emailInfoJSON(e))
	}
	return JSON(http.StatusOK, out), nil
}

func (h recordHandlers) emailPreview(_ context.Context, r *Request) (Response, error) {
	name := r.Params["name"]
	for _, info := range h.previews.Emails() {
		if info.Name != name {
			continue
		}
		e, err := h.previews.Preview(name)
		if err != nil {
			return Response{}, err
		}
		return JSON(http.StatusOK, struct {
			emailInfoJSON
			Subject string `json:"subject"`
			Text    string `json:"text"`
			HTML    string `json:"html,omitempty"`
		}{emailInfoJSON(info), e.Subject, e.Text, e.HTML}), nil
	}
	return Response{}, fault.New(fault.NotFound, "email_not_found", "the system sends no email of that name")
}

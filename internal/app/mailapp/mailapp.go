// Package mailapp wires the mail queue's consumer. It is apart from package
// app, which every Lambda imports, so that only the binaries that send email
// (the mail sender, the local stack) link the template engine.
package mailapp

import (
	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/httpapi"
	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/notify/templates"
	"github.com/cecportal/cecportal/internal/store"
)

// Mailer is the mail queue's consumer, sending through s from the address
// from; optional (emailprefs.Links) keeps reminders from whoever turned
// them off and gives the others their unsubscribe links.
func Mailer(d app.Deps, s mail.Sender, from string, optional notify.Optional) (*notify.Mailer, error) {
	tpl, err := templates.Load(d.Policy, d.Email)
	if err != nil {
		return nil, err
	}
	return &notify.Mailer{Sender: app.MailSender{S: s}, Ledger: store.NewMailLedger(d.Table), Templates: tpl,
		Undeliverable: d.Undeliverable(), Optional: optional,
		From: from, Now: d.Clock.Now, Log: d.Log}, nil
}

// Previews are the emails for staff to read (httpapi.EmailPreviews), from
// the templates the mail sender renders, the association's own included.
type Previews struct{ T *templates.Templates }

// NewPreviews loads the templates of d (d.Email: the association's own).
func NewPreviews(d app.Deps) (Previews, error) {
	tpl, err := templates.Load(d.Policy, d.Email)
	return Previews{T: tpl}, err
}

// Emails is every email the system sends, in words.
func (p Previews) Emails() []httpapi.EmailInfo {
	var out []httpapi.EmailInfo
	for _, e := range templates.Catalogue() {
		out = append(out, httpapi.EmailInfo{Name: e.Name, Title: e.Title, To: e.To, Own: p.T.Own(e.Name)})
	}
	return out
}

// Preview is email name with sample data.
func (p Previews) Preview(name string) (notify.Email, error) {
	e, _, err := p.T.Preview(name)
	return e, err
}

// Package mailapp wires the mail queue's consumer. It is apart from package
// app, which every Lambda imports, so that only the binaries that send email
// (the mail sender, the local stack) link the template engine.
package mailapp

import (
	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/notify/templates"
	"github.com/cecportal/cecportal/internal/store"
)

// Mailer is the mail queue's consumer, sending through s from the address
// from; optional (emailprefs.Links) keeps reminders from whoever turned
// them off and gives the others their unsubscribe links.
func Mailer(d app.Deps, s mail.Sender, from string, optional notify.Optional) (*notify.Mailer, error) {
	tpl, err := templates.Load(d.Policy)
	if err != nil {
		return nil, err
	}
	return &notify.Mailer{Sender: app.MailSender{S: s}, Ledger: store.NewMailLedger(d.Table), Templates: tpl,
		Undeliverable: d.Undeliverable(), Optional: optional,
		From: from, Now: d.Clock.Now, Log: d.Log}, nil
}

package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/cecportal/cecportal/internal/policy"
)

// Templates are rendered in Go rather than stored in SES: they ship and are
// tested with the code, render the same locally and in AWS, and take the
// association's name and links from the policy file.
//
//go:embed templates/*.txt templates/*.html
var files embed.FS

// Templates holds every email template, parsed once at start.
type Templates struct {
	text   *texttemplate.Template
	html   *htmltemplate.Template
	policy *policy.Policy
}

// LoadTemplates parses the embedded templates. Each NAME.txt starts with a
// "Subject: " line; NAME.html is optional.
func LoadTemplates(p *policy.Policy) (*Templates, error) {
	opt := "missingkey=error"
	t, err := texttemplate.New("").Option(opt).ParseFS(files, "templates/*.txt")
	if err != nil {
		return nil, fmt.Errorf("parse text templates: %w", err)
	}
	h, err := htmltemplate.New("").Option(opt).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse html templates: %w", err)
	}
	return &Templates{text: t, html: h, policy: p}, nil
}

// view is what a template sees.
type view struct {
	Association policy.Association
	Data        map[string]string
}

// Render produces the email for job j (From is left to the caller).
func (t *Templates) Render(j Job) (Email, error) {
	v := view{Association: t.policy.Association, Data: j.Data}
	var txt bytes.Buffer
	if err := t.text.ExecuteTemplate(&txt, j.Template+".txt", v); err != nil {
		return Email{}, fmt.Errorf("template %q: %w", j.Template, err)
	}
	first, rest, _ := strings.Cut(txt.String(), "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok || strings.TrimSpace(subject) == "" {
		return Email{}, fmt.Errorf("template %q: first line must be \"Subject: …\"", j.Template)
	}
	e := Email{To: j.To, Subject: strings.TrimSpace(subject), Text: strings.TrimLeft(rest, "\n")}
	if h := t.html.Lookup(j.Template + ".html"); h != nil {
		var html bytes.Buffer
		if err := h.Execute(&html, v); err != nil {
			return Email{}, fmt.Errorf("template %q html: %w", j.Template, err)
		}
		e.HTML = html.String()
	}
	return e, nil
}

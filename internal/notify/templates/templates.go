// Package templates is the email templates that notify's jobs name, and
// their rendering. It is a package of its own so that only the binaries that
// send email (the mail sender, the local stack) link and initialise the
// template engine.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	// The standard library's template packages with method calls removed:
	// text/template's MethodByName makes the linker keep every exported
	// method of every type in the binary (all the SDK clients' operations,
	// about 6 MB), and the templates only read fields and map keys.
	htmltemplate "github.com/DataDog/datadog-agent/pkg/template/html"
	texttemplate "github.com/DataDog/datadog-agent/pkg/template/text"

	"github.com/cecportal/cecportal/internal/notify"
	"github.com/cecportal/cecportal/internal/policy"
)

// Templates are rendered in Go rather than stored in SES: they ship and are
// tested with the code, render the same locally and in AWS, and take the
// association's name and links from the policy file.
//
//go:embed *.txt *.html
var files embed.FS

// Templates holds the email templates. Each is parsed the first time a job
// names it and kept: parsing all of them at start took about half a
// millisecond of the mail sender's cold start, and a delivery needs only its
// jobs' few (the tests parse every one). Safe for concurrent use.
type Templates struct {
	policy *policy.Policy

	mu     sync.Mutex
	parsed map[string]*template // by name; failures are not kept
}

var _ notify.Renderer = (*Templates)(nil)

// template is one email: NAME.txt, which starts with a "Subject: " line,
// and the optional NAME.html. Each file is a template of its own.
type template struct {
	text *texttemplate.Template
	html *htmltemplate.Template // nil: text only
}

const templateOption = "missingkey=error"

// Load returns the embedded templates for policy p.
func Load(p *policy.Policy) (*Templates, error) {
	if p == nil {
		return nil, errors.New("templates: no policy")
	}
	return &Templates{policy: p, parsed: map[string]*template{}}, nil
}

// lookup returns the parsed template name, parsing it on first use.
func (t *Templates) lookup(name string) (*template, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tpl, ok := t.parsed[name]; ok {
		return tpl, nil
	}
	tpl, err := parseTemplate(name)
	if err != nil {
		return nil, err
	}
	t.parsed[name] = tpl
	return tpl, nil
}

func parseTemplate(name string) (*template, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || !fs.ValidPath(name) {
		return nil, fmt.Errorf("no template named %q", name)
	}
	src, err := files.ReadFile(name + ".txt")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no template named %q", name)
	}
	if err != nil {
		return nil, err
	}
	var tpl template
	if tpl.text, err = texttemplate.New(name + ".txt").Option(templateOption).Parse(string(src)); err != nil {
		return nil, fmt.Errorf("parse text template: %w", err)
	}
	src, err = files.ReadFile(name + ".html")
	if errors.Is(err, fs.ErrNotExist) {
		return &tpl, nil
	}
	if err != nil {
		return nil, err
	}
	if tpl.html, err = htmltemplate.New(name + ".html").Option(templateOption).Parse(string(src)); err != nil {
		return nil, fmt.Errorf("parse html template: %w", err)
	}
	return &tpl, nil
}

// view is what a template sees.
type view struct {
	Association policy.Association
	Data        map[string]string
	// Unsubscribe is an optional email's unsubscribe page (the job's
	// notify.UnsubscribeData); empty for the others.
	Unsubscribe string
}

// Render produces the email for job j (From is left to the caller).
func (t *Templates) Render(j notify.Job) (notify.Email, error) {
	tpl, err := t.lookup(j.Template)
	if err != nil {
		return notify.Email{}, fmt.Errorf("template %q: %w", j.Template, err)
	}
	v := view{Association: t.policy.Association, Data: j.Data, Unsubscribe: j.Data[notify.UnsubscribeData]}
	var txt bytes.Buffer
	if err := tpl.text.Execute(&txt, v); err != nil {
		return notify.Email{}, fmt.Errorf("template %q: %w", j.Template, err)
	}
	first, rest, _ := strings.Cut(txt.String(), "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok || strings.TrimSpace(subject) == "" {
		return notify.Email{}, fmt.Errorf("template %q: first line must be \"Subject: …\"", j.Template)
	}
	e := notify.Email{To: j.To, Subject: strings.TrimSpace(subject), Text: strings.TrimLeft(rest, "\n")}
	if tpl.html != nil {
		var html bytes.Buffer
		if err := tpl.html.Execute(&html, v); err != nil {
			return notify.Email{}, fmt.Errorf("template %q html: %w", j.Template, err)
		}
		e.HTML = html.String()
	}
	return e, nil
}

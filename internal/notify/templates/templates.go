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
	"path"
	"slices"
	"strings"
	"sync"

	// The standard library's template packages with method calls removed:
	// text/template's MethodByName makes the linker keep every exported
	// method of every type in the binary (all the SDK clients' operations,
	// about 6 MB), and the templates only read fields and map keys.
	htmltemplate "github.com/DataDog/datadog-agent/pkg/template/html"
	texttemplate "github.com/DataDog/datadog-agent/pkg/template/text"

	"github.com/cecportal/cecportal/internal/emailprefs"
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
	own    fs.FS // the association's own templates; nil: none

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

// Load returns the templates for policy p: the shipped ones, each replaced
// whole by the association's own of its name in own (NAME.txt and the
// optional NAME.html; nil or empty: none), which are checked here, so that
// a mistake stops the start rather than an email: each must be a shipped
// template's name, parse, have its subject line, and render with the data
// the system gives that email (Sample: a key it is not given is refused).
func Load(p *policy.Policy, own fs.FS) (*Templates, error) {
	if p == nil {
		return nil, errors.New("templates: no policy")
	}
	t := &Templates{policy: p, own: own, parsed: map[string]*template{}}
	if own == nil {
		return t, nil
	}
	entries, err := fs.ReadDir(own, ".")
	if err != nil {
		return nil, fmt.Errorf("templates: the association's: %w", err)
	}
	shipped := Names()
	var problems []error
	for _, e := range entries {
		name, ext := strings.TrimSuffix(e.Name(), path.Ext(e.Name())), path.Ext(e.Name())
		if e.IsDir() || (ext != ".txt" && ext != ".html") {
			continue // a README, say
		}
		if !slices.Contains(shipped, name) {
			problems = append(problems, fmt.Errorf("%s: no email is called %q (they are: %s)", e.Name(), name, strings.Join(shipped, ", ")))
			continue
		}
		if ext == ".html" {
			if _, err := fs.Stat(own, name+".txt"); err != nil {
				problems = append(problems, fmt.Errorf("%s: an email's HTML needs its text, %s.txt, beside it", e.Name(), name))
			}
			continue
		}
		if _, err := t.Render(notify.Job{ID: "check", Template: name, To: []string{"check@example.org"},
			Data: withUnsubscribe(Sample(name))}); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", e.Name(), err))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("templates: the association's own are not taken:\n%w", err)
	}
	return t, nil
}

// withUnsubscribe is data with a sample unsubscribe link, so that the
// footer of an optional email renders too.
func withUnsubscribe(data map[string]string) map[string]string {
	data[notify.UnsubscribeData] = "https://cec.example.org/#/unsubscribe/sample"
	return data
}

// lookup returns the parsed template name, parsing it on first use.
func (t *Templates) lookup(name string) (*template, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tpl, ok := t.parsed[name]; ok {
		return tpl, nil
	}
	src := fs.FS(files)
	if t.own != nil {
		if _, err := fs.Stat(t.own, name+".txt"); err == nil {
			src = t.own
		}
	}
	tpl, err := parseTemplate(src, name)
	if err != nil {
		return nil, err
	}
	t.parsed[name] = tpl
	return tpl, nil
}

func parseTemplate(src fs.FS, name string) (*template, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || !fs.ValidPath(name) {
		return nil, fmt.Errorf("no template named %q", name)
	}
	text, err := fs.ReadFile(src, name+".txt")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no template named %q", name)
	}
	if err != nil {
		return nil, err
	}
	var tpl template
	if tpl.text, err = texttemplate.New(name + ".txt").Option(templateOption).Parse(string(text)); err != nil {
		return nil, fmt.Errorf("parse text template: %w", err)
	}
	html, err := fs.ReadFile(src, name+".html")
	if errors.Is(err, fs.ErrNotExist) {
		return &tpl, nil
	}
	if err != nil {
		return nil, err
	}
	if tpl.html, err = htmltemplate.New(name + ".html").Option(templateOption).Parse(string(html)); err != nil {
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

// Preview is email name as it will read, rendered with the data the
// system gives it (Sample) and, for a reminder, a sample unsubscribe
// link; own says whether it is the association's own template.
func (t *Templates) Preview(name string) (e notify.Email, own bool, err error) {
	if !slices.Contains(Names(), name) {
		return notify.Email{}, false, fmt.Errorf("no template named %q", name)
	}
	data := Sample(name)
	if reason, ok := strings.CutPrefix(name, "reminder_"); ok && slices.ContainsFunc(emailprefs.Topics, func(t emailprefs.Topic) bool { return t.Code == reason }) {
		data = withUnsubscribe(data) // an optional email: it has its link
	}
	e, err = t.Render(notify.Job{ID: "preview", Template: name, To: []string{"preview@example.org"}, Data: data})
	return e, t.Own(name), err
}

// Own reports whether email name is the association's own template.
func (t *Templates) Own(name string) bool {
	if t.own == nil {
		return false
	}
	_, err := fs.Stat(t.own, name+".txt")
	return err == nil
}

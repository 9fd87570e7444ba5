package mail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
)

// MIME is m as a whole message (RFC 5322, text and HTML as
// multipart/alternative, UTF-8, quoted-printable), for a send whose
// headers SES's SendEmail cannot carry: an optional email's
// List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). SES adds Date and
// Message-ID. The standard library's mime packages write it: no
// dependency for one message shape.
func MIME(m Message) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	from, err := netmail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("%w: sender %q: %v", ErrRejected, m.From, err)
	}
	to := make([]string, 0, len(m.To))
	for _, addr := range m.To {
		a, err := netmail.ParseAddress(addr)
		if err != nil {
			return nil, fmt.Errorf("%w: recipient %q: %v", ErrRejected, addr, err)
		}
		to = append(to, a.String())
	}
	header("From", from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("UTF-8", m.Subject))
	header("MIME-Version", "1.0")
	if m.Unsubscribe != "" {
		if strings.ContainsAny(m.Unsubscribe, "<>\r\n ") {
			return nil, fmt.Errorf("unsubscribe link %q is not a URL", m.Unsubscribe)
		}
		header("List-Unsubscribe", "<"+m.Unsubscribe+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	w := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": w.Boundary()}))
	b.WriteString("\r\n")
	parts := [][2]string{{"text/plain", m.Text}}
	if m.HTML != "" {
		parts = append(parts, [2]string{"text/html", m.HTML})
	}
	for _, p := range parts {
		pw, err := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p[0] + "; charset=UTF-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(p[1])); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

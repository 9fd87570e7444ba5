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
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, fold(len(name)+2, value)) }
	from, err := EncodedAddress(m.From)
	if err != nil {
		return nil, err
	}
	to := make([]string, 0, len(m.To))
	for _, addr := range m.To {
		a, err := EncodedAddress(addr)
		if err != nil {
			return nil, err
		}
		to = append(to, a)
	}
	header("From", from)
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

// EncodedAddress is addr as a header (and SES's Source) must carry it: a
// display name outside ASCII as RFC 2047 encoded words.
func EncodedAddress(addr string) (string, error) {
	a, err := netmail.ParseAddress(addr)
	if err != nil {
		return "", fmt.Errorf("%w: address %q: %v", ErrRejected, addr, err)
	}
	return a.String(), nil
}

// fold breaks a header's value at its spaces (between words, or between
// encoded words) so that its lines stay near 78 characters, and always
// under RFC 5322's 998: each break is CRLF and a space. used is what the
// header's name took of the first line.
func fold(used int, value string) string {
	var b strings.Builder
	line := used
	for i, word := range strings.Split(value, " ") {
		if i > 0 {
			if line+1+len(word) > 78 {
				b.WriteString("\r\n")
				line = 0
			}
			b.WriteString(" ")
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}

package mail_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ses"
	"go.etcd.io/bbolt"

	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/mail/sesmail"
	"github.com/cecportal/cecportal/internal/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// sent is a message as an adapter's inspector observes it. Body is the HTML
// part when there is one, else the text, because that is all moto keeps.
type sent struct {
	From    string
	To      []string
	Subject string
	Body    string
	// Unsubscribe is the List-Unsubscribe header's link; OneClick whether
	// List-Unsubscribe-Post asks for RFC 8058's one-click POST.
	Unsubscribe string
	OneClick    bool
}

// mailEnv is one adapter with what the suite needs around it.
type mailEnv struct {
	sender mail.Sender
	verify func(t *testing.T, identity string)
	// find returns the sent message id, or false.
	find func(t *testing.T, id string) (sent, bool)
}

func TestOutbox_Contract(t *testing.T) {
	runMailContract(t, func(t *testing.T) mailEnv {
		o := openOutbox(t, filepath.Join(t.TempDir(), "local.db"))
		return mailEnv{
			sender: o,
			verify: func(t *testing.T, identity string) {
				if err := o.Verify(context.Background(), identity); err != nil {
					t.Fatal(err)
				}
			},
			find: func(t *testing.T, id string) (sent, bool) {
				c, err := o.Get(context.Background(), id)
				if errors.Is(err, mail.ErrNotFound) {
					return sent{}, false
				}
				if err != nil {
					t.Fatal(err)
				}
				body := c.Text
				if c.HTML != "" {
					body = c.HTML
				}
				// The outbox keeps the link; it stands for both headers.
				return sent{From: c.From, To: c.To, Subject: c.Subject, Body: body, Unsubscribe: c.Unsubscribe, OneClick: c.Unsubscribe != ""}, true
			},
		}
	})
}

func TestSES_Contract(t *testing.T) {
	server := moto.Shared(t)
	client := ses.NewFromConfig(server.Config(t))
	runMailContract(t, func(t *testing.T) mailEnv {
		return mailEnv{
			sender: sesmail.New(client),
			verify: func(t *testing.T, identity string) {
				if err := sesmail.VerifySender(context.Background(), client, identity); err != nil {
					t.Fatal(err)
				}
			},
			find: func(t *testing.T, id string) (sent, bool) { return findInMoto(t, server, id) },
		}
	})
}

// findInMoto looks for a sent message in moto's state, where SES keeps it
// under ses.Message.
func findInMoto(t *testing.T, server *moto.Server, id string) (sent, bool) {
	t.Helper()
	type destinations struct {
		ToAddresses []string `json:"ToAddresses"`
	}
	var state struct {
		SES struct {
			Message []struct {
				ID           string       `json:"id"`
				Source       string       `json:"source"`
				Destinations destinations `json:"destinations"`
				Subject      string       `json:"subject"`
				Body         string       `json:"body"`
			}
			RawMessage []struct {
				ID     string `json:"id"`
				Source string `json:"source"`
				Data   string `json:"raw_data"`
			}
		} `json:"ses"`
	}
	if err := json.Unmarshal(server.Data(t), &state); err != nil {
		t.Fatalf("moto data: %v", err)
	}
	for _, m := range state.SES.Message {
		if m.ID == id {
			return sent{From: m.Source, To: m.Destinations.ToAddresses, Subject: m.Subject, Body: m.Body}, true
		}
	}
	for _, m := range state.SES.RawMessage {
		if m.ID == id {
			return readRaw(t, m.Source, m.Data), true
		}
	}
	return sent{}, false
}

// readRaw is a message sent whole (mail.MIME) as a person's mail client
// reads it: decoded headers, and the HTML part, else the text.
func readRaw(t *testing.T, source, raw string) sent {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("raw message: %v", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil {
		t.Fatalf("to: %v", err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		t.Fatalf("from: %v, %v", from, err)
	}
	if src, err := netmail.ParseAddress(source); err != nil || src.Address != from[0].Address || src.Name != from[0].Name {
		t.Fatalf("SES's source %q is not the From header's %v", source, from[0])
	}
	named := func(a *netmail.Address) string {
		if a.Name != "" {
			return a.Name + " <" + a.Address + ">"
		}
		return a.Address
	}
	out := sent{From: named(from[0]), Subject: subject, Unsubscribe: strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>"),
		OneClick: msg.Header.Get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"}
	for _, a := range to {
		out.To = append(out.To, named(a))
	}
	for _, line := range strings.Split(raw, "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d characters, over RFC 5322's 998", len(line))
		}
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type: %v", err)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := parts.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); mt == "text/html" || out.Body == "" {
			out.Body = strings.ReplaceAll(string(body), "\r\n", "\n")
		}
	}
	return out
}

// runMailContract is the behaviour both senders promise: SES's. Addresses
// are unique per case, since moto's state is shared.
func runMailContract(t *testing.T, newEnv func(t *testing.T) mailEnv) {
	unique := func(prefix string) string { return prefix + strings.ToLower(rand.Text()[:10]) }
	ctx := context.Background()

	t.Run("SendFromVerifiedSender", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		from := unique("portal-") + "@cecportal.test"
		env.verify(t, from)
		tests := []struct {
			name string
			msg  mail.Message
			want sent
		}{
			{"Text", mail.Message{From: from, To: []string{"ann@example.test", "bo@example.test"}, Subject: "Renewal due", Text: "Renew by 1 May."},
				sent{From: from, To: []string{"ann@example.test", "bo@example.test"}, Subject: "Renewal due", Body: "Renew by 1 May."}},
			{"TextAndHTML", mail.Message{From: from, To: []string{"ann@example.test"}, Subject: "Receipt", Text: "Paid.", HTML: "<p>Paid.</p>"},
				sent{From: from, To: []string{"ann@example.test"}, Subject: "Receipt", Body: "<p>Paid.</p>"}},
			{"DisplayName", mail.Message{From: "CEC Portal <" + from + ">", To: []string{"Ann <ann@example.test>"}, Subject: "Hi", Text: "Hello."},
				sent{From: "CEC Portal <" + from + ">", To: []string{"Ann <ann@example.test>"}, Subject: "Hi", Body: "Hello."}},
			// An optional email: its one-click unsubscribe headers (SES:
			// a raw message), with words outside ASCII kept.
			{"Unsubscribe", mail.Message{From: "CEC Portal <" + from + ">", To: []string{"Zoë Ñúñez <zoe@example.test>", "bo@example.test"},
				Subject: "Renovação due", Text: "Pay by 1 May.\nÉtienne", HTML: "<p>Pay by 1 May.</p>\n<p>Étienne — a long line of text that quoted-printable will fold at seventy-six characters, and unfold.</p>",
				Unsubscribe: "https://api.example.test/unsubscribe/aC5ILTEucmVuZXdhbF9kdWU.c2ln"},
				sent{From: "CEC Portal <" + from + ">", To: []string{"Zoë Ñúñez <zoe@example.test>", "bo@example.test"}, Subject: "Renovação due",
					Body:        "<p>Pay by 1 May.</p>\n<p>Étienne — a long line of text that quoted-printable will fold at seventy-six characters, and unfold.</p>",
					Unsubscribe: "https://api.example.test/unsubscribe/aC5ILTEucmVuZXdhbF9kdWU.c2ln", OneClick: true}},
			// A long subject outside ASCII, and a sender's name outside it:
			// folded, encoded, read back whole.
			{"LongSubject", mail.Message{From: "Associação Técnica <" + from + ">", To: []string{"bo@example.test"},
				Subject: strings.Repeat("Renovação da credencial, ", 20) + "fim", Text: "t", Unsubscribe: "https://api.example.test/unsubscribe/x.y"},
				sent{From: "Associação Técnica <" + from + ">", To: []string{"bo@example.test"}, Subject: strings.Repeat("Renovação da credencial, ", 20) + "fim",
					Body: "t", Unsubscribe: "https://api.example.test/unsubscribe/x.y", OneClick: true}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id, err := env.sender.Send(ctx, tt.msg)
				if err != nil {
					t.Fatal(err)
				}
				if id == "" {
					t.Fatal("Send returned no message ID")
				}
				got, ok := env.find(t, id)
				if !ok {
					t.Fatalf("message %s was not sent", id)
				}
				if !equalSent(got, tt.want) {
					t.Errorf("sent %+v, want %+v", got, tt.want)
				}
			})
		}
	})

	t.Run("SendFromVerifiedDomain", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		domain := unique("d") + ".test"
		env.verify(t, domain)
		if _, err := env.sender.Send(ctx, mail.Message{From: "anyone@" + domain, To: []string{"ann@example.test"}, Subject: "s", Text: "t"}); err != nil {
			t.Errorf("send from a verified domain: %v", err)
		}
	})

	t.Run("UnverifiedSenderRejected", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		from := unique("stranger-") + "@cecportal.test"
		_, err := env.sender.Send(ctx, mail.Message{From: from, To: []string{"ann@example.test"}, Subject: "s", Text: "t"})
		if !errors.Is(err, mail.ErrRejected) {
			t.Errorf("Send from an unverified sender = %v, want ErrRejected", err)
		}
	})

	t.Run("BadEnvelopeRejected", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		from := unique("portal-") + "@cecportal.test"
		env.verify(t, from)
		tooMany := make([]string, mail.MaxRecipients+1)
		for i := range tooMany {
			tooMany[i] = fmt.Sprintf("r%d@example.test", i)
		}
		for name, to := range map[string][]string{
			"NoRecipient":       nil,
			"MalformedAddress":  {"not an address"},
			"TooManyRecipients": tooMany,
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := env.sender.Send(ctx, mail.Message{From: from, To: to, Subject: "s", Text: "t"}); !errors.Is(err, mail.ErrRejected) {
					t.Errorf("Send = %v, want ErrRejected", err)
				}
			})
		}
	})
}

func equalSent(a, b sent) bool {
	return a.From == b.From && slices.Equal(a.To, b.To) && a.Subject == b.Subject && a.Body == b.Body &&
		a.Unsubscribe == b.Unsubscribe && a.OneClick == b.OneClick
}

func openOutbox(t *testing.T, path string, opts ...mail.OutboxOption) *mail.Outbox {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o, err := mail.NewOutbox(db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Package sesmail is the Amazon SES (API v1) adapter of package mail. It is
// a package of its own so that only the binaries that send email (the mail
// sender, the local stack) link and initialise the SES client's packages;
// every other function imports package mail for its types alone.
package sesmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/smithy-go"

	"github.com/cecportal/cecportal/internal/mail"
)

// API is the part of *ses.Client the adapter uses.
type API interface {
	SendEmail(ctx context.Context, in *ses.SendEmailInput, opts ...func(*ses.Options)) (*ses.SendEmailOutput, error)
	SendTemplatedEmail(ctx context.Context, in *ses.SendTemplatedEmailInput, opts ...func(*ses.Options)) (*ses.SendTemplatedEmailOutput, error)
}

var _ API = (*ses.Client)(nil)

// Sender sends email through Amazon SES (API v1).
type Sender struct {
	client API
}

var _ mail.Sender = (*Sender)(nil)

// New returns a sender on client. Build the client once, in main.
func New(client API) *Sender { return &Sender{client: client} }

// Send sends a rendered message.
func (s *Sender) Send(ctx context.Context, m mail.Message) (string, error) {
	if err := mail.CheckEnvelope(m.From, m.To); err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	body := &types.Body{}
	if m.Text != "" {
		body.Text = content(m.Text)
	}
	if m.HTML != "" {
		body.Html = content(m.HTML)
	}
	out, err := s.client.SendEmail(ctx, &ses.SendEmailInput{
		Source:      aws.String(m.From),
		Destination: &types.Destination{ToAddresses: m.To},
		Message:     &types.Message{Subject: content(m.Subject), Body: body},
	})
	if err != nil {
		return "", fmt.Errorf("send email: %w", classify(err))
	}
	return aws.ToString(out.MessageId), nil
}

// SendTemplated sends a message that SES renders from a stored template.
func (s *Sender) SendTemplated(ctx context.Context, m mail.Templated) (string, error) {
	if err := mail.CheckEnvelope(m.From, m.To); err != nil {
		return "", fmt.Errorf("send templated email: %w", err)
	}
	data := m.Data
	if data == nil {
		data = map[string]string{}
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("send templated email: template data: %w", err)
	}
	out, err := s.client.SendTemplatedEmail(ctx, &ses.SendTemplatedEmailInput{
		Source:       aws.String(m.From),
		Destination:  &types.Destination{ToAddresses: m.To},
		Template:     aws.String(m.Template),
		TemplateData: aws.String(string(raw)),
	})
	if err != nil {
		return "", fmt.Errorf("send templated email: %w", classify(err))
	}
	return aws.ToString(out.MessageId), nil
}

func content(s string) *types.Content {
	return &types.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
}

// rejectedCodes are the SES errors that refuse the message itself, so that
// sending it again cannot succeed.
var rejectedCodes = []string{
	"MessageRejected",
	"MailFromDomainNotVerifiedException",
	"FromEmailAddressNotVerified",
	"InvalidParameterValue", // a malformed address, for one
}

// classify adds this package's sentinel to the SES errors that have one.
func classify(err error) error {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	switch code := apiErr.ErrorCode(); {
	case code == "TemplateDoesNotExist":
		return fmt.Errorf("%w: %w", mail.ErrUnknownTemplate, err)
	case slices.Contains(rejectedCodes, code):
		return fmt.Errorf("%w: %w", mail.ErrRejected, err)
	}
	return err
}

// Admin is the part of *ses.Client that VerifySender and PutTemplate use.
type Admin interface {
	VerifyEmailIdentity(ctx context.Context, in *ses.VerifyEmailIdentityInput, opts ...func(*ses.Options)) (*ses.VerifyEmailIdentityOutput, error)
	VerifyDomainIdentity(ctx context.Context, in *ses.VerifyDomainIdentityInput, opts ...func(*ses.Options)) (*ses.VerifyDomainIdentityOutput, error)
	CreateTemplate(ctx context.Context, in *ses.CreateTemplateInput, opts ...func(*ses.Options)) (*ses.CreateTemplateOutput, error)
	UpdateTemplate(ctx context.Context, in *ses.UpdateTemplateInput, opts ...func(*ses.Options)) (*ses.UpdateTemplateOutput, error)
}

var _ Admin = (*ses.Client)(nil)

// VerifySender asks SES to verify identity, an email address or a domain.
// On AWS the owner must still confirm (a link, or a DNS record); moto
// verifies at once. For tests and the local stack against moto.
func VerifySender(ctx context.Context, client Admin, identity string) error {
	var err error
	if strings.Contains(identity, "@") {
		_, err = client.VerifyEmailIdentity(ctx, &ses.VerifyEmailIdentityInput{EmailAddress: aws.String(identity)})
	} else {
		_, err = client.VerifyDomainIdentity(ctx, &ses.VerifyDomainIdentityInput{Domain: aws.String(identity)})
	}
	if err != nil {
		return fmt.Errorf("verify sender %s: %w", identity, err)
	}
	return nil
}

// PutTemplate creates the template, or updates it when it exists, so that
// calling it again with new content converges.
func PutTemplate(ctx context.Context, client Admin, name, subject, text, html string) error {
	tpl := &types.Template{TemplateName: aws.String(name), SubjectPart: aws.String(subject)}
	if text != "" {
		tpl.TextPart = aws.String(text)
	}
	if html != "" {
		tpl.HtmlPart = aws.String(html)
	}
	_, err := client.CreateTemplate(ctx, &ses.CreateTemplateInput{Template: tpl})
	var exists *types.AlreadyExistsException
	if errors.As(err, &exists) {
		_, err = client.UpdateTemplate(ctx, &ses.UpdateTemplateInput{Template: tpl})
	}
	if err != nil {
		return fmt.Errorf("put template %s: %w", name, err)
	}
	return nil
}

// Package sesmail is the Amazon SES (API v1) adapter of package mail. It is
// a package of its own so that only the binaries that send email (the mail
// sender, the local stack) link and initialise the SES client's packages;
// every other function imports package mail for its types alone.
package sesmail

import (
	"context"
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
	SendRawEmail(ctx context.Context, in *ses.SendRawEmailInput, opts ...func(*ses.Options)) (*ses.SendRawEmailOutput, error)
}

var _ API = (*ses.Client)(nil)

// Sender sends email through Amazon SES (API v1).
type Sender struct {
	client API
	set    string
}

var _ mail.Sender = (*Sender)(nil)

// New returns a sender on client. Build the client once, in main.
func New(client API) *Sender { return &Sender{client: client} }

// WithConfigurationSet sends every message with the SES configuration set
// name, whose event destination takes its bounces and complaints to the
// system (the template's MailConfigurationSet).
func (s *Sender) WithConfigurationSet(name string) *Sender {
	s.set = name
	return s
}

// Send sends a rendered message: with SendEmail, or with SendRawEmail
// (mail.MIME) when it carries an unsubscribe link, a header SendEmail
// cannot set.
func (s *Sender) Send(ctx context.Context, m mail.Message) (string, error) {
	if err := mail.CheckEnvelope(m.From, m.To); err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	if m.Unsubscribe != "" {
		return s.sendRaw(ctx, m)
	}
	body := &types.Body{}
	if m.Text != "" {
		body.Text = content(m.Text)
	}
	if m.HTML != "" {
		body.Html = content(m.HTML)
	}
	in := &ses.SendEmailInput{
		Source:      aws.String(m.From),
		Destination: &types.Destination{ToAddresses: m.To},
		Message:     &types.Message{Subject: content(m.Subject), Body: body},
	}
	if s.set != "" {
		in.ConfigurationSetName = aws.String(s.set)
	}
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("send email: %w", classify(err))
	}
	return aws.ToString(out.MessageId), nil
}

func (s *Sender) sendRaw(ctx context.Context, m mail.Message) (string, error) {
	raw, err := mail.MIME(m)
	if err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	source, err := mail.EncodedAddress(m.From) // SES wants a name outside ASCII encoded
	if err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	in := &ses.SendRawEmailInput{Source: aws.String(source), Destinations: m.To, RawMessage: &types.RawMessage{Data: raw}}
	if s.set != "" {
		in.ConfigurationSetName = aws.String(s.set)
	}
	out, err := s.client.SendRawEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("send email: %w", classify(err))
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

// classify marks with mail.ErrRejected the SES errors that refuse the message.
func classify(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && slices.Contains(rejectedCodes, apiErr.ErrorCode()) {
		return fmt.Errorf("%w: %w", mail.ErrRejected, err)
	}
	return err
}

// Admin is the part of *ses.Client that VerifySender uses.
type Admin interface {
	VerifyEmailIdentity(ctx context.Context, in *ses.VerifyEmailIdentityInput, opts ...func(*ses.Options)) (*ses.VerifyEmailIdentityOutput, error)
	VerifyDomainIdentity(ctx context.Context, in *ses.VerifyDomainIdentityInput, opts ...func(*ses.Options)) (*ses.VerifyDomainIdentityOutput, error)
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

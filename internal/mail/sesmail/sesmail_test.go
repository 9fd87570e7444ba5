package sesmail_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/smithy-go"

	"github.com/cecportal/cecportal/internal/mail"
	"github.com/cecportal/cecportal/internal/mail/sesmail"
)

// fakeSES answers every send with err.
type fakeSES struct{ err error }

func (f *fakeSES) SendEmail(context.Context, *ses.SendEmailInput, ...func(*ses.Options)) (*ses.SendEmailOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &ses.SendEmailOutput{MessageId: aws.String("m1")}, nil
}

func (f *fakeSES) SendRawEmail(context.Context, *ses.SendRawEmailInput, ...func(*ses.Options)) (*ses.SendRawEmailOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &ses.SendRawEmailOutput{MessageId: aws.String("m2")}, nil
}

func TestSES_ErrorMapping(t *testing.T) {
	tests := []struct {
		code     string
		rejected bool
	}{
		{"MessageRejected", true},
		{"MailFromDomainNotVerifiedException", true},
		{"InvalidParameterValue", true},
		{"Throttling", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			apiErr := &smithy.GenericAPIError{Code: tt.code, Message: "m"}
			_, err := sesmail.New(&fakeSES{err: apiErr}).Send(context.Background(),
				mail.Message{From: "a@cecportal.test", To: []string{"b@example.test"}, Subject: "s", Text: "t"})
			if !errors.As(err, new(*smithy.GenericAPIError)) {
				t.Errorf("error %v lost the SES error", err)
			}
			if got := errors.Is(err, mail.ErrRejected); got != tt.rejected {
				t.Errorf("errors.Is(err, ErrRejected) = %v, want %v (err: %v)", got, tt.rejected, err)
			}
		})
	}
}

// recordingSES keeps the input of each send.
type recordingSES struct{ in []*string } // the configuration set of each send

func (r *recordingSES) SendEmail(_ context.Context, in *ses.SendEmailInput, _ ...func(*ses.Options)) (*ses.SendEmailOutput, error) {
	r.in = append(r.in, in.ConfigurationSetName)
	return &ses.SendEmailOutput{MessageId: aws.String("m1")}, nil
}

func (r *recordingSES) SendRawEmail(_ context.Context, in *ses.SendRawEmailInput, _ ...func(*ses.Options)) (*ses.SendRawEmailOutput, error) {
	r.in = append(r.in, in.ConfigurationSetName)
	return &ses.SendRawEmailOutput{MessageId: aws.String("m2")}, nil
}

// Every mail names the configuration set, whose event destination brings
// its bounces and complaints back (moto ignores the name, so a double
// records it here).
func TestSES_ConfigurationSet(t *testing.T) {
	msg := mail.Message{From: "a@cecportal.test", To: []string{"b@example.test"}, Subject: "s", Text: "t"}
	optional := msg
	optional.Unsubscribe = "https://api.example.test/unsubscribe/x.y" // sent whole
	for _, tc := range []struct{ set, want string }{{"cecportal-prod", "cecportal-prod"}, {"", ""}} {
		r := &recordingSES{}
		for _, m := range []mail.Message{msg, optional} {
			if _, err := sesmail.New(r).WithConfigurationSet(tc.set).Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
		for i, got := range r.in {
			if aws.ToString(got) != tc.want {
				t.Errorf("WithConfigurationSet(%q): mail %d sent with %q", tc.set, i, aws.ToString(got))
			}
		}
	}
}

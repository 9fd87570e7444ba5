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

// fakeSES answers every send with err, keeping the templated request.
type fakeSES struct {
	err       error
	templated *ses.SendTemplatedEmailInput
}

func (f *fakeSES) SendEmail(context.Context, *ses.SendEmailInput, ...func(*ses.Options)) (*ses.SendEmailOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &ses.SendEmailOutput{MessageId: aws.String("m1")}, nil
}

func (f *fakeSES) SendTemplatedEmail(_ context.Context, in *ses.SendTemplatedEmailInput, _ ...func(*ses.Options)) (*ses.SendTemplatedEmailOutput, error) {
	f.templated = in
	if f.err != nil {
		return nil, f.err
	}
	return &ses.SendTemplatedEmailOutput{MessageId: aws.String("m2")}, nil
}

func TestSES_ErrorMapping(t *testing.T) {
	tests := []struct {
		code string
		want error
	}{
		{"MessageRejected", mail.ErrRejected},
		{"MailFromDomainNotVerifiedException", mail.ErrRejected},
		{"InvalidParameterValue", mail.ErrRejected},
		{"TemplateDoesNotExist", mail.ErrUnknownTemplate},
		{"Throttling", nil},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			apiErr := &smithy.GenericAPIError{Code: tt.code, Message: "m"}
			_, err := sesmail.New(&fakeSES{err: apiErr}).Send(context.Background(),
				mail.Message{From: "a@cecportal.test", To: []string{"b@example.test"}, Subject: "s", Text: "t"})
			if !errors.As(err, new(*smithy.GenericAPIError)) {
				t.Errorf("error %v lost the SES error", err)
			}
			for _, sentinel := range []error{mail.ErrRejected, mail.ErrUnknownTemplate} {
				want := sentinel == tt.want
				if got := errors.Is(err, sentinel); got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v (err: %v)", sentinel, got, want, err)
				}
			}
		})
	}
}

func TestSES_TemplateData(t *testing.T) {
	tests := []struct {
		data map[string]string
		want string
	}{
		{nil, `{}`},
		{map[string]string{"name": `Ann "the" <Admin>`}, `{"name":"Ann \"the\" \u003cAdmin\u003e"}`},
	}
	for _, tt := range tests {
		f := &fakeSES{}
		_, err := sesmail.New(f).SendTemplated(context.Background(),
			mail.Templated{From: "a@cecportal.test", To: []string{"b@example.test"}, Template: "t", Data: tt.data})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(f.templated.TemplateData); got != tt.want {
			t.Errorf("TemplateData = %s, want %s", got, tt.want)
		}
	}
}

package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cecportal/cecportal/internal/moto"
	"github.com/cecportal/cecportal/internal/secrets"
)

func TestMain(m *testing.M) { moto.Main(m) }

// counting counts the reads a Secret makes.
type counting struct {
	secrets.Reader
	reads int
}

func (c *counting) Read(ctx context.Context, name string) (string, error) {
	c.reads++
	return c.Reader.Read(ctx, name)
}

// TestParameter reads SecureString parameters against moto_server, written
// with the real SSM client: decrypted, read once and kept; a parameter
// that is missing is an error that is not kept, so that it is read once it
// exists. The reader answers what the SSM client's GetParameter answers.
func TestParameter(t *testing.T) {
	ctx := t.Context()
	cfg := moto.Shared(t).Config(t)
	client := ssm.NewFromConfig(cfg)
	name := fmt.Sprintf("/cecportal/test/%s/stripe-secret-key", t.Name())
	put := func(v string) {
		t.Helper()
		if _, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(v),
			Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	reads := &counting{Reader: secrets.NewParameterStore(cfg)}
	s := secrets.Parameter(reads, name)
	if _, err := s.Get(ctx); err == nil || !strings.Contains(err.Error(), "ParameterNotFound") {
		t.Fatalf("a missing parameter: %v", err)
	}
	put("sk_test_moto")
	sdk, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(sdk.Parameter.Value) != "sk_test_moto" {
		t.Fatalf("the SSM client reads %v, %v", sdk, err)
	}
	for range 3 {
		v, err := s.Get(ctx)
		if err != nil || v != "sk_test_moto" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if reads.reads != 2 { // the failed read, then one
		t.Fatalf("%d reads of the parameter, want 2", reads.reads)
	}
	put("sk_test_rotated") // a new value is read by the next process, not this one
	if v, _ := s.Get(ctx); v != "sk_test_moto" {
		t.Fatalf("the kept value changed to %q", v)
	}
}

func TestValue(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		secret *secrets.Secret
		want   string
		err    error
	}{
		{"Given", secrets.Value("whsec_local"), "whsec_local", nil},
		{"Empty", secrets.Value(""), "", secrets.ErrNotConfigured},
		{"Nil", nil, "", secrets.ErrNotConfigured},
		{"NoParameterName", secrets.Parameter(nil, ""), "", secrets.ErrNotConfigured},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := tc.secret.Get(ctx)
			if v != tc.want || !errors.Is(err, tc.err) {
				t.Fatalf("Get = %q, %v; want %q, %v", v, err, tc.want, tc.err)
			}
		})
	}
}

// TestParameterStore_Retries: a throttled or failed call is tried once
// more; a parameter that does not exist is not.
func TestParameterStore_Retries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []int // status of each call
		calls   int
		ok      bool
	}{
		{"ServerErrorThenValue", []int{500, 200}, 2, true},
		{"ThrottledThenValue", []int{400, 200}, 2, true}, // ThrottlingException is a 400
		{"NotFound", []int{400}, 1, false},
		{"FailsTwice", []int{503, 503}, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				status := tc.answers[min(calls, len(tc.answers)-1)]
				calls++
				if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" || !strings.Contains(r.Header.Get("Authorization"), "/ssm/aws4_request") {
					t.Errorf("request headers %v", r.Header)
				}
				w.WriteHeader(status)
				switch {
				case status == 200:
					fmt.Fprint(w, `{"Parameter":{"Name":"/x","Value":"sk_test_1"}}`)
				case tc.name == "ThrottledThenValue":
					fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
				case status == 400:
					fmt.Fprint(w, `{"__type":"ParameterNotFound"}`)
				default:
					fmt.Fprint(w, `{"__type":"InternalServerError"}`)
				}
			}))
			defer srv.Close()
			cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
				Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIA", "secret", ""))}
			v, err := secrets.NewParameterStore(cfg).Read(t.Context(), "/x")
			if calls != tc.calls || (err == nil) != tc.ok || (tc.ok && v != "sk_test_1") {
				t.Fatalf("%d calls, %q, %v", calls, v, err)
			}
		})
	}
}

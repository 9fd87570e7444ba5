package awsenv

import (
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestConfig: the configuration a Lambda builds from the variables
// the Lambda service sets, and a clear failure when one is missing.
func TestConfig(t *testing.T) {
	lambda := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token"}
	with := func(edit map[string]string) func(string) string {
		env := maps.Clone(lambda)
		for k, v := range edit {
			env[k] = v
		}
		return func(k string) string { return env[k] }
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		region   string
		endpoint string
		err      string
	}{
		{"Lambda", nil, "us-east-1", "", ""},
		{"DefaultRegion", map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1", "", ""},
		{"Moto", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, "us-east-1", "http://127.0.0.1:5000", ""},
		{"NoCredentials", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "", "", "lacks AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"},
		{"NoRegion", map[string]string{"AWS_REGION": ""}, "", "", "lacks AWS_REGION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Config(with(tc.env))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tc.region || aws.ToString(cfg.BaseEndpoint) != tc.endpoint {
				t.Fatalf("region %q, endpoint %q", cfg.Region, aws.ToString(cfg.BaseEndpoint))
			}
			creds, err := cfg.Credentials.Retrieve(t.Context())
			if err != nil || creds.AccessKeyID != "AKIAX" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
				t.Fatalf("credentials %+v, %v", creds, err)
			}
		})
	}
}

// Package awsenv builds the AWS configuration of a Lambda function from its
// environment, for the functions and for the cold-start floors alike.
package awsenv

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config is the AWS configuration of a Lambda function, from the
// variables the Lambda service sets: AWS_REGION and the execution role's
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (valid for
// the life of the execution environment), and AWS_ENDPOINT_URL when set
// (the tests' moto_server). It is what config.LoadDefaultConfig resolves
// in a Lambda too; that function is not used because it links the SSO,
// SSO-OIDC, STS and sign-in clients of credential providers no Lambda
// uses and what they pull in: 1.8 MB of every binary and about 1 ms of
// init (make coldstart: accounts-api 11.99 MB with it, 10.16 MB without;
// docs/performance.md), and it reads shared config files at init.
func Config(getenv func(string) string) (aws.Config, error) {
	region := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	key, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	var missing []string
	for name, v := range map[string]string{"AWS_REGION": region, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return aws.Config{}, fmt.Errorf("the Lambda environment lacks %s", strings.Join(missing, ", "))
	}
	cfg := aws.Config{Region: region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, getenv("AWS_SESSION_TOKEN")))}
	if ep := getenv("AWS_ENDPOINT_URL"); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg, nil
}

// Command badges-api is the Lambda behind the association's Open Badges:
// a holder's badges, signed with the AWS KMS key BADGE_KEY_ID; the
// published issuer profile, key and status lists; their check; staff's
// revocations. It alone links the JOSE library and the KMS client.
//
// The API's public URL, under which the badges publish, is read from the
// parameter API_URL_PARAMETER at the first request (the stack writes it
// from the HttpApi, which the function cannot reference: the API's routes
// reference the function).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/badges/kmssign"
	"github.com/cecportal/cecportal/internal/badges/vcjwt"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func main() {
	p := app.Lambda("BadgesApi")
	apiURL := p.Secret(p.Env.APIURLParameter)
	signer := kmssign.New(kms.NewFromConfig(p.AWS), p.Env.BadgeKeyID)
	lambda.Start(httpapi.Deferred(p.Log, func(ctx context.Context) (*httpapi.API, error) {
		base, err := apiURL.Get(ctx)
		if err != nil {
			return nil, err
		}
		is := p.BadgeIssuer(base)
		return httpapi.NewBadgesAPI(p.Badges(is, vcjwt.Sealer{Issuer: is, Signer: signer}),
			httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log, Roles: p.Accounts()})
	}))
}

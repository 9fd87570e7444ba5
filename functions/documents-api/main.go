// Command documents-api is the Lambda behind the files holders attach to
// self-reported activities: it presigns their uploads to S3, checks each
// file once it is there, and presigns reads for the holder and staff. The
// files never pass through it.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/files/s3files"
	"github.com/cecportal/cecportal/internal/httpapi"
)

func main() {
	p := app.Lambda("DocumentsApi")
	docs := p.Documents(s3files.New(s3files.NewClient(p.AWS, false), p.Env.DocumentsBucket))
	api, err := httpapi.NewDocumentsAPI(docs, httpapi.Options{RoleClaim: p.Env.RoleClaim, Logger: p.Log, Roles: p.Accounts()})
	if err != nil {
		app.Exit(p.Log, "http api", err)
	}
	lambda.Start(api.Handle)
}

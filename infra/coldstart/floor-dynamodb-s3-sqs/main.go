// Command floor-dynamodb-s3-sqs is the SDK floor of the functions that
// link DynamoDB, S3 and SQS clients (the documents API, which presigns and
// checks holders' files; app.Lambda links SQS into every function): the
// AWS configuration and those clients, with an empty handler.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cecportal/cecportal/internal/awsenv"
)

func main() {
	cfg, err := awsenv.Config(os.Getenv) // as every function configures the SDK
	if err != nil {
		log.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	q := sqs.NewFromConfig(cfg)
	files := s3.NewFromConfig(cfg)
	lambda.Start(func(context.Context) error {
		_, _, _ = db, q, files // kept reachable, as a function's handler keeps its clients
		return nil
	})
}

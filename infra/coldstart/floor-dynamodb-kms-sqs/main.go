// Command floor-dynamodb-kms-sqs is the SDK floor of the functions that
// link DynamoDB, KMS and SQS clients (the badges API, which signs the
// association's Open Badges with a KMS key; app.Lambda links SQS into every
// function): the AWS configuration and those clients, with an empty handler.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
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
	keys := kms.NewFromConfig(cfg)
	lambda.Start(func(context.Context) error {
		_, _, _ = db, q, keys // kept reachable, as a function's handler keeps its clients
		return nil
	})
}

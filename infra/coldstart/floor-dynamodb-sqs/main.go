// Command floor-dynamodb-sqs is the SDK floor of the functions that build a
// DynamoDB and an SQS client: it does only what their start cannot avoid
// (build the AWS configuration from the Lambda environment, construct
// those clients) and has an empty
// handler, so that the harness can tell SDK cost from the function's own.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
	lambda.Start(func(context.Context) error {
		_, _ = db, q // kept reachable, as a function's handler keeps its clients
		return nil
	})
}

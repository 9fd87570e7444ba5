// Command floor-dynamodb-sqs is the SDK floor of the functions that build a
// DynamoDB and an SQS client: it does only what their start cannot avoid
// (load the AWS configuration, construct those clients) and has an empty
// handler, so that the harness can tell SDK cost from the function's own.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
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

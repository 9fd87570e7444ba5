// Command hello is the cold-start harness's lower yardstick: the smallest
// aws-lambda-go function, so that a function's start can be compared with
// what the runtime alone costs on the same machine in the same run.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}

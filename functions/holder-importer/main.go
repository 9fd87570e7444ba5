// Command holder-importer is the import queue's consumer: it imports a
// staff upload of holders one chunk of rows per message, and queues the
// next chunk in the same write that records the chunk done.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cecportal/cecportal/internal/app"
	"github.com/cecportal/cecportal/internal/consumer"
)

func main() {
	p := app.Lambda("HolderImporter")
	lambda.Start(consumer.Handler(p.Function.Queue, p.HolderImport().Step, p.Log))
}

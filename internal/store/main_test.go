package store_test

import (
	"testing"

	"github.com/cecportal/cecportal/internal/moto"
)

// TestMain stops the package's moto_server after the tests (every
// repository is tested on DynamoDB too: testkit.EachAdapter).
func TestMain(m *testing.M) { moto.Main(m) }

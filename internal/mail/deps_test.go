package mail_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Every Lambda imports package mail for its types; the SES client's
// packages belong in sesmail, which only the mail sender and the local stack
// import, so that the other functions do not initialise them at each cold
// start.
func TestMail_DoesNotImportSES(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the imports: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/cecportal/cecportal/internal/mail").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps gave %d packages: %s", len(deps), out)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2/service/ses") {
			t.Errorf("internal/mail depends on %s", d)
		}
	}
}

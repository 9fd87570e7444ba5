package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRuntimeAPI_Next checks the stub's contract with the harness: /next is
// timed on arrival and then held (never answered) until the caller goes
// away; anything else is refused and remembered.
func TestRuntimeAPI_Next(t *testing.T) {
	api, err := startRuntimeAPI()
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	base := "http://" + api.Addr()

	t.Run("HeldUntilCallerLeaves", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		before := time.Now()
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+nextPath, nil)
			req.Header.Set("User-Agent", "aws-lambda-go/test")
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		var got arrival
		select {
		case got = <-api.arrivals:
		case <-time.After(5 * time.Second):
			t.Fatal("no arrival recorded")
		}
		if got.At.Before(before) || got.At.After(time.Now()) || got.UserAgent != "aws-lambda-go/test" {
			t.Fatalf("arrival %+v, request sent at %v", got, before)
		}
		select {
		case err := <-done:
			t.Fatalf("/next answered (%v); it must be held", err)
		case <-time.After(100 * time.Millisecond):
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("after cancel: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("held call not released when the caller left")
		}
	})

	t.Run("OtherCallsRefused", func(t *testing.T) {
		resp, err := http.Post(base+"/2018-06-01/runtime/init/error", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if u := api.Unexpected(); !slices.Equal(u, []string{"POST /2018-06-01/runtime/init/error"}) {
			t.Fatalf("unexpected calls %q", u)
		}
		select {
		case a := <-api.arrivals:
			t.Fatalf("a refused call was timed: %+v", a)
		default:
		}
	})

	t.Run("CloseReleasesHeldCalls", func(t *testing.T) {
		api2, err := startRuntimeAPI()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			resp, err := http.Get("http://" + api2.Addr() + nextPath)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			close(done)
		}()
		<-api2.arrivals
		api2.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close left a call held")
		}
	})
}

func TestServicesFromFuncs(t *testing.T) {
	names := []string{
		"main.main",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb.New",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb.NewFromConfig",
		"github.com/aws/aws-sdk-go-v2/service/sqs.New",
		"github.com/aws/aws-sdk-go-v2/service/ses.init",                   // imported, not built
		"github.com/aws/aws-sdk-go-v2/service/ses/types.New",              // a subpackage
		"github.com/aws/aws-sdk-go-v2/service/sts.(*Client).New",          // a method, not the constructor
		"github.com/aws/aws-sdk-go-v2/service/internal/presigned-url.New", // not a client
		"github.com/aws/aws-sdk-go-v2/service/dynamodb.New",
	}
	if got, want := servicesFromFuncs(names), []string{"dynamodb", "sqs"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := chosen([]string{"dynamodb", "signin", "sqs", "sso", "ssooidc", "sts"}); !slices.Equal(got, []string{"dynamodb", "sqs"}) {
		t.Fatalf("chosen %q", got)
	}
}

func TestAssignFloors(t *testing.T) {
	bins := []binary{
		{Name: "floor-a", Kind: kindFloor, SDK: []string{"dynamodb", "sqs"}},
		{Name: "floor-b", Kind: kindFloor, SDK: []string{"dynamodb", "ses", "sqs"}},
		{Name: "hello", Kind: kindHello},
		{Name: "api", Kind: kindFunction, SDK: []string{"dynamodb", "sqs"}},
		{Name: "mail", Kind: kindFunction, SDK: []string{"dynamodb", "ses", "sqs"}},
	}
	if err := assignFloors(bins); err != nil {
		t.Fatal(err)
	}
	if bins[3].Floor != "floor-a" || bins[4].Floor != "floor-b" {
		t.Fatalf("floors %q %q", bins[3].Floor, bins[4].Floor)
	}
	t.Run("ErrTwoFloorsForOneSet", func(t *testing.T) {
		bins := append(slices.Clone(bins), binary{Name: "floor-c", Kind: kindFloor, SDK: []string{"dynamodb", "sqs"}})
		if err := assignFloors(bins); err == nil || !strings.Contains(err.Error(), "floor-a and floor-c") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ErrNoFloor", func(t *testing.T) {
		bins := append(slices.Clone(bins), binary{Name: "s3er", Kind: kindFunction, SDK: []string{"dynamodb", "s3"}})
		err := assignFloors(bins)
		if err == nil || !strings.Contains(err.Error(), "s3er") || !strings.Contains(err.Error(), "dynamodb+s3") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestParseLambdas(t *testing.T) {
	got, err := parseLambdas("AccountsApi:accounts-api  MailSender:mail-sender\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ID != "MailSender" || got[1].Name != "mail-sender" || got[1].Pkg != "./functions/mail-sender" {
		t.Fatalf("%+v", got)
	}
	for _, bad := range []string{"", "NoDir", "Id:", ":dir", "Id:a/b"} {
		if _, err := parseLambdas(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFunctionEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "template.yaml")
	err := os.WriteFile(path, []byte(`
Parameters:
  LogLevel: {Type: String, Default: INFO}
  MailFrom: {Type: String}
Globals:
  Function:
    Environment:
      Variables:
        SHARED: one
        TABLE_NAME: overridden
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  MailQueue: {Type: AWS::SQS::Queue}
  Sender:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          MAIL_QUEUE_URL: {Ref: MailQueue}
          MAIL_FROM: !Ref MailFrom
          LOG_LEVEL: !Ref LogLevel
          ROLE_CLAIM: cognito:groups
          REGION: !Ref AWS::Region
          MAX: 3
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := loadTemplate(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.functionEnv("Sender")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"LOG_LEVEL=INFO",
		"MAIL_FROM=coldstart-MailFrom",
		"MAIL_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/coldstart-MailQueue",
		"MAX=3",
		"REGION=us-east-1",
		"ROLE_CLAIM=cognito:groups",
		"SHARED=one",
		"TABLE_NAME=coldstart-Table",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if _, err := tpl.functionEnv("Table"); err == nil {
		t.Fatal("a table taken for a function")
	}

	t.Run("RepositoryTemplate", func(t *testing.T) {
		tpl, err := loadTemplate(filepath.Join("..", "..", "template.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		env, err := tpl.functionEnv("MailSender")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"TABLE_NAME=", "MAIL_FROM="} {
			if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, k) && len(kv) > len(k) }) {
				t.Errorf("MailSender env %q has no %s", env, k)
			}
		}
	})
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"A=1", "B=2", "C=3"}, []string{"B=9", "D=4"})
	if want := []string{"A=1", "C=3", "B=9", "D=4"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestQuantile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	for _, c := range []struct {
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{ms(5), 0.5, 5 * time.Millisecond},
		{ms(3, 1, 2), 0.5, 2 * time.Millisecond},
		{ms(4, 1, 3, 2), 0.5, 2500 * time.Microsecond},
		{ms(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100), 0.9, 10 * time.Millisecond},
		{ms(1, 2), 1, 2 * time.Millisecond},
	} {
		if got := quantile(c.in, c.q); got != c.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", c.in, c.q, got, c.want)
		}
	}
}

func TestReport_Targets(t *testing.T) {
	ms := time.Millisecond
	rows, err := results([]binary{
		{Name: "hello", Kind: kindHello},
		{Name: "floor-a", Kind: kindFloor},
		{Name: "fast", Kind: kindFunction, Floor: "floor-a", LambdaSize: 11_000_000},
		{Name: "slow", Kind: kindFunction, Floor: "floor-a", LambdaSize: 11_000_000},
		{Name: "big", Kind: kindFunction, Floor: "floor-a", LambdaSize: 12_000_001},
	}, map[string][]sample{
		"hello":   {{Wall: 2 * ms, CPU: 2 * ms}},
		"floor-a": {{Wall: 10 * ms, CPU: 8 * ms}},
		"fast":    {{Wall: 12 * ms, CPU: 8 * ms}},
		"slow":    {{Wall: 13 * ms, CPU: 16 * ms}},
		"big":     {{Wall: 10 * ms, CPU: 8 * ms}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[3]; r.FloorRatio != 1.3 || r.HelloRatio != 6.5 || r.CPUFloorRatio != 2 {
		t.Fatalf("slow ratios %+v", r)
	}
	var out strings.Builder
	ok := report{Runs: 1, MaxRatio: 1.2, MaxSize: 12_000_000, LambdaTarget: "linux/arm64", Rows: rows}.write(&out)
	if ok {
		t.Fatal("targets reported met")
	}
	for _, want := range []string{"- meet both: fast\n", "start target: slow\n", "size target: big\n", "| fast |", "1.20×"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := results([]binary{{Name: "hello", Kind: kindHello}}, nil); err == nil {
		t.Fatal("no samples accepted")
	}
}

// TestRunOnce builds the hello yardstick as make coldstart does and times
// it against the stub, and checks that a process which cannot start is an
// error with its output, not a fast sample.
func TestRunOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bins := []binary{{Name: "hello", Pkg: "./infra/coldstart/hello", Kind: kindHello}}
	flags := buildFlags{"-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc"}
	if err := build(filepath.Join("..", ".."), dir, hostEnv(), flags, bins); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hello")
	if svcs, err := linkedServices(path); err != nil || len(svcs) != 0 {
		t.Fatalf("hello links SDK clients %q (%v)", svcs, err)
	}
	api, err := startRuntimeAPI()
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	env := lambdaEnv("hello", api.Addr(), t.TempDir())
	got, err := measure(api, []binary{{Name: "hello", HostPath: path}}, map[string][]string{"hello": env}, 3, 20*time.Second, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got["hello"]) != 3 {
		t.Fatalf("samples %v", got)
	}
	for _, s := range got["hello"] {
		if s.Wall <= 0 || s.Wall > 20*time.Second || s.CPU < 0 {
			t.Fatalf("sample %+v", s)
		}
	}

	t.Run("ErrCannotStart", func(t *testing.T) {
		noAPI := slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "AWS_LAMBDA_RUNTIME_API=") })
		_, err := runOnce(api, path, noAPI, 20*time.Second)
		if err == nil || !strings.Contains(err.Error(), "ended before calling /next") || !strings.Contains(err.Error(), "AWS_LAMBDA_RUNTIME_API") {
			t.Fatalf("err %v", err)
		}
	})

	t.Run("SDKClientsOfAFloor", func(t *testing.T) {
		if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
			t.Skip("reads ELF or Mach-O")
		}
		bins := []binary{{Name: "floor-dynamodb-sqs-ses", Pkg: "./infra/coldstart/floor-dynamodb-sqs-ses", Kind: kindFloor}}
		if err := build(filepath.Join("..", ".."), dir, hostEnv(), flags, bins); err != nil {
			t.Fatal(err)
		}
		svcs, err := linkedServices(filepath.Join(dir, "floor-dynamodb-sqs-ses"))
		if err != nil {
			t.Fatal(err)
		}
		if got := chosen(svcs); !slices.Equal(got, []string{"dynamodb", "ses", "sqs"}) {
			t.Fatalf("floor constructs %q (all linked: %q)", got, svcs)
		}
	})
}

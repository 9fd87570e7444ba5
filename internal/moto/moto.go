// Package moto starts moto_server, the AWS-protocol server the integration
// tests run the real aws-sdk-go-v2 clients against. Tests start it themselves
// on a free 127.0.0.1 port; when it cannot start they fail loudly, never skip.
package moto

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region every test client uses.
const Region = "us-east-1"

// Server is a running moto_server.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	cmd      *exec.Cmd
	log      *os.File
}

var (
	shared    *Server
	sharedErr error
	once      sync.Once
)

// Shared returns the package's moto_server, starting it on first use. Use
// Main in TestMain so that it stops when the tests end.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	once.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		tb.Fatalf("moto_server is required for the AWS integration tests and could not start: %v", sharedErr)
	}
	return shared
}

// Main runs a package's tests and stops the shared server afterwards.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	os.Exit(code)
}

// Start launches a new moto_server on a free loopback port and waits until
// it answers.
func Start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server not found on PATH (it ships with the machine image; install Python moto 5 with its server extra): %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	// Die with the test binary even if it is killed before Stop runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logf}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("moto_server exited before it was ready: %v\n%s", err, out)
		case <-deadline:
			s.Stop()
			return nil, fmt.Errorf("moto_server did not answer on %s within 60s", s.Endpoint)
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(s.Endpoint + "/moto-api/data.json")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
}

// Stop kills the server.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
	if s.log != nil {
		s.log.Close()
		os.Remove(s.log.Name())
	}
}

// Config is an aws.Config pointed at the server with dummy credentials.
func (s *Server) Config(tb testing.TB) aws.Config {
	tb.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(Region),
		config.WithBaseEndpoint(s.Endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
	)
	if err != nil {
		tb.Fatalf("aws config for moto: %v", err)
	}
	return cfg
}

// Data returns moto's view of its state (GET /moto-api/data.json), which is
// where sent SES mail can be inspected.
func (s *Server) Data(tb testing.TB) []byte {
	tb.Helper()
	resp, err := http.Get(s.Endpoint + "/moto-api/data.json")
	if err != nil {
		tb.Fatalf("moto data: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("moto data: %v", err)
	}
	return b
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// nextPath is the Runtime API call a Lambda runtime makes once its init is
// done: the end of a cold start as Lambda bills and reports it.
const nextPath = "/2018-06-01/runtime/invocation/next"

// arrival is one /next request as the stub saw it.
type arrival struct {
	At        time.Time
	UserAgent string
}

// runtimeAPI is the smallest Lambda Runtime API that lets a function start:
// it notes when /next arrives and never hands out an invocation, so that
// nothing after init (DynamoDB, SQS) is ever reached and the process can be
// killed while it waits.
type runtimeAPI struct {
	ln       net.Listener
	srv      *http.Server
	arrivals chan arrival
	stop     chan struct{}
	once     sync.Once

	mu         sync.Mutex
	unexpected []string // other calls, e.g. init/error: the function failed
}

// startRuntimeAPI listens on a free loopback port.
func startRuntimeAPI() (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime api: %w", err)
	}
	a := &runtimeAPI{ln: ln, arrivals: make(chan arrival, 1), stop: make(chan struct{})}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.note("serve: " + err.Error())
		}
	}()
	return a, nil
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API (host:port, no scheme).
func (a *runtimeAPI) Addr() string { return a.ln.Addr().String() }

func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != nextPath {
		a.note(r.Method + " " + r.URL.Path)
		http.Error(w, `{"errorMessage":"not served by the cold-start stub"}`, http.StatusNotFound)
		return
	}
	at := time.Now() // first thing, before anything else can delay it
	select {
	case a.arrivals <- arrival{At: at, UserAgent: r.UserAgent()}:
	default: // the harness has not taken the last one: not a run it is timing
	}
	// Hold the call, as Lambda does while no event is waiting; the process
	// is killed (closing the connection) or the stub shuts down.
	select {
	case <-r.Context().Done():
	case <-a.stop:
	}
}

// drain forgets an arrival no run is waiting for.
func (a *runtimeAPI) drain() {
	select {
	case <-a.arrivals:
	default:
	}
}

func (a *runtimeAPI) note(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.unexpected = append(a.unexpected, s)
}

// Unexpected returns and forgets the calls other than /next.
func (a *runtimeAPI) Unexpected() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.unexpected
	a.unexpected = nil
	return u
}

// Close releases held calls and stops listening.
func (a *runtimeAPI) Close() error {
	a.once.Do(func() { close(a.stop) })
	return a.srv.Close()
}

package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// ParameterStore reads SecureString parameters with one signed
// GetParameter call (WithDecryption), the call the SDK's SSM client makes.
//
// Not that client: linking github.com/aws/aws-sdk-go-v2/service/ssm costs
// every function that reads a secret about 3 ms of cold start (its package
// initialisation; make coldstart, 2026-12-06: a DynamoDB+SQS+SSM floor
// 9.1 ms against 5.9 ms without SSM, on a loaded machine) and 0.85 MB,
// for one call made once per process. The SigV4 signer is the SDK's own,
// already linked by the DynamoDB and SQS clients; the test holds this
// reader to the SSM client against moto_server.
type ParameterStore struct {
	cfg      aws.Config
	endpoint string
	http     *http.Client
	signer   *v4.Signer
}

// NewParameterStore reads in cfg's region with its credentials, at
// cfg.BaseEndpoint when set (moto_server in the tests).
func NewParameterStore(cfg aws.Config) *ParameterStore {
	endpoint := "https://ssm." + cfg.Region + ".amazonaws.com"
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		endpoint = strings.TrimRight(*cfg.BaseEndpoint, "/")
	}
	// Well under the functions' 10 s: a hung read fails its request with a
	// clear error, not the invocation with a timeout.
	return &ParameterStore{cfg: cfg, endpoint: endpoint, http: &http.Client{Timeout: 3 * time.Second}, signer: v4.NewSigner()}
}

// Read returns the decrypted value of the parameter name. A throttled or
// failed call (429, 5xx, a network error) is tried once more after 200 ms.
func (p *ParameterStore) Read(ctx context.Context, name string) (string, error) {
	v, retry, err := p.read(ctx, name)
	if err != nil && retry && ctx.Err() == nil {
		select {
		case <-ctx.Done():
			return "", err
		case <-time.After(200 * time.Millisecond):
		}
		v, _, err = p.read(ctx, name)
	}
	return v, err
}

func (p *ParameterStore) read(ctx context.Context, name string) (value string, retry bool, err error) {
	body, err := json.Marshal(map[string]any{"Name": name, "WithDecryption": true})
	if err != nil {
		return "", false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return "", false, fmt.Errorf("secrets: parameter %s: %w", name, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	if p.cfg.Credentials == nil {
		return "", false, fmt.Errorf("secrets: parameter %s: no AWS credentials", name)
	}
	creds, err := p.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", false, fmt.Errorf("secrets: parameter %s: credentials: %w", name, err)
	}
	sum := sha256.Sum256(body)
	if err := p.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", p.cfg.Region, time.Now()); err != nil {
		return "", false, fmt.Errorf("secrets: parameter %s: sign: %w", name, err)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return "", true, fmt.Errorf("secrets: parameter %s: %w", name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", false, fmt.Errorf("secrets: parameter %s: %w", name, err)
	}
	var out struct {
		Parameter *struct{ Value string }
		Type      string `json:"__type"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", false, fmt.Errorf("secrets: parameter %s: status %d, unreadable answer", name, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		// "com.amazonaws.ssm#ParameterNotFound" or "ParameterNotFound".
		kind := out.Type[strings.LastIndex(out.Type, "#")+1:]
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || kind == "ThrottlingException"
		return "", retry, fmt.Errorf("secrets: parameter %s: %s (status %d) %s", name, kind, resp.StatusCode, out.Message)
	}
	if out.Parameter == nil || out.Parameter.Value == "" {
		return "", false, fmt.Errorf("secrets: parameter %s is empty", name)
	}
	return out.Parameter.Value, false, nil
}

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
	return &ParameterStore{cfg: cfg, endpoint: endpoint, http: &http.Client{Timeout: 10 * time.Second}, signer: v4.NewSigner()}
}

// Read returns the decrypted value of the parameter name.
func (p *ParameterStore) Read(ctx context.Context, name string) (string, error) {
	body, err := json.Marshal(map[string]any{"Name": name, "WithDecryption": true})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("secrets: parameter %s: %w", name, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	if p.cfg.Credentials == nil {
		return "", fmt.Errorf("secrets: parameter %s: no AWS credentials", name)
	}
	creds, err := p.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("secrets: parameter %s: credentials: %w", name, err)
	}
	sum := sha256.Sum256(body)
	if err := p.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", p.cfg.Region, time.Now()); err != nil {
		return "", fmt.Errorf("secrets: parameter %s: sign: %w", name, err)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("secrets: parameter %s: %w", name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("secrets: parameter %s: %w", name, err)
	}
	var out struct {
		Parameter *struct{ Value string }
		Type      string `json:"__type"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("secrets: parameter %s: status %d, unreadable answer", name, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		// "com.amazonaws.ssm#ParameterNotFound" or "ParameterNotFound".
		kind := out.Type[strings.LastIndex(out.Type, "#")+1:]
		return "", fmt.Errorf("secrets: parameter %s: %s (status %d) %s", name, kind, resp.StatusCode, out.Message)
	}
	if out.Parameter == nil || out.Parameter.Value == "" {
		return "", fmt.Errorf("secrets: parameter %s is empty", name)
	}
	return out.Parameter.Value, nil
}

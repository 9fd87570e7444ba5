package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v2"
)

// region is where the fake AWS configuration points; nothing is ever sent.
const region = "us-east-1"

// samTemplate is the part of template.yaml that says what each function's
// environment holds. yaml/v2 drops CloudFormation's short tags, so
// `!Ref MailQueue` reads as "MailQueue".
type samTemplate struct {
	Parameters map[string]struct {
		Default any `yaml:"Default"`
	} `yaml:"Parameters"`
	Globals struct {
		Function struct {
			Environment envBlock `yaml:"Environment"`
		} `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			Environment envBlock `yaml:"Environment"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
}

type envBlock struct {
	Variables map[string]any `yaml:"Variables"`
}

func loadTemplate(path string) (*samTemplate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var t samTemplate
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &t, nil
}

// functionEnv is the environment template.yaml gives the function id, with
// every reference replaced by a stand-in of the right shape, so that the
// function starts with the same variables (and reads the same ones) as in
// AWS: a queue's URL, a parameter's default or a placeholder, a literal as
// written.
func (t *samTemplate) functionEnv(id string) ([]string, error) {
	res, ok := t.Resources[id]
	if !ok || res.Type != "AWS::Serverless::Function" {
		return nil, fmt.Errorf("template has no function %q", id)
	}
	vars := map[string]string{}
	for _, block := range []envBlock{t.Globals.Function.Environment, res.Properties.Environment} {
		for k, v := range block.Variables {
			s, err := t.value(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", id, k, err)
			}
			vars[k] = s
		}
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}

func (t *samTemplate) value(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return t.ref(v), nil
	case map[any]any: // long forms: {Ref: X}, {Fn::GetAtt: [X, Arn]}
		if r, ok := v["Ref"].(string); ok {
			return t.ref(r), nil
		}
		if _, ok := v["Fn::GetAtt"]; ok {
			return "arn:aws:coldstart:" + region + ":123456789012:stand-in", nil
		}
		return "", fmt.Errorf("unsupported value %v", v)
	case nil:
		return "", nil
	default:
		return fmt.Sprint(v), nil
	}
}

// ref resolves a name the template defines; anything else is a literal.
func (t *samTemplate) ref(name string) string {
	if name == "AWS::Region" {
		return region
	}
	if p, ok := t.Parameters[name]; ok {
		if p.Default != nil {
			return fmt.Sprint(p.Default)
		}
		return "coldstart-" + name
	}
	if r, ok := t.Resources[name]; ok {
		if r.Type == "AWS::SQS::Queue" {
			return "https://sqs." + region + ".amazonaws.com/123456789012/coldstart-" + name
		}
		return "coldstart-" + name
	}
	return name
}

// lambdaEnv is what the Lambda service itself sets for a provided.al2023
// function (fake credentials, no real account), plus the Runtime API's
// address. home is an empty directory so that no shared AWS config or
// credentials file of this machine is read.
func lambdaEnv(name, runtimeAPI, home string) []string {
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_ACCESS_KEY_ID=AKIACOLDSTARTFAKE",
		"AWS_SECRET_ACCESS_KEY=coldstart-fake-secret",
		"AWS_SESSION_TOKEN=coldstart-fake-token",
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=coldstart",
		"_HANDLER=bootstrap",
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + home + "/.aws/config",
		"AWS_SHARED_CREDENTIALS_FILE=" + home + "/.aws/credentials",
	}
}

// mergeEnv appends extra to base, extra winning on a repeated name.
func mergeEnv(base, extra []string) []string {
	seen := map[string]bool{}
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		seen[k] = true
	}
	out := make([]string, 0, len(base)+len(extra))
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); !seen[k] {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

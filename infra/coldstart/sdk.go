package main

import (
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"fmt"
	"sort"
	"strings"
)

const sdkServicePrefix = "github.com/aws/aws-sdk-go-v2/service/"

// configServices are the clients config.LoadDefaultConfig links for its
// credential providers (SSO, STS, sign-in); the functions and floors build
// their configuration without it (internal/awsenv), and should one use it
// again, the table leaves them out so that it shows what the code chose.
var configServices = map[string]bool{"sso": true, "ssooidc": true, "sts": true, "signin": true}

// linkedServices names the AWS SDK clients the binary at path can
// construct: the services whose New function the linker kept. Importing
// a service package is not enough (internal/mail imports SES's types in
// every function); a kept constructor means the code builds that client.
// A stripped Go binary still has its function table (.gopclntab), which
// is what this reads.
func linkedServices(path string) ([]string, error) {
	names, err := funcNames(path)
	if err != nil {
		return nil, err
	}
	return servicesFromFuncs(names), nil
}

// servicesFromFuncs picks "<prefix><service>.New" out of function names.
func servicesFromFuncs(names []string) []string {
	set := map[string]bool{}
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, sdkServicePrefix)
		if !ok {
			continue
		}
		if svc, ok := strings.CutSuffix(rest, ".New"); ok && !strings.ContainsAny(svc, "/.") {
			set[svc] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// chosen drops configServices, for display.
func chosen(svcs []string) []string {
	var out []string
	for _, s := range svcs {
		if !configServices[s] {
			out = append(out, s)
		}
	}
	return out
}

// funcNames lists the functions of a Go executable (ELF or Mach-O).
func funcNames(path string) ([]string, error) {
	pcln, text, err := pclntab(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(pcln, text))
	if err != nil {
		return nil, fmt.Errorf("%s: function table: %w", path, err)
	}
	out := make([]string, len(tab.Funcs))
	for i, f := range tab.Funcs {
		out[i] = f.Name
	}
	return out, nil
}

func pclntab(path string) (data []byte, textStart uint64, err error) {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		s, t := f.Section(".gopclntab"), f.Section(".text")
		if s == nil || t == nil {
			return nil, 0, fmt.Errorf("no .gopclntab or .text section")
		}
		data, err := s.Data()
		return data, t.Addr, err
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		s, t := f.Section("__gopclntab"), f.Section("__text")
		if s == nil || t == nil {
			return nil, 0, fmt.Errorf("no __gopclntab or __text section")
		}
		data, err := s.Data()
		return data, t.Addr, err
	}
	return nil, 0, fmt.Errorf("neither ELF nor Mach-O")
}

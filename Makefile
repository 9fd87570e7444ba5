# cecportal Makefile (GNU make).
#
# `sam build` runs the build-<LogicalId> targets below: every function in
# template.yaml has `Metadata: BuildMethod: makefile` and CodeUri ".", so SAM
# calls `make build-<LogicalId>` here with ARTIFACTS_DIR set, and the target
# must leave the binary at $(ARTIFACTS_DIR)/bootstrap.

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO       ?= go
CFN_LINT ?= cfn-lint
BUILD_DIR := .build

# ============================================================================
# Functions: <template logical ID>:<directory under functions/>, in the
# order of app.Functions (internal/app/functions.go), the one list of the
# functions, which says what adding one takes; infra/templatecheck fails
# when this copy differs from it.
# ============================================================================
LAMBDAS := \
	AccountsApi:accounts-api \
	MailSender:mail-sender \
	MailFeedback:mail-feedback \
	OutboxRelay:outbox-relay \
	ProgramsApi:programs-api \
	ProgramValidator:program-validator \
	ProgramInvoicer:program-invoicer \
	AttendanceApi:attendance-api \
	AttendanceCrediter:attendance-crediter \
	HolderImporter:holder-importer \
	CecApi:cec-api \
	DocumentsApi:documents-api \
	RecordsApi:records-api \
	BadgesApi:badges-api \
	CecSubmissionReviewer:cec-submission-reviewer \
	PaymentWebhook:payment-webhook \
	PaymentSettler:payment-settler \
	RenewalIssuer:renewal-issuer \
	RenewalInvoicer:renewal-invoicer \
	Reminders:reminders \
	DailyWorker:daily-worker

lambda_id  = $(word 1,$(subst :, ,$(1)))
lambda_dir = $(word 2,$(subst :, ,$(1)))

FUNCTIONS := $(foreach l,$(LAMBDAS),$(call lambda_dir,$(l)))

# Cross-compile for Lambda's provided.al2023 runtime on arm64 (Graviton).
# lambda.norpc drops aws-lambda-go's unused net/rpc server.
LAMBDA_ENV   := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -trimpath -ldflags '-s -w' -tags lambda.norpc

# $(call go-lambda,<dir>,<output binary>)
go-lambda = $(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(2) ./functions/$(1)

# ============================================================================
# Build
# ============================================================================

# The Lambdas start with the policy compiled in from policy/default.yaml
# (internal/policy/shipped_gen.go, made by go generate): a build refuses to
# ship a generated policy that is not the YAML's (tests cache the verdict).
.PHONY: check-policy
check-policy:
	@$(GO) test -run '^TestShipped_(GeneratedFromYAML|EqualsLoad)$$' ./internal/policy >/dev/null || \
		{ echo "internal/policy/shipped_gen.go is not policy/default.yaml: run go generate ./internal/policy" >&2; exit 1; }

# One build-<LogicalId> target per function, for SAM.
define sam-build-target
.PHONY: build-$(call lambda_id,$(1))
build-$(call lambda_id,$(1)): check-policy
	@test -n "$$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 1; }
	$$(call go-lambda,$(call lambda_dir,$(1)),$$(ARTIFACTS_DIR)/bootstrap)
	cp "$$$$($(GO) env GOROOT)/lib/time/zoneinfo.zip" "$$(ARTIFACTS_DIR)/zoneinfo.zip"
endef
$(foreach l,$(LAMBDAS),$(eval $(call sam-build-target,$(l))))

.PHONY: build
build: check-policy ## Build every function into .build/<dir>/bootstrap, as SAM would, and print sizes
	@set -e; for d in $(FUNCTIONS); do \
		echo "$(call go-lambda,$$d,$(BUILD_DIR)/$$d/bootstrap)"; \
		$(call go-lambda,$$d,$(BUILD_DIR)/$$d/bootstrap); \
		cp "$$($(GO) env GOROOT)/lib/time/zoneinfo.zip" $(BUILD_DIR)/$$d/zoneinfo.zip; \
	done
	@for d in $(FUNCTIONS); do \
		printf '%-16s %6s KiB  %s\n' "$$d" "$$(( $$(wc -c < $(BUILD_DIR)/$$d/bootstrap) / 1024 ))" "$(BUILD_DIR)/$$d/bootstrap"; \
	done

# ============================================================================
# Checks
# ============================================================================

# cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
# Errors and warnings fail; informational messages are printed but pass.
.PHONY: lint-template
lint-template: ## Lint template.yaml and infra/mailidentity/template.yaml with cfn-lint (fails on errors and warnings)
	@rc=0; $(CFN_LINT) template.yaml infra/mailidentity/template.yaml || rc=$$?; \
	if [ $$(( rc & ~8 )) -ne 0 ]; then echo "cfn-lint failed (exit $$rc)" >&2; exit 1; fi

# ============================================================================
# Development (run, test, fmt, vet, ...)
# ============================================================================

# The Go files of the repository, tracked or new (never build output).
GO_FILES = $(shell git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go' -not -path './.build/*')

.PHONY: run
run: ## Run the whole system locally (http://127.0.0.1:8080; PORT, CECPORTAL_DATA, ... see README)
	$(GO) run ./infra/local

.PHONY: test
test: tools check-fmt vet staticcheck lint-template ## Every check and test: gofmt, vet, staticcheck, cfn-lint, unit, contract suites (embedded and moto), end to end
	$(GO) test -race -count=1 ./...

.PHONY: test-short
test-short: ## Go tests only, without the race detector (quick iteration)
	$(GO) test -count=1 ./...

.PHONY: bench
bench: ## Benchmarks with their targets: attendance crediting and the import of holders at 10,000 and 100,000 rows; the dashboard read flat at 1,000 and 100,000 holders (about six minutes)
	infra/bench/bench.sh

# The daily jobs at scale (internal/store/daily_scale_test.go): HOLDERS
# holders' renewal invoices on one day, then their reminders on one day,
# 10 ms a table or queue call, 8 pieces at once, 5 % of the invocations
# killed at a random call. 200,000 (issue 16's figure) takes about an hour.
HOLDERS ?= 20000
.PHONY: bench-daily
bench-daily: ## The daily jobs at scale: HOLDERS (20,000; 200,000 takes about an hour) invoices and reminders on one day, 10 ms a call, random kills
	CECPORTAL_DAILY_HOLDERS=$(HOLDERS) $(GO) test -count=1 -v -timeout 3h -run '^TestDailyJobsAtScale$$' ./internal/store/ 2>&1 | grep -v '^20[0-9][0-9]/'

# The long variants of the fault and load tests (infra/local/fault_test.go,
# load_test.go); make test runs their short variants. Figures in the -v log.
.PHONY: soak
soak: ## Faults and load on the local stack: 5 kill -9 during a 10,000-row upload, 200 clients for 30 s, with latency figures (several minutes)
	CECPORTAL_SOAK=1 $(GO) test -count=1 -v -timeout 30m -run '^(TestFault_KillDuringCrediting|TestLoad)$$' ./infra/local/

# COLDSTART_ARGS passes more flags, e.g. COLDSTART_ARGS='-runs 10 -only mail-sender'.
.PHONY: coldstart
# A short end-to-end check of a deployed stack (docs/deploy.md, Smoke test);
# make test runs the same check against the local stack (infra/smoke).
API ?=
REGION ?=
.PHONY: smoke
smoke: ## Smoke-test a deployed stack: make smoke API=https://... REGION=... SMOKE_CLIENT_ID=... SMOKE_USER=... (SMOKE_PASSWORD in the environment)
	@test -n "$(API)" || { echo "make smoke API=https://<the stack's ApiUrl> REGION=<region>; see docs/deploy.md" >&2; exit 2; }
	$(GO) run ./infra/smoke -api '$(API)' -cognito-region '$(REGION)' $(if $(LOCAL),-local,)

coldstart: ## Cold start (exec to first /next) and binary size of every function against hello-world and SDK-floor yardsticks, with their targets (about a minute)
	$(GO) run ./infra/coldstart -go '$(GO)' -lambdas '$(LAMBDAS)' -lambda-env '$(LAMBDA_ENV)' $(COLDSTART_ARGS) -- $(LAMBDA_FLAGS)

# The browser tests again, saving a PNG of every page and state they check
# (desktop and phone) with an index.html into SCREENSHOTS, for review.
SCREENSHOTS ?= $(BUILD_DIR)/screenshots
.PHONY: screenshots
screenshots: ## PNGs of every page and state the browser tests visit, desktop and phone, and an index.html, into SCREENSHOTS (default .build/screenshots; under a minute)
	@mkdir -p "$(SCREENSHOTS)" && rm -f "$(SCREENSHOTS)"/*.png "$(SCREENSHOTS)/index.html"
	CECPORTAL_PAGE_SHOTS="$(abspath $(SCREENSHOTS))" $(GO) test -count=1 -run '^TestBrowser_' ./infra/browser/
	@echo "screenshots: $(abspath $(SCREENSHOTS))/index.html ($$(ls "$(SCREENSHOTS)"/*.png | wc -l) pictures)"

FUZZTIME ?= 60s
.PHONY: fuzz
fuzz: ## Fuzz every Fuzz* target for FUZZTIME each (default 60s), one after another; make test runs only the committed seed corpora
	@set -eo pipefail; \
	dirs=$$({ git ls-files -co --exclude-standard '*_test.go' 2>/dev/null || find . -name '*_test.go' -not -path './.build/*'; } | \
		xargs grep -l '^func Fuzz' | xargs -n1 dirname | sort -u); \
	[ -n "$$dirs" ] || { echo "no fuzz targets found" >&2; exit 1; }; \
	out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	for d in $$dirs; do \
		list=$$($(GO) test -list '^Fuzz' ./$$d) || { echo "$$list" >&2; exit 1; }; \
		for f in $$(echo "$$list" | grep '^Fuzz'); do \
			echo "== $$f in ./$$d for $(FUZZTIME)"; \
			if $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./$$d 2>&1 | tee "$$out"; then continue; fi; \
			if ! grep -q 'Failing input written' "$$out" && \
				grep -A1 "^--- FAIL: $$f " "$$out" | tail -n1 | grep -qx '    context deadline exceeded'; then \
				echo "== $$f: no failing input, only Go's race at the end of -fuzztime (golang/go#75804, fixed in Go 1.27): not a finding" >&2; \
				continue; \
			fi; \
			echo "$$f failed: the failing input is under $$d/testdata/fuzz/$$f (commit it as a seed once fixed)" >&2; \
			exit 1; \
		done; \
	done

.PHONY: fmt
fmt: ## Format the Go code in place
	gofmt -w $(GO_FILES)

.PHONY: check-fmt
check-fmt: ## Fail if any Go file is not gofmt-formatted
	@out=$$(gofmt -l $(GO_FILES)); if [ -n "$$out" ]; then echo "gofmt would change (run make fmt):" >&2; echo "$$out" >&2; exit 1; fi

.PHONY: vet
vet: ## go vet every package
	$(GO) vet ./...

# staticcheck is a tool of the module (the `tool` line of go.mod): go.sum pins
# its version, `go mod download` fetches it, and no Lambda links it.
.PHONY: staticcheck
staticcheck: ## staticcheck every package (the version go.mod pins)
	$(GO) tool staticcheck ./...

# The tests start moto_server themselves and fail (never skip) without it.
.PHONY: tools
tools: ## Check that the tools the tests need are installed
	@missing=; for t in $(GO) $(CFN_LINT) moto_server; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then echo "missing tools:$$missing (.ci/run installs what it can; see README)" >&2; exit 1; fi

# ============================================================================
# Housekeeping
# ============================================================================

.PHONY: clean
clean: ## Remove build output
	rm -rf $(BUILD_DIR) .aws-sam

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'
	@echo "  build-<Id>       Build one function into \$$ARTIFACTS_DIR/bootstrap (for sam build): $(foreach l,$(LAMBDAS),$(call lambda_id,$(l)))"

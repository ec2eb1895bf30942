# EventAI: one command to run, one to test. See README.md.
SHELL := /bin/bash
GO    ?= go
# Modules of the workspace, read from go.work (the `use` block).
MODULES := $(shell $(GO) work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p')
TEST_FLAGS ?= -count=1 -p 2 -timeout 12m
DEVRUN := bin/devrun

.PHONY: run test build lint bench-ai demo k8s-check tidy stop pg-url db-url devrun

devrun:
	@$(GO) build -o $(DEVRUN) ./deploy/cmd/devrun

## run: build everything, start PostgreSQL (or use DATABASE_URL), the broker (or KAFKA_BROKERS),
## every service and the gateway; Ctrl-C stops them.
run: devrun
	@$(DEVRUN) run

## stop: stop a running `make run` (from another terminal) and the private PostgreSQL.
stop: devrun
	@$(DEVRUN) stop

## db-url: print the PostgreSQL URL `make run` uses (starting the private cluster when needed).
db-url: devrun
	@$(DEVRUN) db-url

## pg-url: print the PostgreSQL URL the tests use.
pg-url: devrun
	@$(DEVRUN) pg-url

## test: every module's tests against a real PostgreSQL (TEST_DATABASE_URL) and the embedded broker.
test: devrun
	@set -uo pipefail; start=$$(date +%s); \
	url=$$($(DEVRUN) pg-url) || { echo "make test: no PostgreSQL for the tests" >&2; exit 1; }; \
	export TEST_DATABASE_URL="$$url"; echo "TEST_DATABASE_URL=$$url"; \
	failed=""; \
	for m in $(MODULES); do \
	  echo "=== go test $$m/..."; \
	  ( cd $$m && $(GO) test $(TEST_FLAGS) ./... ) || failed="$$failed $$m"; \
	  ( cd $$m && GOWORK=off $(GO) build ./... ) || failed="$$failed $$m(GOWORK=off)"; \
	done; \
	if compgen -G 'deploy/cmd/k8scheck/*.go' >/dev/null; then $(MAKE) --no-print-directory k8s-check || failed="$$failed k8s-check"; fi; \
	echo "make test: $$(( $$(date +%s) - start ))s"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED in:$$failed" >&2; exit 1; fi; \
	echo "make test: all passed"

## build: compile every module (and the binaries of `make run` into bin/).
build: devrun
	@for m in $(MODULES); do echo "go build $$m/..."; ( cd $$m && $(GO) build ./... ) || exit 1; done
	@$(DEVRUN) build

## lint: gofmt and go vet on every module.
lint:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@for m in $(MODULES); do ( cd $$m && $(GO) vet ./... ) || exit 1; done

## bench-ai: the optimiser on the OR-Library GAP instances (ARGS passed through).
bench-ai:
	$(GO) run ./services/suggestion/cmd/benchai $(ARGS)

## demo: drive the whole workflow against a running `make run`.
demo:
	@$(GO) build -o bin/demo ./deploy/cmd/demo && bin/demo $(ARGS)

## k8s-check: render and strictly validate the Kubernetes manifests.
k8s-check:
	$(GO) run ./deploy/cmd/k8scheck $(ARGS)

## tidy: go mod tidy in every module.
tidy:
	@for m in $(MODULES); do echo "tidy $$m"; ( cd $$m && $(GO) mod tidy ) || exit 1; done
